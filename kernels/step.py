"""Forward and backward propagation through the whole network, over the flat buffers.

Index letter: l layer, 1..L (row l of ``layers``; row 0 is the input layer).
Buffers (see ``ffnn_numba.layout``): ``theta``/``grad`` hold W^[l], b^[l] for every l;
the node buffers ``Z_buf``, ``A_buf``, ``dZ_buf``, ``dA_buf`` hold one (n^[l], m) block per
layer, A^[0] = X included. Every function here only reads and writes these buffers, so a
training step allocates nothing, and one compilation per dtype serves every architecture.
"""
from ffnn_numba import layout
from ffnn_numba.layout import ACT, N

from ._jit import jit
from .activations import activation_backward, activation_forward
from .costs import cost_backward, cost_forward, output_delta
from .linear import bias_gradient, linear_forward, prev_activation_gradient, weight_gradient

weights = jit(layout.weights)
biases = jit(layout.biases)
nodes = jit(layout.nodes)


@jit
def forward_propagation(Z_buf, A_buf, theta, layers, m):
    """From A^[0] (already in A_buf), for l = 1..L: Z^[l] (eq:z_scalar), then A^[l] (eq:a_scalar).

    Overwrites the blocks of layers 1..L in Z_buf and A_buf.
    """
    for l in range(1, layers.shape[0]):
        Z = nodes(Z_buf, layers, l, m)
        linear_forward(Z, weights(theta, layers, l), nodes(A_buf, layers, l - 1, m),
                       biases(theta, layers, l))
        activation_forward(nodes(A_buf, layers, l, m), Z, layers[l, ACT])


@jit
def output_cost(Z_buf, A_buf, layers, Y, cost, fused):
    """J = f(A^[L], Y)  (eq:J); from the logits Z^[L] for the fused pairs."""
    L, m = layers.shape[0] - 1, Y.shape[1]
    return cost_forward(nodes(Z_buf, layers, L, m), nodes(A_buf, layers, L, m), Y, cost, fused)


@jit
def backward_propagation(grad, dZ_buf, dA_buf, theta, layers, Z_buf, A_buf, Y, cost, fused,
                         to_input):
    """From the seed dJ/dA^[L], for l = L..1: dZ^[l] (eq:dz_scalar), dW^[l] (eq:dw_scalar),
    db^[l] (eq:db_scalar) and dA^[l-1] (eq:da_prev_scalar).

    Fused pairs start from dZ^[L] = (A^[L] - Y)/m instead. dA^[0] = dJ/dX is computed only when
    ``to_input``. Overwrites grad and the blocks of dZ_buf and dA_buf it reaches.
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
        weight_gradient(weights(grad, layers, l), dZ, nodes(A_buf, layers, l - 1, m))
        bias_gradient(biases(grad, layers, l), dZ)
        if l > 1 or to_input:
            prev_activation_gradient(nodes(dA_buf, layers, l - 1, m), weights(theta, layers, l), dZ)


@jit
def train_step(theta, grad, Z_buf, A_buf, dZ_buf, dA_buf, layers, Y, cost, fused, learning_rate):
    """One gradient-descent step on the batch whose A^[0] is in A_buf: θ ← θ - α dJ/dθ.

    Returns J before the update.
    """
    m = Y.shape[1]
    forward_propagation(Z_buf, A_buf, theta, layers, m)
    J = output_cost(Z_buf, A_buf, layers, Y, cost, fused)
    backward_propagation(grad, dZ_buf, dA_buf, theta, layers, Z_buf, A_buf, Y, cost, fused, False)
    for t in range(theta.shape[0]):
        theta[t] -= learning_rate * grad[t]
    return J


@jit
def train_epoch(costs, theta, grad, Z_buf, A_buf, dZ_buf, dA_buf, Y_buf, layers, X, Y, order,
                batch_size, cost, fused, learning_rate):
    """One pass over the examples in ``order``, ``batch_size`` at a time, one ``train_step`` each.

    Each batch's columns of X and Y are copied into the A^[0] block of A_buf and into Y_buf.
    Overwrites costs[b] with batch b's J before its update.
    """
    n_input, n_output = layers[0, N], layers[-1, N]
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
        costs[b] = train_step(theta, grad, Z_buf, A_buf, dZ_buf, dA_buf, layers, Y_batch, cost,
                              fused, learning_rate)
