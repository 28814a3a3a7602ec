"""Costs J = f(A^[L], Y)  (eq:J) and the backpropagation seed dJ/dA^[L], as loops.

Index letters (0-based): j node of the output layer L, i example.
Shapes: A, Y, dA, Z, dZ are (n^[L], m), C-contiguous.

Every cost averages over the m examples, so the 1/m lives in J and in its seed, and from there
in every gradient; dW = dZ A^T and db = Σ_i dZ add none of their own. Costs return a float
accumulated in float64 whatever the dtype: each term is converted with ``np.float64`` before
any arithmetic (in compiled code ``float()`` of a float32 stays float32, and a float32 square
of 1e30 would overflow).

Cross-entropy on probabilities clips each a to [ε, 1 - ε], ε the machine epsilon of the
dtype, so that J and the seed stay finite when outputs saturate. The pairs in
``registry.FUSED`` never need the clip: their J is computed from the logits Z^[L] and their
dJ/dZ^[L] = (A - Y) / m directly (``output_delta``).
"""
import math

import numpy as np

from ffnn_numba.registry import (BINARY_CROSS_ENTROPY, CATEGORICAL_CROSS_ENTROPY,
                                 MEAN_SQUARED_ERROR, MULTILABEL_CROSS_ENTROPY)

from ._jit import jit


@jit(inline=True)
def mean_squared_error_cost(A, Y):
    """J = 1/(2m) Σ_i Σ_j (a_{j,i} - y_{j,i})^2."""
    n, m = A.shape
    total = 0.0
    for j in range(n):
        for i in range(m):
            difference = np.float64(A[j, i]) - np.float64(Y[j, i])
            total += difference * difference
    return total / (2 * m)


@jit(inline=True)
def mean_squared_error_seed(dA, A, Y):
    """dJ/da_{j,i} = (a_{j,i} - y_{j,i}) / m. Overwrites dA."""
    n, m = A.shape
    for j in range(n):
        for i in range(m):
            dA[j, i] = (A[j, i] - Y[j, i]) / m


@jit(inline=True)
def binary_cross_entropy_cost(A, Y):
    """J = -1/m Σ_i Σ_j (y_{j,i} log a_{j,i} + (1 - y_{j,i}) log(1 - a_{j,i})).

    One output node gives binary cross-entropy; several give multi-label cross-entropy,
    summed over the labels j and averaged over the examples i, as the series defines it.
    """
    n, m = A.shape
    eps = np.float64(np.finfo(A.dtype).eps)
    total = 0.0
    for j in range(n):
        for i in range(m):
            a, y = min(max(np.float64(A[j, i]), eps), 1 - eps), np.float64(Y[j, i])
            total += y * math.log(a) + (1 - y) * math.log(1 - a)
    return -total / m


@jit(inline=True)
def binary_cross_entropy_seed(dA, A, Y):
    """dJ/da_{j,i} = ((1 - y_{j,i}) / (1 - a_{j,i}) - y_{j,i} / a_{j,i}) / m. Overwrites dA."""
    n, m = A.shape
    eps = np.finfo(A.dtype).eps
    for j in range(n):
        for i in range(m):
            a = min(max(A[j, i], eps), 1 - eps)
            dA[j, i] = ((1 - Y[j, i]) / (1 - a) - Y[j, i] / a) / m


@jit(inline=True)
def categorical_cross_entropy_cost(A, Y):
    """J = -1/m Σ_i Σ_j y_{j,i} log a_{j,i}."""
    n, m = A.shape
    eps = np.float64(np.finfo(A.dtype).eps)
    total = 0.0
    for j in range(n):
        for i in range(m):
            total += np.float64(Y[j, i]) * math.log(max(np.float64(A[j, i]), eps))
    return -total / m


@jit(inline=True)
def categorical_cross_entropy_seed(dA, A, Y):
    """dJ/da_{j,i} = -y_{j,i} / (m a_{j,i}). Overwrites dA."""
    n, m = A.shape
    eps = np.finfo(A.dtype).eps
    for j in range(n):
        for i in range(m):
            dA[j, i] = -Y[j, i] / (m * max(A[j, i], eps))


@jit(inline=True)
def sigmoid_cross_entropy_from_logits(Z, A, Y):
    """Binary and multi-label J for a = σ(z), from the logits:
    J = 1/m Σ_i Σ_j (max(z_{j,i}, 0) - z_{j,i} y_{j,i} + log(1 + exp(-|z_{j,i}|))).

    Needs A = σ(Z): log(1 + exp(-|z|)) = -log σ(|z|) = -log max(a, 1 - a), one log and no exp.
    """
    n, m = Z.shape
    total = 0.0
    for j in range(n):
        for i in range(m):
            z, a = np.float64(Z[j, i]), np.float64(A[j, i])
            total += max(z, 0.0) - z * np.float64(Y[j, i]) - math.log(max(a, 1 - a))
    return total / m


@jit(inline=True)
def softmax_cross_entropy_from_logits(Z, A, Y):
    """Categorical J for a = softmax(z), from the logits:
    J = 1/m Σ_i Σ_j y_{j,i} (log Σ_p exp(z_{p,i}) - z_{j,i}).

    Needs A = softmax(Z): at p* = argmax_p z_{p,i}, log a_{p*,i} = z_{p*,i} - log Σ_p exp(z_{p,i}),
    so the log-sum-exp is max_p z_{p,i} - log max_p a_{p,i}: one log per example, no exp, and
    well conditioned since max_p a_{p,i} >= 1/n.
    """
    n, m = Z.shape
    total = 0.0
    for i in range(m):
        z_max, a_max = np.float64(Z[0, i]), np.float64(A[0, i])
        for p in range(1, n):
            z_max = max(z_max, np.float64(Z[p, i]))
            a_max = max(a_max, np.float64(A[p, i]))
        log_sum_exp = z_max - math.log(a_max)
        for j in range(n):
            total += np.float64(Y[j, i]) * (log_sum_exp - np.float64(Z[j, i]))
    return total / m


@jit(inline=True)
def output_delta(dZ, A, Y):
    """dJ/dz_{j,i} = (a_{j,i} - y_{j,i}) / m for the fused output/cost pairs. Overwrites dZ.

    Sigmoid with binary or multi-label cross-entropy, softmax with categorical cross-entropy
    (series part 3, eqs. 3, 6 and 9; softmax's needs every column of Y to sum to 1).
    """
    n, m = A.shape
    for j in range(n):
        for i in range(m):
            dZ[j, i] = (A[j, i] - Y[j, i]) / m


@jit(inline=True)
def correct_predictions(A, Y, code):
    """How many examples (columns i) the outputs A^[L] predict right, or -1 for mean squared
    error, which has no classes. Categorical: the largest a_{j,i} sits where the largest
    y_{j,i} does (the first, on ties). Binary and multi-label: every a_{j,i} lies on y_{j,i}'s
    side of 1/2 (subset accuracy, as scikit-learn counts it)."""
    if code == MEAN_SQUARED_ERROR:
        return -1
    n, m = A.shape
    hits = 0
    for i in range(m):
        if code == CATEGORICAL_CROSS_ENTROPY:
            j_a = j_y = 0
            for j in range(1, n):
                if A[j, i] > A[j_a, i]:
                    j_a = j
                if Y[j, i] > Y[j_y, i]:
                    j_y = j
            hits += j_a == j_y
        else:
            right = True
            for j in range(n):
                right = right and (A[j, i] > 0.5) == (Y[j, i] > 0.5)
            hits += right
    return hits


COST_FUNCTIONS = {
    "mean_squared_error": (mean_squared_error_cost, mean_squared_error_seed),
    "binary_cross_entropy": (binary_cross_entropy_cost, binary_cross_entropy_seed),
    "categorical_cross_entropy": (categorical_cross_entropy_cost, categorical_cross_entropy_seed),
    "multilabel_cross_entropy": (binary_cross_entropy_cost, binary_cross_entropy_seed),
}


@jit(inline=True)
def cost_forward(Z, A, Y, code, from_logits):
    """J = f(A^[L], Y)  (eq:J) for the cost ``code``; from Z^[L] when ``from_logits``
    (the fused pairs only: A^[L] must be the output activation of Z^[L])."""
    if code == MEAN_SQUARED_ERROR:
        return mean_squared_error_cost(A, Y)
    if code == CATEGORICAL_CROSS_ENTROPY:
        if from_logits:
            return softmax_cross_entropy_from_logits(Z, A, Y)
        return categorical_cross_entropy_cost(A, Y)
    if from_logits:
        return sigmoid_cross_entropy_from_logits(Z, A, Y)
    return binary_cross_entropy_cost(A, Y)


@jit(inline=True)
def cost_backward(dA, A, Y, code):
    """The seed dJ/dA^[L] for the cost ``code``. Overwrites dA."""
    if code == MEAN_SQUARED_ERROR:
        mean_squared_error_seed(dA, A, Y)
    elif code == CATEGORICAL_CROSS_ENTROPY:
        categorical_cross_entropy_seed(dA, A, Y)
    elif code == BINARY_CROSS_ENTROPY or code == MULTILABEL_CROSS_ENTROPY:
        binary_cross_entropy_seed(dA, A, Y)
