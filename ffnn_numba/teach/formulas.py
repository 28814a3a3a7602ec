"""Each activation's and each cost's scalar formula as an equation, and its value from the
library's own kernels.

The formulas (``g``, ``slope``, ``cost_term``, ``seed``) take equation nodes for z, a, y, m,
so one function writes both the symbolic form (symbols) and the form with numbers (numbers).
The values never come from these formulas: they come from the plain Python source of the
kernels in ``kernels/activations.py``, ``kernels/jacobian.py`` and ``kernels/costs.py``
(each kernel's ``py_func``), called on the one element, column or matrix they need, so that
``explain`` holds no third copy of any equation.
"""
import math

import numpy as np

from .. import kernels, registry
from .equation import Add, Apply, Cond, Div, Lit, Mul, Neg, Num, Paren, Pow, Rel, Sub, Sum, mul
from ..kernels import costs, jacobian
from ..reference import python
from ..registry import ELU_ALPHA, LEAKY_RELU_SLOPE

ONE, ZERO = Lit("1"), Lit("0")


def _cell(x):
    return np.array([[float(x)]])


def _positive(z):
    return Rel(z, ">", ZERO)


def _alpha_times(x):
    """ELU's α x, written as x alone while α = 1."""
    return x if ELU_ALPHA == 1 else mul(Num(ELU_ALPHA), x)


# -- activations ---------------------------------------------------------------------------

def g(name, z):
    """a = g(z) of an element-wise activation, as an equation node."""
    exp_z, sigma_z = Apply("exp", (z,)), Apply("σ", (z,))
    return {
        "linear": lambda: z,
        "relu": lambda: Apply("max", (ZERO, z)),
        "leaky_relu": lambda: Cond(z, _positive(z), mul(Num(LEAKY_RELU_SLOPE), z)),
        "elu": lambda: Cond(z, _positive(z), _alpha_times(Paren(Sub(exp_z, ONE)))),
        "softplus": lambda: Apply("log", (Add((ONE, exp_z)),)),
        "silu": lambda: mul(z, sigma_z),
        "sigmoid": lambda: Div(ONE, Paren(Add((ONE, Apply("exp", (Neg(z),)))))),
        "tanh": lambda: Apply("tanh", (z,)),
    }[name]()


def slope(name, z, a):
    """∂a_j/∂z_j of an element-wise activation, as a node that can stand in a product."""
    sigma_z = Apply("σ", (z,))
    return {
        "linear": lambda: ONE,
        "relu": lambda: Apply("I", (_positive(z),)),
        "leaky_relu": lambda: Cond(ONE, _positive(z), Num(LEAKY_RELU_SLOPE)),
        "elu": lambda: Cond(ONE, _positive(z), _alpha_times(Apply("exp", (z,)))),
        "softplus": lambda: sigma_z,
        "silu": lambda: mul(sigma_z, Paren(Add((ONE, mul(z, Paren(Sub(ONE, sigma_z))))))),
        "sigmoid": lambda: mul(a, Paren(Sub(ONE, a))),
        "tanh": lambda: Paren(Sub(ONE, Pow(a, 2))),
    }[name]()


def softmax(z_j, z_p):
    """a_j = exp(z_j) / Σ_p exp(z_p) of softmax, in symbols."""
    return Div(Apply("exp", (z_j,)), Sum("p", Apply("exp", (z_p,))))


def softmax_partial(a_p, delta, a_j):
    """∂a_p/∂z_j = a_p (δ_pj − a_j) of softmax."""
    return mul(a_p, Paren(Sub(delta, a_j)))


def activation_value(name, z):
    """g(z) of an element-wise activation, by its forward kernel."""
    out = np.empty((1, 1))
    python(kernels.ACTIVATION_FUNCTIONS[name][0])(out, _cell(z))
    return float(out[0, 0])


def softmax_value(z, j):
    """a_j of softmax for the column z, by its forward kernel."""
    out = np.empty((len(z), 1))
    python(kernels.ACTIVATION_FUNCTIONS["softmax"][0])(out, np.asarray(z, float)[:, None].copy())
    return float(out[j, 0])


def partial_value(name, z, a, j, p):
    """∂a_p/∂z_j for one example's columns z, a (0-based j, p), by kernels/jacobian.py."""
    code = registry.ACTIVATIONS[name].code
    return float(python(jacobian.activation_partial)(np.asarray(z, float), np.asarray(a, float),
                                                     j, p, code))


# -- costs ---------------------------------------------------------------------------------

def _log(x):
    return Apply("log", (x,))


def cost_sum(cost, a, y):
    """The summand of J before −1/m (or 1/(2m)), as the derivation writes it."""
    if cost == "mean_squared_error":
        return Pow(Paren(Sub(a, y)), 2)
    if cost == "categorical_cross_entropy":
        return mul(y, _log(a))
    return Paren(Add((mul(y, _log(a)), mul(Paren(Sub(ONE, y)), _log(Sub(ONE, a))))))


def cost(cost, a, y):
    """J = −(1/m) Σ_i Σ_j ... (or 1/(2m) Σ_i Σ_j ... for mean squared error), in symbols."""
    total = Sum("i", Sum("j", cost_sum(cost, a, y)))
    if cost == "mean_squared_error":
        return Mul((Paren(Div(ONE, Paren(Lit("2m")))), total), dot=False)
    return Neg(Mul((Paren(Div(ONE, Lit("m"))), total), dot=False))


def cost_term(cost, a, y, m):
    """One term of J, already divided by m and, for cross-entropy, negated."""
    if cost == "mean_squared_error":
        return Div(cost_sum(cost, a, y), Paren(Mul((Lit("2"), m))))
    return Div(Neg(cost_sum(cost, a, y)), m)


def seed(cost, a, y, m):
    """∂J/∂a_{j,i}^[L], the seed of backpropagation (the 1/m of J included)."""
    if cost == "mean_squared_error":
        return Div(Paren(Sub(a, y)), m)
    if cost == "categorical_cross_entropy":
        return Neg(Div(y, Paren(mul(m, a) if isinstance(a, Num) else Mul((m, a), dot=False))))
    return Div(Paren(Sub(Div(Paren(Sub(ONE, y)), Paren(Sub(ONE, a))), Div(y, a))), m)


def output_delta(a, y, m):
    """∂J/∂z_{j,i}^[L] = (a − y)/m of the fused output/cost pairs."""
    return Div(Paren(Sub(a, y)), m)


def cost_kernel(net):
    """The kernel that computes J on every backend: from the logits Z^[L] for the fused
    output/cost pairs, else from A^[L]."""
    if net.fused:
        return (costs.softmax_cross_entropy_from_logits if net.cost_name ==
                "categorical_cross_entropy" else costs.sigmoid_cross_entropy_from_logits)
    return kernels.COST_FUNCTIONS[net.cost_name][0]


def cost_term_value(net, Z, A, Y, j, i):
    """Term (j, i) of J, by the cost kernel run on example i with only y_{j,i} kept."""
    kernel, m = python(cost_kernel(net)), A.shape[1]
    if net.fused and net.cost_name == "categorical_cross_entropy":
        y = np.zeros((A.shape[0], 1))   # log Σ_p exp(z_{p,i}) needs the whole column
        y[j, 0] = Y[j, i]
        return kernel(Z[:, i:i + 1].copy(), A[:, i:i + 1].copy(), y) / m
    if net.fused:
        return kernel(_cell(Z[j, i]), _cell(A[j, i]), _cell(Y[j, i])) / m
    return kernel(_cell(A[j, i]), _cell(Y[j, i])) / m


def seed_values(cost, A, Y):
    """dJ/dA^[L] by the cost's seed kernel."""
    dA = np.empty_like(A)
    python(kernels.COST_FUNCTIONS[cost][1])(dA, A, Y)
    return dA


def l2_penalty_value(net, m):
    """J's L2 term, λ/(2m) Σ_l Σ_j Σ_k (w_{j,k}^[l])², summed exactly (0 when λ = 0)."""
    squares = math.fsum(float(w) ** 2 for key, W in net.params.items() if key[0] == "W"
                        for w in W.ravel())
    return net.l2 / (2 * m) * squares
