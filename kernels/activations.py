"""Activations g_j^[l] forward (eq:a_scalar) and backward (eq:dz_scalar), as loops.

Index letters (0-based): j node of layer l, p another node of the same layer, i example.
Shapes: Z, A, dZ, dA are (n^[l], m), C-contiguous.

Forward kernels have the signature ``(A, Z)`` and overwrite A. Backward kernels have the
signature ``(dZ, dA, Z, A)`` and overwrite dZ with

    dJ/dz_{j,i} = Σ_p dJ/da_{p,i} ∂a_{p,i}/∂z_{j,i}          (eq:dz_scalar)

For an element-wise g the terms p ≠ j vanish and the sum keeps the one term p = j; softmax
keeps the whole sum, computed without forming the n x n matrix. Each element-wise derivative
is written in whichever of z or a makes it cheapest and stable.
Every exp below gets an argument <= 0, so nothing overflows, in either dtype.
"""
import math

from ffnn_numba.registry import (ELU, ELU_ALPHA, LEAKY_RELU, LEAKY_RELU_SLOPE, LINEAR, RELU,
                                 SIGMOID, SILU, SOFTMAX, SOFTPLUS, TANH)

from ._jit import jit


@jit(inline=True)
def sigmoid(z):
    """σ(z) = 1 / (1 + exp(-z)), evaluated with exp(-|z|) so that it cannot overflow."""
    e = math.exp(-abs(z))
    return 1 / (1 + e) if z >= 0 else e / (1 + e)


@jit(inline=True)
def identity_forward(A, Z):
    """a_{j,i} = z_{j,i}. Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            A[j, i] = Z[j, i]


@jit(inline=True)
def identity_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i}, since ∂a_{j,i}/∂z_{j,i} = 1. Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            dZ[j, i] = dA[j, i]


@jit(inline=True)
def relu_forward(A, Z):
    """a_{j,i} = max(0, z_{j,i}). Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            A[j, i] = Z[j, i] if Z[j, i] > 0 else 0


@jit(inline=True)
def relu_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i} I(z_{j,i} > 0); relu'(0) = 0 as the series defines it. Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            dZ[j, i] = dA[j, i] if Z[j, i] > 0 else 0


@jit(inline=True)
def leaky_relu_forward(A, Z):
    """a_{j,i} = z_{j,i} if z_{j,i} > 0 else 0.01 z_{j,i}. Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            A[j, i] = Z[j, i] if Z[j, i] > 0 else LEAKY_RELU_SLOPE * Z[j, i]


@jit(inline=True)
def leaky_relu_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i} (1 if z_{j,i} > 0 else 0.01). Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            dZ[j, i] = dA[j, i] if Z[j, i] > 0 else LEAKY_RELU_SLOPE * dA[j, i]


@jit(inline=True)
def elu_forward(A, Z):
    """a_{j,i} = z_{j,i} if z_{j,i} > 0 else α (exp(z_{j,i}) - 1), α = 1. Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            A[j, i] = Z[j, i] if Z[j, i] > 0 else ELU_ALPHA * math.expm1(Z[j, i])


@jit(inline=True)
def elu_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i} (1 if z_{j,i} > 0 else α exp(z_{j,i}) = a_{j,i} + α). Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            dZ[j, i] = dA[j, i] if Z[j, i] > 0 else dA[j, i] * (A[j, i] + ELU_ALPHA)


@jit(inline=True)
def softplus_forward(A, Z):
    """a_{j,i} = log(1 + exp(z_{j,i})) = max(z_{j,i}, 0) + log(1 + exp(-|z_{j,i}|)). Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            z = Z[j, i]
            A[j, i] = max(z, 0) + math.log1p(math.exp(-abs(z)))


@jit(inline=True)
def softplus_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i} σ(z_{j,i}). Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            dZ[j, i] = dA[j, i] * sigmoid(Z[j, i])


@jit(inline=True)
def silu_forward(A, Z):
    """a_{j,i} = z_{j,i} σ(z_{j,i}). Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            A[j, i] = Z[j, i] * sigmoid(Z[j, i])


@jit(inline=True)
def silu_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i} σ(z_{j,i}) (1 + z_{j,i} (1 - σ(z_{j,i}))). Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            s = sigmoid(Z[j, i])
            dZ[j, i] = dA[j, i] * s * (1 + Z[j, i] * (1 - s))


@jit(inline=True)
def sigmoid_forward(A, Z):
    """a_{j,i} = σ(z_{j,i}) = 1 / (1 + exp(-z_{j,i})). Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            A[j, i] = sigmoid(Z[j, i])


@jit(inline=True)
def sigmoid_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i} a_{j,i} (1 - a_{j,i}). Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            dZ[j, i] = dA[j, i] * A[j, i] * (1 - A[j, i])


@jit(inline=True)
def tanh_forward(A, Z):
    """a_{j,i} = tanh(z_{j,i}). Overwrites A."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            A[j, i] = math.tanh(Z[j, i])


@jit(inline=True)
def tanh_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = dJ/da_{j,i} (1 - a_{j,i}^2). Overwrites dZ."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            dZ[j, i] = dA[j, i] * (1 - A[j, i] * A[j, i])


@jit(inline=True)
def softmax_forward(A, Z):
    """a_{j,i} = exp(z_{j,i}) / Σ_p exp(z_{p,i}). Overwrites A.

    Every z_{p,i} is shifted by max_p z_{p,i} first: the ratio is unchanged and no exp overflows.
    """
    n, m = Z.shape
    for i in range(m):
        z_max = Z[0, i]
        for p in range(1, n):
            z_max = max(z_max, Z[p, i])
        total = 0.0
        for p in range(n):
            A[p, i] = math.exp(Z[p, i] - z_max)
            total += A[p, i]
        for j in range(n):
            A[j, i] /= total


@jit(inline=True)
def softmax_backward(dZ, dA, Z, A):
    """dJ/dz_{j,i} = a_{j,i} (dJ/da_{j,i} - Σ_p dJ/da_{p,i} a_{p,i}). Overwrites dZ.

    This is eq:dz_scalar with softmax's ∂a_{p,i}/∂z_{j,i} = a_{p,i} (δ_{pj} - a_{j,i}) summed
    over p once per example, so the n x n matrix is never formed.
    """
    n, m = Z.shape
    for i in range(m):
        da_dot_a = 0.0
        for p in range(n):
            da_dot_a += dA[p, i] * A[p, i]
        for j in range(n):
            dZ[j, i] = A[j, i] * (dA[j, i] - da_dot_a)


ACTIVATION_FUNCTIONS = {
    "linear": (identity_forward, identity_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
    "softplus": (softplus_forward, softplus_backward),
    "silu": (silu_forward, silu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "softmax": (softmax_forward, softmax_backward),
}


@jit(inline=True)
def activation_forward(A, Z, code):
    """a_{j,i} = g_j(z_{1,i}, ..., z_{n,i})  (eq:a_scalar) for the activation ``code``. Overwrites A."""
    if code == LINEAR:
        identity_forward(A, Z)
    elif code == RELU:
        relu_forward(A, Z)
    elif code == LEAKY_RELU:
        leaky_relu_forward(A, Z)
    elif code == ELU:
        elu_forward(A, Z)
    elif code == SOFTPLUS:
        softplus_forward(A, Z)
    elif code == SILU:
        silu_forward(A, Z)
    elif code == SIGMOID:
        sigmoid_forward(A, Z)
    elif code == TANH:
        tanh_forward(A, Z)
    elif code == SOFTMAX:
        softmax_forward(A, Z)


@jit(inline=True)
def activation_backward(dZ, dA, Z, A, code):
    """dJ/dz_{j,i} = Σ_p dJ/da_{p,i} ∂a_{p,i}/∂z_{j,i}  (eq:dz_scalar) for ``code``. Overwrites dZ."""
    if code == LINEAR:
        identity_backward(dZ, dA, Z, A)
    elif code == RELU:
        relu_backward(dZ, dA, Z, A)
    elif code == LEAKY_RELU:
        leaky_relu_backward(dZ, dA, Z, A)
    elif code == ELU:
        elu_backward(dZ, dA, Z, A)
    elif code == SOFTPLUS:
        softplus_backward(dZ, dA, Z, A)
    elif code == SILU:
        silu_backward(dZ, dA, Z, A)
    elif code == SIGMOID:
        sigmoid_backward(dZ, dA, Z, A)
    elif code == TANH:
        tanh_backward(dZ, dA, Z, A)
    elif code == SOFTMAX:
        softmax_backward(dZ, dA, Z, A)
