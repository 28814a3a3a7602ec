"""The matrix forms of the derivation's equations, in NumPy.

Same names, same signatures and same registry keys as ``ffnn_numba.kernels``, so that a
benchmark or a test can call either form of any equation. Written from the equations alone:
this module never imports the kernels.

Shapes: W, dW (n^[l], n^[l-1]); b, db (n^[l], 1); A_prev, dA_prev (n^[l-1], m);
Z, A, dZ, dA, Y (n^[l], m). Every function overwrites its first argument(s).
"""
import numpy as np

from ..registry import ACTIVATIONS as ACTIVATION_INFO
from ..registry import CATEGORICAL_CROSS_ENTROPY, ELU_ALPHA, LEAKY_RELU_SLOPE, MEAN_SQUARED_ERROR
from ..registry import BETA_1, BETA_2, EPSILON, LEARNING_RATE, MOMENTUM_COEFFICIENT, STEPS
from ..registry import COSTS as COST_INFO
from ..registry import OPTIMIZERS as OPTIMIZER_CODES


def linear_forward(Z, W, A_prev, b):
    """Z^[l] = W^[l] A^[l-1] + broadcast(b^[l])  (eq:Z)."""
    np.matmul(W, A_prev, out=Z)
    Z += b


def weight_gradient(dW, dZ, A_prev):
    """dJ/dW^[l] = dJ/dZ^[l] A^[l-1]^T  (eq:dW)."""
    np.matmul(dZ, A_prev.T, out=dW)


def bias_gradient(db, dZ):
    """dJ/db^[l] = Σ_{axis=1} dJ/dZ^[l]  (eq:db)."""
    np.sum(dZ, axis=1, keepdims=True, out=db)


def prev_activation_gradient(dA_prev, W, dZ):
    """dJ/dA^[l-1] = W^[l]^T dJ/dZ^[l]  (eq:dA_prev)."""
    np.matmul(W.T, dZ, out=dA_prev)


def linear_backward(dW, db, dA_prev, dZ, W, A_prev):
    """dW (eq:dW), db (eq:db) and dA_prev (eq:dA_prev) from dZ."""
    weight_gradient(dW, dZ, A_prev)
    bias_gradient(db, dZ)
    prev_activation_gradient(dA_prev, W, dZ)


def sigmoid(Z):
    """σ(Z) = 1 / (1 + exp(-Z)), from exp(-|Z|) so that it cannot overflow."""
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1, e) / (1 + e)


# Activations, series part 2: A^[l] = g(Z^[l]) and dJ/dZ^[l] (eq:dz) for each g.

def identity_forward(A, Z):
    """The linear activation: A = Z."""
    A[...] = Z


def identity_backward(dZ, dA, Z, A):
    dZ[...] = dA


def relu_forward(A, Z):
    np.maximum(Z, 0, out=A)


def relu_backward(dZ, dA, Z, A):
    """dZ = dA ⊙ I(Z > 0)  (relu'(0) = 0)."""
    np.multiply(dA, Z > 0, out=dZ)


def leaky_relu_forward(A, Z):
    A[...] = np.where(Z > 0, Z, LEAKY_RELU_SLOPE * Z)


def leaky_relu_backward(dZ, dA, Z, A):
    dZ[...] = np.where(Z > 0, dA, LEAKY_RELU_SLOPE * dA)


def elu_forward(A, Z):
    A[...] = np.where(Z > 0, Z, ELU_ALPHA * np.expm1(np.minimum(Z, 0)))


def elu_backward(dZ, dA, Z, A):
    dZ[...] = np.where(Z > 0, dA, dA * (A + ELU_ALPHA))


def softplus_forward(A, Z):
    A[...] = np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))


def softplus_backward(dZ, dA, Z, A):
    dZ[...] = dA * sigmoid(Z)


def silu_forward(A, Z):
    A[...] = Z * sigmoid(Z)


def silu_backward(dZ, dA, Z, A):
    s = sigmoid(Z)
    dZ[...] = dA * s * (1 + Z * (1 - s))


def sigmoid_forward(A, Z):
    A[...] = sigmoid(Z)


def sigmoid_backward(dZ, dA, Z, A):
    """dZ = dA ⊙ A ⊙ (1 - A)  (part 2, eq. 4)."""
    dZ[...] = dA * A * (1 - A)


def tanh_forward(A, Z):
    np.tanh(Z, out=A)


def tanh_backward(dZ, dA, Z, A):
    """dZ = dA ⊙ (1 - A ⊙ A)  (part 2, eq. 6)."""
    dZ[...] = dA * (1 - A * A)


def softmax_forward(A, Z):
    """A = exp(Z) / broadcast(Σ_{axis=0} exp(Z))  (part 2, eq. 7), shifted by each column's max."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    A[...] = E / E.sum(axis=0, keepdims=True)


def softmax_backward(dZ, dA, Z, A):
    """dZ = A ⊙ (dA - broadcast(Σ_{axis=0} dA ⊙ A))  (part 2, eq. 8)."""
    dZ[...] = A * (dA - np.sum(dA * A, axis=0, keepdims=True))


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


# Costs, series part 3: J (a float, summed in float64) and the seed dJ/dA^[L].

def _clipped(A):
    eps = np.finfo(A.dtype).eps
    return np.clip(A.astype(np.float64), eps, 1 - eps)


def mean_squared_error_cost(A, Y):
    """J = 1/(2m) Σ (A - Y)^2."""
    return float(np.sum((A.astype(np.float64) - Y) ** 2) / (2 * A.shape[1]))


def mean_squared_error_seed(dA, A, Y):
    dA[...] = (A - Y) / A.shape[1]


def binary_cross_entropy_cost(A, Y):
    """J = -1/m Σ (Y ⊙ log A + (1 - Y) ⊙ log(1 - A))  (part 3, eqs. 1 and 7)."""
    a = _clipped(A)
    return float(-np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / A.shape[1])


def binary_cross_entropy_seed(dA, A, Y):
    """dJ/dA = 1/m (1/(1 - A) ⊙ (1 - Y) - 1/A ⊙ Y)  (part 3, eqs. 2 and 8)."""
    a = _clipped(A).astype(A.dtype)
    dA[...] = ((1 - Y) / (1 - a) - Y / a) / A.shape[1]


def categorical_cross_entropy_cost(A, Y):
    """J = -1/m Σ Y ⊙ log A  (part 3, eq. 4)."""
    eps = np.finfo(A.dtype).eps
    return float(-np.sum(Y * np.log(np.maximum(A.astype(np.float64), eps))) / A.shape[1])


def categorical_cross_entropy_seed(dA, A, Y):
    """dJ/dA = -1/m 1/A ⊙ Y  (part 3, eq. 5)."""
    dA[...] = -Y / (A.shape[1] * np.maximum(A, np.finfo(A.dtype).eps))


def sigmoid_cross_entropy_from_logits(Z, A, Y):
    """Binary/multi-label J for A = σ(Z): 1/m Σ (max(Z, 0) - Z ⊙ Y - log max(A, 1 - A)).

    -log max(a, 1 - a) = -log σ(|z|) = log(1 + exp(-|z|)).
    """
    z, a = Z.astype(np.float64), A.astype(np.float64)
    return float(np.sum(np.maximum(z, 0) - z * Y - np.log(np.maximum(a, 1 - a))) / Z.shape[1])


def softmax_cross_entropy_from_logits(Z, A, Y):
    """Categorical J for A = softmax(Z): 1/m Σ Y ⊙ (broadcast(logsumexp_{axis=0} Z) - Z).

    logsumexp_{axis=0} Z = max_{axis=0} Z - log max_{axis=0} A, since A = exp(Z - logsumexp Z).
    """
    z = Z.astype(np.float64)
    log_sum_exp = z.max(axis=0) - np.log(A.max(axis=0).astype(np.float64))
    return float(np.sum(Y * (log_sum_exp - z)) / Z.shape[1])


def output_delta(dZ, A, Y):
    """dJ/dZ^[L] = (A^[L] - Y) / m for the fused pairs (part 3, eqs. 3, 6 and 9)."""
    dZ[...] = (A - Y) / A.shape[1]


def correct_predictions(A, Y, code):
    """Examples predicted right (argmax for categorical, every label's side of 1/2 for binary
    and multi-label), or -1 for mean squared error."""
    if code == MEAN_SQUARED_ERROR:
        return -1
    if code == CATEGORICAL_CROSS_ENTROPY:
        return int(np.sum(A.argmax(axis=0) == Y.argmax(axis=0)))
    return int(np.sum(np.all((A > 0.5) == (Y > 0.5), axis=0)))


COST_FUNCTIONS = {
    "mean_squared_error": (mean_squared_error_cost, mean_squared_error_seed),
    "binary_cross_entropy": (binary_cross_entropy_cost, binary_cross_entropy_seed),
    "categorical_cross_entropy": (categorical_cross_entropy_cost, categorical_cross_entropy_seed),
    "multilabel_cross_entropy": (binary_cross_entropy_cost, binary_cross_entropy_seed),
}


_ACTIVATIONS_BY_CODE = {ACTIVATION_INFO[name].code: pair for name, pair in ACTIVATION_FUNCTIONS.items()}
_COSTS_BY_CODE = {COST_INFO[name].code: pair for name, pair in COST_FUNCTIONS.items()}


def activation_forward(A, Z, code):
    """A^[l] = g^[l](Z^[l]) column by column  (eq:A) for the activation ``code``."""
    _ACTIVATIONS_BY_CODE[code][0](A, Z)


def activation_backward(dZ, dA, Z, A, code):
    """dJ/dZ^[l] from dJ/dA^[l]  (eq:dz, eq:dZ) for the activation ``code``."""
    _ACTIVATIONS_BY_CODE[code][1](dZ, dA, Z, A)


def cost_forward(Z, A, Y, code, from_logits):
    """J = f(A^[L], Y)  (eq:J) for the cost ``code``; from Z^[L] when ``from_logits``."""
    if not from_logits:
        return _COSTS_BY_CODE[code][0](A, Y)
    if code == CATEGORICAL_CROSS_ENTROPY:
        return softmax_cross_entropy_from_logits(Z, A, Y)
    return sigmoid_cross_entropy_from_logits(Z, A, Y)


def cost_backward(dA, A, Y, code):
    """The seed dJ/dA^[L] for the cost ``code``."""
    _COSTS_BY_CODE[code][1](dA, A, Y)


# Optimizers (kernels/optimizers.py has the rules): θ, g = ∂J/∂θ and state as whole vectors.

def sgd_update(theta, grad, state, settings):
    theta -= settings[LEARNING_RATE] * grad


def momentum_update(theta, grad, state, settings):
    v = state[0]
    v *= settings[MOMENTUM_COEFFICIENT]
    v -= settings[LEARNING_RATE] * grad
    theta += v


def nesterov_update(theta, grad, state, settings):
    v = state[0]
    v *= settings[MOMENTUM_COEFFICIENT]
    v -= settings[LEARNING_RATE] * grad
    theta += settings[MOMENTUM_COEFFICIENT] * v - settings[LEARNING_RATE] * grad


def adam_update(theta, grad, state, settings):
    settings[STEPS] += 1
    beta_1, beta_2, s = settings[BETA_1], settings[BETA_2], settings[STEPS]
    alpha = settings[LEARNING_RATE] * np.sqrt(1 - beta_2 ** s) / (1 - beta_1 ** s)
    m, v = state[0], state[1]
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    theta -= alpha * m / (np.sqrt(v) + settings[EPSILON])


UPDATE_RULES = {"sgd": sgd_update, "momentum": momentum_update, "nesterov": nesterov_update,
              "adam": adam_update}
_OPTIMIZERS_BY_CODE = {OPTIMIZER_CODES[name]: update for name, update in UPDATE_RULES.items()}


def parameter_update(theta, grad, state, settings, code):
    """The update of the optimizer ``code``."""
    _OPTIMIZERS_BY_CODE[code](theta, grad, state, settings)
