"""Right answers to the exercises of ffnn_numba.teach.exercises, written with NumPy from the
equations alone, for the tests (tests/test_exercises*.py). They live here: the package ships
none."""
import numpy as np

SLOPE = 0.01   # leaky relu's slope, as the derivation's extension writes it


def sigma(x):
    return 1 / (1 + np.exp(-x))


def linear_forward(Z, W, A_prev, b):
    Z[...] = W @ A_prev + b


def softmax_forward(A, Z):
    E = np.exp(Z - Z.max(axis=0))
    A[...] = E / E.sum(axis=0)


def binary_cross_entropy_cost(A, Y):
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[1]


SOLUTIONS = {
    "linear_forward": linear_forward,
    "weight_gradient": lambda dW, dZ, A_prev: dW.__setitem__(..., dZ @ A_prev.T),
    "bias_gradient": lambda db, dZ: db.__setitem__(..., dZ.sum(axis=1, keepdims=True)),
    "prev_activation_gradient": lambda dA_prev, W, dZ: dA_prev.__setitem__(..., W.T @ dZ),
    "identity_forward": lambda A, Z: A.__setitem__(..., Z),
    "identity_backward": lambda dZ, dA, Z, A: dZ.__setitem__(..., dA),
    "relu_forward": lambda A, Z: A.__setitem__(..., np.maximum(Z, 0)),
    "relu_backward": lambda dZ, dA, Z, A: dZ.__setitem__(..., dA * (Z > 0)),
    "leaky_relu_forward": lambda A, Z: A.__setitem__(..., np.where(Z > 0, Z, SLOPE * Z)),
    "leaky_relu_backward": lambda dZ, dA, Z, A: dZ.__setitem__(
        ..., np.where(Z > 0, dA, SLOPE * dA)),
    "elu_forward": lambda A, Z: A.__setitem__(..., np.where(Z > 0, Z, np.expm1(np.minimum(Z, 0)))),
    "elu_backward": lambda dZ, dA, Z, A: dZ.__setitem__(
        ..., np.where(Z > 0, dA, dA * np.exp(np.minimum(Z, 0)))),
    "softplus_forward": lambda A, Z: A.__setitem__(..., np.log1p(np.exp(Z))),
    "softplus_backward": lambda dZ, dA, Z, A: dZ.__setitem__(..., dA * sigma(Z)),
    "silu_forward": lambda A, Z: A.__setitem__(..., Z * sigma(Z)),
    "silu_backward": lambda dZ, dA, Z, A: dZ.__setitem__(
        ..., dA * sigma(Z) * (1 + Z * (1 - sigma(Z)))),
    "sigmoid_forward": lambda A, Z: A.__setitem__(..., sigma(Z)),
    "sigmoid_backward": lambda dZ, dA, Z, A: dZ.__setitem__(..., dA * A * (1 - A)),
    "tanh_forward": lambda A, Z: A.__setitem__(..., np.tanh(Z)),
    "tanh_backward": lambda dZ, dA, Z, A: dZ.__setitem__(..., dA * (1 - A * A)),
    "softmax_forward": softmax_forward,
    "softmax_backward": lambda dZ, dA, Z, A: dZ.__setitem__(
        ..., A * (dA - (dA * A).sum(axis=0))),
    "mean_squared_error_cost": lambda A, Y: np.sum((A - Y) ** 2) / (2 * A.shape[1]),
    "mean_squared_error_seed": lambda dA, A, Y: dA.__setitem__(..., (A - Y) / A.shape[1]),
    "binary_cross_entropy_cost": binary_cross_entropy_cost,
    "binary_cross_entropy_seed": lambda dA, A, Y: dA.__setitem__(
        ..., ((1 - Y) / (1 - A) - Y / A) / A.shape[1]),
    "categorical_cross_entropy_cost": lambda A, Y: -np.sum(Y * np.log(A)) / A.shape[1],
    "categorical_cross_entropy_seed": lambda dA, A, Y: dA.__setitem__(
        ..., -Y / (A.shape[1] * A)),
    "output_delta": lambda dZ, A, Y: dZ.__setitem__(..., (A - Y) / A.shape[1]),
}


def linear_forward_loops(Z, W, A_prev, b):
    """z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j with the derivation's letters, 0-based."""
    n, n_prev = W.shape
    for j in range(n):
        for i in range(A_prev.shape[1]):
            Z[j, i] = b[j, 0] + sum(W[j, k] * A_prev[k, i] for k in range(n_prev))
