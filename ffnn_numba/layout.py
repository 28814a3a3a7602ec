"""Where every array of a network lives inside its flat buffers.

Parameters live in one flat vector ``theta``: for l = 1..L, W^[l] (n^[l] x n^[l-1], row-major)
followed by b^[l] (n^[l] x 1). Gradients use the same layout in ``grad``.

Per-node quantities (A^[l], Z^[l], dA^[l], dZ^[l]) live in node buffers holding one
(n^[l], m) block per layer l = 0..L, in order. A batch of m examples uses the first
m * Σ_l n^[l] entries, so one buffer serves every m up to its capacity.

The int64 table ``layers`` (L + 1 rows, row 0 the input layer) tells compiled code where each
block starts. Its columns are:

N      n^[l]
NODE   Σ_{l' < l} n^[l'], the start of layer l's block in a node buffer, in units of m
PARAM  offset of W^[l] in theta (b^[l] follows it); -1 for the input layer
ACT    activation code of layer l (see ``registry``); -1 for the input layer

The functions below are plain Python; ``ffnn_numba.kernels`` compiles the same functions, so
both engines read the buffers the same way.
"""
from typing import NamedTuple

import numpy as np

N, NODE, PARAM, ACT = range(4)


class Buffers(NamedTuple):
    """The arrays a network owns and the engines read and write: every engine function takes
    them as one argument (Numba compiles a NamedTuple of arrays as a plain struct)."""
    theta: np.ndarray    # W^[l], b^[l] for l = 1..L, flat
    grad: np.ndarray     # dJ/dθ, in the same layout
    state: np.ndarray    # (2, len(theta)): the optimizer's memory (velocity; Adam's m and v)
    Z: np.ndarray        # node buffers: one (n^[l], m) block per layer l = 0..L
    A: np.ndarray        # (A^[0] = X included)
    dZ: np.ndarray
    dA: np.ndarray
    Y: np.ndarray        # the targets of the batch in A^[0], (n^[L], m) at its front
    scratch: np.ndarray  # packed panels of the blocked products (``scratch_size``)


class Problem(NamedTuple):
    """What a network computes, as the engines need it: the second argument of every engine
    function."""
    layers: np.ndarray   # the int64 offset table (see above)
    cost: int            # registry code of the cost
    fused: bool          # output/cost pair with dJ/dZ^[L] = (A - Y)/m (registry.FUSED)
    l2: float            # λ of the L2 term
    optimizer: int       # registry code of the update rule
    settings: np.ndarray  # float64 (registry.N_SETTINGS,): α, μ, β1, β2, ε, step count
    kernels: np.ndarray  # the loops backend's kernel table (``kernels.calls``), others ignore it


# Columns of the kernel table: layer l's activation (rows 1..L); the cost, its seed and the
# update (row 0).
FORWARD, BACKWARD = 0, 1
COST, SEED, UPDATE = 0, 1, 2


def make_layers(sizes, codes):
    """Build the offset table for layer sizes n^[0..L] and activation codes of layers 1..L."""
    layers = np.empty((len(sizes), 4), dtype=np.int64)
    node = param = 0
    for l, n in enumerate(sizes):
        layers[l] = (n, node, param if l else -1, codes[l - 1] if l else -1)
        if l:
            param += n * (sizes[l - 1] + 1)
        node += n
    return layers


def n_params(layers):
    """Length of theta: Σ_l n^[l] (n^[l-1] + 1)."""
    return int(np.sum(layers[1:, N] * (layers[:-1, N] + 1)))


def n_nodes(layers):
    """Σ_l n^[l] over l = 0..L: node-buffer entries per example."""
    return int(layers[-1, NODE] + layers[-1, N])


def scratch_size(layers, m):
    """Length of the scratch buffer of the blocked kernels for batches of up to m examples.

    Enough for ``kernels/gemm.py`` (packed panels of R, then an edge tile and a block of L per group of rows of C)
    in the largest product of any layer that takes the blocked form: Z^[l] = W A^[l-1],
    dW^[l] = dZ A^[l-1]^T and dA^[l-1] = W^T dZ, i.e. (rows, terms, columns) = (n, n_prev, m),
    (n, m, n_prev) and (n_prev, n, m). Smaller products
    use no scratch, so small networks and batches need none.
    """
    NC, MC, KC = 32, 32, 256  # gemm's (tests/test_blocked.py checks that they agree)
    BLOCKED_MIN_WORK, BLOCKED_MIN_COLUMNS = 1 << 15, 16  # kernels/step.py (idem)

    def length(n_r, n_t, n_s):
        if n_r * n_t * n_s < BLOCKED_MIN_WORK or n_s < BLOCKED_MIN_COLUMNS:
            return 0
        return n_t * -(-n_s // NC) * NC + -(-n_r // MC) * MC * (NC + KC)

    n = [int(x) for x in layers[:, N]]
    return max(max(length(b, a, m), length(b, m, a), length(a, b, m))
               for a, b in zip(n, n[1:]))


def matrix(buffer, start, rows, columns):
    """buffer[start:start + rows columns] as a C-ordered (rows, columns) view. In compiled
    code the view is made directly (``kernels._views``), without reshape's checks of the
    new shape: the views of a step cost a third of its compiled time at the tiny size."""
    return buffer[start:start + rows * columns].reshape((rows, columns))


def weights(theta, layers, l):
    """W^[l] as a (n^[l], n^[l-1]) view of theta."""
    return matrix(theta, layers[l, PARAM], layers[l, N], layers[l - 1, N])


def biases(theta, layers, l):
    """b^[l] as a (n^[l], 1) view of theta."""
    return matrix(theta, layers[l, PARAM] + layers[l, N] * layers[l - 1, N], layers[l, N], 1)


def nodes(buffer, layers, l, m):
    """Layer l's (n^[l], m) block of a node buffer."""
    return matrix(buffer, layers[l, NODE] * m, layers[l, N], m)


def multiply_adds(layers, m):
    """Multiply-adds of the matrix equations in one training step on m examples: Z^[l] and
    dW^[l] in every layer, dA^[l-1] in every layer but the first (dJ/dX is not needed)."""
    n = layers[:, N]
    return int(sum(n[l] * n[l - 1] * m * (2 + (l > 1)) for l in range(1, len(n))))


def layer_table(layer_sizes, activations, m=None):
    """The layers as a text table: l, n^[l], activation, the shapes of W^[l], b^[l] and of
    Z^[l], A^[l] for a batch of m examples, and the parameter counts."""
    col = "m" if m is None else str(m)
    rows = [("l", "n^[l]", "activation", "W^[l]", "b^[l]", "Z^[l], A^[l]", "parameters")]
    rows.append(("0", str(layer_sizes[0]), "(input X = A^[0])", "", "",
                 f"({layer_sizes[0]}, {col})", ""))
    for l, activation in enumerate(activations, start=1):
        n, n_prev = layer_sizes[l], layer_sizes[l - 1]
        rows.append((str(l), str(n), activation, f"({n}, {n_prev})", f"({n}, 1)",
                     f"({n}, {col})", str(n * (n_prev + 1))))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
