"""The general form of eq:dz_scalar, with every partial derivative ∂a_{p,i}/∂z_{j,i} explicit.

Index letters (0-based): j, p nodes of layer l, i example. Shapes: Z, A, dZ, dA (n^[l], m);
one example's matrix D is (n^[l], n^[l]) with D[j, p] = ∂a_p/∂z_j (row j, column p), the
layout in which the seed's matrix form eq:dz multiplies dJ/da directly.

The partials are written from the series' part 2, independently of the shortcuts in
``activations.py``; the tests hold the shortcuts to this reference. It costs O(n^2 m) and
allocates D: it is for teaching and testing, not for training.
"""
import math

import numpy as np

from ffnn_numba.registry import (ELU, ELU_ALPHA, LEAKY_RELU, LEAKY_RELU_SLOPE, LINEAR, RELU,
                                 SIGMOID, SILU, SOFTMAX, SOFTPLUS, TANH)

from ._jit import jit


@jit(inline=True)
def activation_partial(z, a, j, p, code):
    """∂a_p/∂z_j for one example's columns z = z_{:,i}, a = a_{:,i}."""
    if code == SOFTMAX:
        # a_p = exp(z_p) / Σ_q exp(z_q): every a_p depends on every z_j
        return a[p] * ((1.0 if p == j else 0.0) - a[j])
    if p != j:
        return 0.0  # element-wise: a_p reads z_p only
    z_j, a_j = z[j], a[j]
    if code == LINEAR:
        return 1.0
    if code == RELU:
        return 1.0 if z_j > 0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if z_j > 0 else LEAKY_RELU_SLOPE
    if code == ELU:
        return 1.0 if z_j > 0 else ELU_ALPHA * math.exp(z_j)
    if code == SIGMOID:
        return a_j * (1 - a_j)
    if code == TANH:
        return 1 - a_j * a_j
    s_j = math.exp(-abs(z_j))  # σ(z_j) for softplus and silu, overflow-free
    s_j = 1 / (1 + s_j) if z_j >= 0 else s_j / (1 + s_j)
    if code == SOFTPLUS:
        return s_j
    if code == SILU:
        return s_j + z_j * s_j * (1 - s_j)
    return math.nan


@jit
def jacobian_matrix(D, z, a, code):
    """D[j, p] = ∂a_p/∂z_j for one example (column z = z_{:,i}, a = a_{:,i}). Overwrites D."""
    n = z.shape[0]
    for j in range(n):
        for p in range(n):
            D[j, p] = activation_partial(z, a, j, p, code)


@jit
def jacobian_backward(dZ, dA, Z, A, code):
    """dJ/dz_{j,i} = Σ_p dJ/da_{p,i} ∂a_{p,i}/∂z_{j,i}  (eq:dz_scalar), the sum over p in full.

    Overwrites dZ.
    """
    n, m = Z.shape
    D = np.empty((n, n), dtype=Z.dtype)
    for i in range(m):
        jacobian_matrix(D, Z[:, i], A[:, i], code)
        for j in range(n):
            dz_ji = 0.0
            for p in range(n):
                dz_ji += dA[p, i] * D[j, p]
            dZ[j, i] = dz_ji
