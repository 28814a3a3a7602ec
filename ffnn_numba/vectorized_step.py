"""Forward and backward propagation through the whole network, in NumPy.

The counterpart of ``ffnn_numba.kernels.step``: same functions, same signatures, same flat
buffers (see ``layout``), each equation computed in its matrix form by ``vectorized``.
``scratch`` is accepted for the same signatures and left unused: BLAS packs on its own.
Index letter: l layer, 1..L (row l of ``layers``; row 0 is the input layer).
"""
import numpy as np

from . import vectorized as eq
from .layout import ACT, N, biases, nodes, weights


def forward_propagation(Z_buf, A_buf, scratch, theta, layers, m):
    """From A^[0] (already in A_buf), for l = 1..L: Z^[l] (eq:Z), then A^[l] (eq:A)."""
    for l in range(1, layers.shape[0]):
        Z = nodes(Z_buf, layers, l, m)
        eq.linear_forward(Z, weights(theta, layers, l), nodes(A_buf, layers, l - 1, m),
                          biases(theta, layers, l))
        eq.activation_forward(nodes(A_buf, layers, l, m), Z, layers[l, ACT])


def l2_penalty(theta, layers, l2, m):
    """λ/(2m) Σ_l ||W^[l]||², the L2 term of J (weights only)."""
    return l2 / (2 * m) * sum(float(np.sum(weights(theta, layers, l).astype(np.float64) ** 2))
                              for l in range(1, layers.shape[0]))


def l2_gradient(grad, theta, layers, l2, m):
    """dW^[l] += (λ/m) W^[l] for every l."""
    for l in range(1, layers.shape[0]):
        weights(grad, layers, l)[...] += l2 / m * weights(theta, layers, l)


def output_cost(Z_buf, A_buf, theta, layers, Y, cost, fused, l2):
    """J = f(A^[L], Y)  (eq:J), plus the L2 term when l2 > 0."""
    L, m = layers.shape[0] - 1, Y.shape[1]
    J = eq.cost_forward(nodes(Z_buf, layers, L, m), nodes(A_buf, layers, L, m), Y, cost, fused)
    return J + l2_penalty(theta, layers, l2, m) if l2 > 0 else J


def backward_propagation(grad, dZ_buf, dA_buf, scratch, theta, layers, Z_buf, A_buf, Y, cost,
                         fused, l2, to_input):
    """From the seed dJ/dA^[L], for l = L..1: dZ^[l] (eq:dZ), dW^[l] (eq:dW), db^[l] (eq:db)
    and dA^[l-1] (eq:dA_prev); dA^[0] only when ``to_input``; the L2 term's gradient when l2 > 0."""
    L, m = layers.shape[0] - 1, Y.shape[1]
    if fused:
        eq.output_delta(nodes(dZ_buf, layers, L, m), nodes(A_buf, layers, L, m), Y)
    else:
        eq.cost_backward(nodes(dA_buf, layers, L, m), nodes(A_buf, layers, L, m), Y, cost)
    for l in range(L, 0, -1):
        dZ = nodes(dZ_buf, layers, l, m)
        if l < L or not fused:
            eq.activation_backward(dZ, nodes(dA_buf, layers, l, m), nodes(Z_buf, layers, l, m),
                                   nodes(A_buf, layers, l, m), layers[l, ACT])
        eq.weight_gradient(weights(grad, layers, l), dZ, nodes(A_buf, layers, l - 1, m))
        eq.bias_gradient(biases(grad, layers, l), dZ)
        if l > 1 or to_input:
            eq.prev_activation_gradient(nodes(dA_buf, layers, l - 1, m),
                                        weights(theta, layers, l), dZ)
    if l2 > 0:
        l2_gradient(grad, theta, layers, l2, m)


def train_step(theta, grad, state, settings, Z_buf, A_buf, dZ_buf, dA_buf, scratch, layers, Y,
               cost, fused, l2, optimizer):
    """One optimizer step on the batch in A_buf; returns J before it."""
    forward_propagation(Z_buf, A_buf, scratch, theta, layers, Y.shape[1])
    J = output_cost(Z_buf, A_buf, theta, layers, Y, cost, fused, l2)
    backward_propagation(grad, dZ_buf, dA_buf, scratch, theta, layers, Z_buf, A_buf, Y, cost,
                         fused, l2, False)
    eq.parameter_update(theta, grad, state, settings, optimizer)
    return J


def train_epoch(costs, hits, theta, grad, state, settings, Z_buf, A_buf, dZ_buf, dA_buf, scratch,
                Y_buf, layers, X, Y, order, batch_size, cost, fused, l2, optimizer):
    """One pass over the examples in ``order``, ``batch_size`` at a time; costs[b] and hits[b]
    are batch b's J and correct predictions before its update."""
    L, n_output = layers.shape[0] - 1, layers[-1, N]
    for b in range(costs.shape[0]):
        batch = order[b * batch_size:(b + 1) * batch_size]
        m = batch.shape[0]
        Y_batch = Y_buf[:n_output * m].reshape((n_output, m))
        X.take(batch, axis=1, out=nodes(A_buf, layers, 0, m), mode="clip")
        Y.take(batch, axis=1, out=Y_batch, mode="clip")
        costs[b] = train_step(theta, grad, state, settings, Z_buf, A_buf, dZ_buf, dA_buf,
                              scratch, layers, Y_batch, cost, fused, l2, optimizer)
        hits[b] = eq.correct_predictions(nodes(A_buf, layers, L, m), Y_batch, cost)
