"""Forward and backward propagation through the whole network, over the flat buffers.

Index letter: l layer, 1..L (row l of ``layers``; row 0 is the input layer).
Buffers (see ``ffnn_numba.layout``): ``theta``/``grad`` hold W^[l], b^[l] for every l;
the node buffers ``Z_buf``, ``A_buf``, ``dZ_buf``, ``dA_buf`` hold one (n^[l], m) block per
layer, A^[0] = X included; ``scratch`` holds the packed panels of the blocked products
(``layout.scratch_size``). Every function here only reads and writes these buffers, so a
training step allocates nothing, and one compilation per dtype serves every architecture.
The matrix equations use the blocked forms of ``blocked.py``; the tests hold them, and this
whole module, to the reference loops of ``linear.py``.
"""
import numpy as np

from ffnn_numba import layout
from ffnn_numba.layout import ACT, N

from ._jit import jit
from .activations import activation_backward, activation_forward
from .costs import cost_backward, cost_forward, correct_predictions, output_delta
from .optimizers import parameter_update
from .blocked import (linear_forward_blocked, linear_forward_unrolled,
                      prev_activation_gradient_blocked, prev_activation_gradient_unrolled,
                      weight_gradient_blocked, weight_gradient_dots)
from .linear import bias_gradient

# Multiply-adds below which packing the panels costs more than the blocked form saves
# (measured, bench/).
BLOCKED_MIN_WORK = 1 << 18

weights = jit(layout.weights, inline=True)
biases = jit(layout.biases, inline=True)
nodes = jit(layout.nodes, inline=True)


@jit(parallel=True)
def layer_linear_forward(Z, W, A_prev, b, scratch):
    """z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j  (eq:z_scalar), in the faster form for its size."""
    n, n_prev = W.shape
    m = A_prev.shape[1]
    if n * n_prev * m < BLOCKED_MIN_WORK:
        linear_forward_unrolled(Z, W, A_prev, b)
    else:
        linear_forward_blocked(Z, W, A_prev, b, scratch)


@jit(parallel=True)
def layer_weight_gradient(dW, dZ, A_prev, scratch):
    """dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}  (eq:dw_scalar), in the faster form for its size."""
    n, n_prev = dW.shape
    if n * n_prev * dZ.shape[1] < BLOCKED_MIN_WORK:
        weight_gradient_dots(dW, dZ, A_prev)
    else:
        weight_gradient_blocked(dW, dZ, A_prev, scratch)


@jit(parallel=True)
def layer_prev_activation_gradient(dA_prev, W, dZ, scratch):
    """dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i}  (eq:da_prev_scalar), in the faster form for its size."""
    n, n_prev = W.shape
    m = dZ.shape[1]
    if n * n_prev * m < BLOCKED_MIN_WORK:
        prev_activation_gradient_unrolled(dA_prev, W, dZ)
    else:
        prev_activation_gradient_blocked(dA_prev, W, dZ, scratch)


@jit(parallel=True)
def forward_propagation(Z_buf, A_buf, scratch, theta, layers, m):
    """From A^[0] (already in A_buf), for l = 1..L: Z^[l] (eq:z_scalar), then A^[l] (eq:a_scalar).

    Overwrites the blocks of layers 1..L in Z_buf and A_buf.
    """
    for l in range(1, layers.shape[0]):
        Z = nodes(Z_buf, layers, l, m)
        layer_linear_forward(Z, weights(theta, layers, l), nodes(A_buf, layers, l - 1, m),
                             biases(theta, layers, l), scratch)
        activation_forward(nodes(A_buf, layers, l, m), Z, layers[l, ACT])


@jit
def l2_penalty(theta, layers, l2, m):
    """λ/(2m) Σ_l Σ_j Σ_k (w_{j,k}^[l])², the L2 term of J (weights only, not biases)."""
    total = 0.0
    for l in range(1, layers.shape[0]):
        W = weights(theta, layers, l)
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                w = np.float64(W[j, k])   # float64 before squaring, as every cost sums
                total += w * w
    return l2 / (2 * m) * total


@jit
def l2_gradient(grad, theta, layers, l2, m):
    """∂/∂w_{j,k}^[l] of the L2 term, (λ/m) w_{j,k}^[l], added to every dW^[l]. Accumulates."""
    scale = l2 / m
    for l in range(1, layers.shape[0]):
        W, dW = weights(theta, layers, l), weights(grad, layers, l)
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                dW[j, k] += scale * W[j, k]


@jit
def output_cost(Z_buf, A_buf, theta, layers, Y, cost, fused, l2):
    """J = f(A^[L], Y)  (eq:J), plus the L2 term when l2 > 0; from the logits Z^[L] for the
    fused pairs."""
    L, m = layers.shape[0] - 1, Y.shape[1]
    J = cost_forward(nodes(Z_buf, layers, L, m), nodes(A_buf, layers, L, m), Y, cost, fused)
    if l2 > 0:
        J += l2_penalty(theta, layers, l2, m)
    return J


@jit(parallel=True)
def backward_propagation(grad, dZ_buf, dA_buf, scratch, theta, layers, Z_buf, A_buf, Y, cost,
                         fused, l2, to_input):
    """From the seed dJ/dA^[L], for l = L..1: dZ^[l] (eq:dz_scalar), dW^[l] (eq:dw_scalar),
    db^[l] (eq:db_scalar) and dA^[l-1] (eq:da_prev_scalar).

    Fused pairs start from dZ^[L] = (A^[L] - Y)/m instead. dA^[0] = dJ/dX is computed only when
    ``to_input``. With l2 > 0 every dW^[l] also gets the L2 term's (λ/m) W^[l]. Overwrites grad
    and the blocks of dZ_buf and dA_buf it reaches.
    """
    L, m = layers.shape[0] - 1, Y.shape[1]
    if fused:
        output_delta(nodes(dZ_buf, layers, L, m), nodes(A_buf, layers, L, m), Y)
    else:
        cost_backward(nodes(dA_buf, layers, L, m), nodes(A_buf, layers, L, m), Y, cost)
    for l in range(L, 0, -1):
        dZ = nodes(dZ_buf, layers, l, m)
        if l < L or not fused:
            activation_backward(dZ, nodes(dA_buf, layers, l, m), nodes(Z_buf, layers, l, m),
                                nodes(A_buf, layers, l, m), layers[l, ACT])
        layer_weight_gradient(weights(grad, layers, l), dZ, nodes(A_buf, layers, l - 1, m),
                              scratch)
        bias_gradient(biases(grad, layers, l), dZ)
        if l > 1 or to_input:
            layer_prev_activation_gradient(nodes(dA_buf, layers, l - 1, m),
                                           weights(theta, layers, l), dZ, scratch)
    if l2 > 0:
        l2_gradient(grad, theta, layers, l2, m)


@jit(parallel=True)
def train_step(theta, grad, state, settings, Z_buf, A_buf, dZ_buf, dA_buf, scratch, layers, Y,
               cost, fused, l2, optimizer):
    """One step of the optimizer on the batch whose A^[0] is in A_buf: forward, J, backward,
    then the update of ``optimizer`` (kernels/optimizers.py). Returns J before the update."""
    m = Y.shape[1]
    forward_propagation(Z_buf, A_buf, scratch, theta, layers, m)
    J = output_cost(Z_buf, A_buf, theta, layers, Y, cost, fused, l2)
    backward_propagation(grad, dZ_buf, dA_buf, scratch, theta, layers, Z_buf, A_buf, Y, cost,
                         fused, l2, False)
    parameter_update(theta, grad, state, settings, optimizer)
    return J


@jit(parallel=True)
def train_epoch(costs, hits, theta, grad, state, settings, Z_buf, A_buf, dZ_buf, dA_buf, scratch,
                Y_buf, layers, X, Y, order, batch_size, cost, fused, l2, optimizer):
    """One pass over the examples in ``order``, ``batch_size`` at a time, one ``train_step`` each.

    Each batch's columns of X and Y are copied into the A^[0] block of A_buf and into Y_buf.
    Overwrites costs[b] and hits[b] with batch b's J and correct predictions, both from its
    outputs before its update (which A_buf still holds after the step).
    """
    L, n_input, n_output = layers.shape[0] - 1, layers[0, N], layers[-1, N]
    for b in range(costs.shape[0]):
        start = b * batch_size
        m = min(batch_size, order.shape[0] - start)
        X_batch = nodes(A_buf, layers, 0, m)
        Y_batch = Y_buf[:n_output * m].reshape((n_output, m))
        for c in range(m):
            i = order[start + c]
            for k in range(n_input):
                X_batch[k, c] = X[k, i]
            for j in range(n_output):
                Y_batch[j, c] = Y[j, i]
        costs[b] = train_step(theta, grad, state, settings, Z_buf, A_buf, dZ_buf, dA_buf,
                              scratch, layers, Y_batch, cost, fused, l2, optimizer)
        hits[b] = correct_predictions(nodes(A_buf, layers, L, m), Y_batch, cost)
