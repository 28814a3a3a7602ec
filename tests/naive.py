"""An obviously correct reference: the derivation's equations as einsum, written for reading.

No tricks for speed or stability, so use it on moderate values only. Everything is float64.
Index letters as in the derivation: j node of layer l, k node of layer l-1, p another node
of layer l, i example.
"""
import numpy as np

# Activations g(z) for one layer, column by column, straight from series part 2.
G = {
    "linear": lambda Z: Z,
    "relu": lambda Z: np.where(Z > 0, Z, 0.0),
    "leaky_relu": lambda Z: np.where(Z > 0, Z, 0.01 * Z),
    "elu": lambda Z: np.where(Z > 0, Z, np.exp(Z) - 1),
    "softplus": lambda Z: np.log(1 + np.exp(Z)),
    "silu": lambda Z: Z / (1 + np.exp(-Z)),
    "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
    "tanh": lambda Z: np.tanh(Z),
    "softmax": lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0),
}

# g'(z) of the element-wise activations.
DG = {
    "linear": lambda z: np.ones_like(z),
    "relu": lambda z: (z > 0) * 1.0,
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
    "elu": lambda z: np.where(z > 0, 1.0, np.exp(z)),
    "softplus": lambda z: 1 / (1 + np.exp(-z)),
    "silu": lambda z: 1 / (1 + np.exp(-z)) + z * np.exp(-z) / (1 + np.exp(-z)) ** 2,
    "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    "tanh": lambda z: 1 / np.cosh(z) ** 2,
}


def jacobian(name, z):
    """D[j, p] = ∂a_p/∂z_j for one example's column z."""
    if name == "softmax":
        a = G["softmax"](z)
        return np.diag(a) - np.outer(a, a)
    return np.diag(DG[name](z))


def cost(name, A, Y):
    """J, series part 3 (and J = 1/(2m) Σ (a - y)^2 for mean squared error)."""
    m = A.shape[1]
    if name == "mean_squared_error":
        return np.sum((A - Y) ** 2) / (2 * m)
    if name == "categorical_cross_entropy":
        return -np.sum(Y * np.log(A)) / m
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m


def seed(name, A, Y):
    """dJ/dA^[L]."""
    m = A.shape[1]
    if name == "mean_squared_error":
        return (A - Y) / m
    if name == "categorical_cross_entropy":
        return -Y / A / m
    return ((1 - Y) / (1 - A) - Y / A) / m


def linear_forward(W, A_prev, b):
    """z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j."""
    return np.einsum("jk,ki->ji", W, A_prev) + b


def activation_backward(name, dA, Z):
    """dJ/dz_{j,i} = Σ_p dJ/da_{p,i} ∂a_{p,i}/∂z_{j,i}, with the full matrix per example."""
    D = np.stack([jacobian(name, Z[:, i]) for i in range(Z.shape[1])], axis=-1)  # (j, p, i)
    return np.einsum("pi,jpi->ji", dA, D)


def linear_backward(dZ, W, A_prev):
    """dW_{j,k} = Σ_i dz_{j,i} a_{k,i};  db_j = Σ_i dz_{j,i};  dA_{k,i} = Σ_j w_{j,k} dz_{j,i}."""
    dW = np.einsum("ji,ki->jk", dZ, A_prev)
    db = np.einsum("ji->j", dZ)[:, None]
    dA_prev = np.einsum("jk,ji->ki", W, dZ)
    return dW, db, dA_prev


def forward(params, activations, X):
    """Every Z^[l], A^[l] (index 0 holds X), for params {"W1": ..., "b1": ..., ...}."""
    Zs, As = [None], [X]
    for l, name in enumerate(activations, start=1):
        Zs.append(linear_forward(params[f"W{l}"], As[-1], params[f"b{l}"]))
        As.append(G[name](Zs[-1]))
    return Zs, As


def gradients(params, activations, cost_name, X, Y):
    """J and {"dW1": ..., "db1": ..., "dA0": ...} by plain backpropagation."""
    Zs, As = forward(params, activations, X)
    L = len(activations)
    dA = seed(cost_name, As[L], Y)
    grads = {}
    for l in range(L, 0, -1):
        dZ = activation_backward(activations[l - 1], dA, Zs[l])
        grads[f"dW{l}"], grads[f"db{l}"], dA = linear_backward(dZ, params[f"W{l}"], As[l - 1])
    grads["dA0"] = dA
    return cost(cost_name, As[L], Y), grads


def numerical_gradient(f, x, h=1e-6):
    """Central differences (f(x + h e) - f(x - h e)) / 2h of the scalar f() over every entry of x.

    ``x`` is perturbed in place and restored, so it may be a view that ``f`` reads.
    """
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        step = h * max(1.0, abs(saved))
        x[index] = saved + step
        f_plus = f()
        x[index] = saved - step
        f_minus = f()
        x[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * step)
    return grad
