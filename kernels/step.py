"""Forward and backward propagation through the whole network, over the flat buffers.

Index letter: l layer, 1..L (row l of ``layers``; row 0 is the input layer).
Every engine function takes ``b``, the network's ``layout.Buffers`` (θ, dJ/dθ, optimizer
state, the node buffers Z, A, dZ, dA with one (n^[l], m) block per layer, the batch's
targets, scratch), and ``p``, its ``layout.Problem`` (layer table, cost, fused flag, L2,
update rule and its settings, the table of its kernels: ``calls``), then the few arguments
of the call itself. Every function here only reads and writes these buffers, so a training
step allocates nothing, and one compilation per dtype serves every architecture.
The matrix equations use the blocked forms of ``blocked.py``; the tests hold them, and this
whole module, to the reference loops of ``linear.py``.
"""
import numpy as np

from ffnn_numba import layout
from ffnn_numba.layout import BACKWARD, COST, FORWARD, N, SEED, UPDATE

from ._jit import jit
from .calls import call, call_for_value
from .costs import correct_predictions
from .blocked import (linear_forward_blocked, linear_forward_dots, linear_forward_unrolled,
                      prev_activation_gradient_blocked, prev_activation_gradient_unrolled,
                      weight_gradient_blocked, weight_gradient_dots, weight_gradient_outer)
from .linear import bias_gradient

# The blocked form (``gemm``) from 2^15 multiply-adds and 16 columns of its product C on:
# below, its fixed costs (packing, edge tiles) and a tile's 32 columns, mostly empty, cost
# more than the simpler forms save (measured, both dtypes: 64 x 64 at m = 32, 2.4x faster
# blocked; at m = 8, 1.2x slower; 10 x 64 at m = 32, 1.5x slower).
BLOCKED_MIN_WORK = 1 << 15
BLOCKED_MIN_COLUMNS = 16

weights = jit(layout.weights, inline=True)
biases = jit(layout.biases, inline=True)
nodes = jit(layout.nodes, inline=True)


@jit(inline=True)
def blocked_pays(n_r, n_t, n_s):
    """Whether C (n_r, n_s) += L (n_r, n_t) R (n_t, n_s) takes the blocked form."""
    return n_r * n_t * n_s >= BLOCKED_MIN_WORK and n_s >= BLOCKED_MIN_COLUMNS


@jit(inline=True)
def layer_linear_forward(Z, W, A_prev, b, scratch):
    """z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j  (eq:z_scalar), in the faster form for its size."""
    n, n_prev = W.shape
    m = A_prev.shape[1]
    if blocked_pays(n, n_prev, m):
        linear_forward_blocked(Z, W, A_prev, b, scratch)
    elif m == 1:   # one example: a dot product per node (784 -> 128: 13 µs, axpy form 171)
        linear_forward_dots(Z, W, A_prev, b)
    else:
        linear_forward_unrolled(Z, W, A_prev, b)


@jit(inline=True)
def layer_weight_gradient(dW, dZ, A_prev, scratch):
    """dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}  (eq:dw_scalar), in the faster form for its size."""
    n, n_prev = dW.shape
    m = dZ.shape[1]
    if m <= 4:   # a few examples: outer products (784 -> 128, m = 1: 29 µs, dot form 199)
        weight_gradient_outer(dW, dZ, A_prev)
    elif blocked_pays(n, m, n_prev):
        weight_gradient_blocked(dW, dZ, A_prev, scratch)
    else:
        weight_gradient_dots(dW, dZ, A_prev)


@jit(inline=True)
def layer_prev_activation_gradient(dA_prev, W, dZ, scratch):
    """dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i}  (eq:da_prev_scalar), in the faster form for its size."""
    n, n_prev = W.shape
    m = dZ.shape[1]
    if blocked_pays(n_prev, n, m):
        prev_activation_gradient_blocked(dA_prev, W, dZ, scratch)
    else:
        prev_activation_gradient_unrolled(dA_prev, W, dZ)


@jit
def forward_propagation(b, p, m):
    """From A^[0] (already in b.A), for l = 1..L: Z^[l] (eq:z_scalar), then A^[l] (eq:a_scalar).

    Overwrites the blocks of layers 1..L in b.Z and b.A.
    """
    layers = p.layers
    for l in range(1, layers.shape[0]):
        Z = nodes(b.Z, layers, l, m)
        layer_linear_forward(Z, weights(b.theta, layers, l), nodes(b.A, layers, l - 1, m),
                             biases(b.theta, layers, l), b.scratch)
        call(p.kernels[l, FORWARD], (nodes(b.A, layers, l, m), Z))


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
def output_cost(b, p, Y):
    """J = f(A^[L], Y)  (eq:J), plus the L2 term when p.l2 > 0; from the logits Z^[L] for the
    fused pairs. Y is the (n^[L], m) targets of the batch in b.A."""
    layers = p.layers
    L, m = layers.shape[0] - 1, Y.shape[1]
    A = nodes(b.A, layers, L, m)
    if p.fused:
        J = call_for_value(p.kernels[0, COST], (nodes(b.Z, layers, L, m), A, Y))
    else:
        J = call_for_value(p.kernels[0, COST], (A, Y))
    if p.l2 > 0:
        J += l2_penalty(b.theta, layers, p.l2, m)
    return J


@jit
def backward_propagation(b, p, Y, to_input):
    """From the seed dJ/dA^[L], for l = L..1: dZ^[l] (eq:dz_scalar), dW^[l] (eq:dw_scalar),
    db^[l] (eq:db_scalar) and dA^[l-1] (eq:da_prev_scalar).

    Fused pairs start from dZ^[L] = (A^[L] - Y)/m instead. dA^[0] = dJ/dX is computed only when
    ``to_input``. With p.l2 > 0 every dW^[l] also gets the L2 term's (λ/m) W^[l]. Overwrites
    b.grad and the blocks of b.dZ and b.dA it reaches.
    """
    layers = p.layers
    L, m = layers.shape[0] - 1, Y.shape[1]
    seed = nodes(b.dZ, layers, L, m) if p.fused else nodes(b.dA, layers, L, m)
    call(p.kernels[0, SEED], (seed, nodes(b.A, layers, L, m), Y))
    for l in range(L, 0, -1):
        dZ = nodes(b.dZ, layers, l, m)
        if l < L or not p.fused:
            call(p.kernels[l, BACKWARD], (dZ, nodes(b.dA, layers, l, m), nodes(b.Z, layers, l, m),
                                          nodes(b.A, layers, l, m)))
        layer_weight_gradient(weights(b.grad, layers, l), dZ, nodes(b.A, layers, l - 1, m),
                              b.scratch)
        bias_gradient(biases(b.grad, layers, l), dZ)
        if l > 1 or to_input:
            layer_prev_activation_gradient(nodes(b.dA, layers, l - 1, m),
                                           weights(b.theta, layers, l), dZ, b.scratch)
    if p.l2 > 0:
        l2_gradient(b.grad, b.theta, layers, p.l2, m)


@jit(inline=True)
def train_step(b, p, Y):
    """One step of the update rule p.optimizer on the batch whose A^[0] is in b.A: forward,
    J, backward, then the update (kernels/optimizers.py). Returns J before the update."""
    forward_propagation(b, p, Y.shape[1])
    J = output_cost(b, p, Y)
    # bool(): a plain bool, as Network.gradients passes; a literal False would be typed
    # Literal[bool](False) and compile a second backward_propagation (3.6 s from cold).
    backward_propagation(b, p, Y, bool(False))
    call(p.kernels[0, UPDATE], (b.theta, b.grad, b.state, p.settings))
    return J


@jit
def shuffle_columns(out, X, order, row):
    """out[k, i] = X[k, order[i]]: the columns (examples) of X in the order ``order``, e.g. an
    epoch's shuffle. Overwrites out.

    Row by row, each first copied whole into ``row`` (len(order) numbers): a sequential read,
    which the hardware prefetches, after which the reads in random order hit L1. Gathering
    the columns of each batch from a C-ordered X instead reads a cache line (and, for an X
    larger than the caches, a trip to memory) per number: 9 ms of a 25 ms epoch at the
    medium size, against 2 ms this way.
    """
    for k in range(X.shape[0]):
        for i in range(order.shape[0]):
            row[i] = X[k, i]
        for i in range(order.shape[0]):
            out[k, i] = row[order[i]]


@jit
def train_epoch(b, p, X, Y, order, batch_size, costs, hits):
    """One pass over the examples in ``order``, ``batch_size`` at a time, one ``train_step`` each.

    Each batch's columns of X and Y are copied into the A^[0] block of b.A and into b.Y.
    Overwrites costs[c] and hits[c] with batch c's J and correct predictions, both from its
    outputs before its update (which b.A still holds after the step).
    """
    layers = p.layers
    L, n_input, n_output = layers.shape[0] - 1, layers[0, N], layers[-1, N]
    for c in range(costs.shape[0]):
        start = c * batch_size
        m = min(batch_size, order.shape[0] - start)
        X_batch = nodes(b.A, layers, 0, m)
        Y_batch = layout.matrix(b.Y, 0, n_output, m)
        for k in range(n_input):
            for e in range(m):
                X_batch[k, e] = X[k, order[start + e]]
        for j in range(n_output):
            for e in range(m):
                Y_batch[j, e] = Y[j, order[start + e]]
        costs[c] = train_step(b, p, Y_batch)
        hits[c] = correct_predictions(nodes(b.A, layers, L, m), Y_batch, p.cost)
