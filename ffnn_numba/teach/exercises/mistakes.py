"""Common mistakes, each written as the wrong output it produces.

For every exercise a function ``(inputs, expected) -> [(key, message, wrong output)]`` computes
what a student who made the mistake would have written, from the case's inputs (float64
copies) and the right answer; the grader compares the student's output with each one. The
messages finish the sentence "It looks like ...". Mistakes every exercise can make (a
transposed output, accumulating into the output, a flipped sign) are the grader's.
"""
import numpy as np

from ... import registry
from . import loops

ONE_OVER_M = "the 1/m is already inside dJ/dz: the cost's seed brought it in, once"


def z(inputs, expected):
    W, A, b = inputs["W"], inputs["A_prev"], inputs["b"]
    found = [("no_bias", "the bias was left out: z_{j,i} ends with + b_j", W @ A),
             ("bias_sign", "the bias was subtracted: z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j adds "
              "b_j", W @ A - b),
             ("bias_index_shifted", "b was read one row off: z_{j,i} got b_{j-1} (b[j - 1] in "
              "Python, which wraps round to the last b at j = 0) where it adds b_j, b[j, 0]",
              W @ A + np.roll(b, 1, axis=0))]
    if W.shape[0] == W.shape[1]:
        found.append(("sum_over_j", "the sum ran over j instead of k: you used w_{k,j} "
                      "(W transposed), while z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j pairs row j "
                      "of W with column i of A_prev", W.T @ A + b))
    if A.shape[0] == A.shape[1]:
        found.append(("a_transposed", "A_prev was indexed as a_{i,k} (rows and columns "
                      "swapped): z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j reads column i of A_prev",
                      W @ A.T + b))
    if b.shape[0] == A.shape[1]:
        found.append(("bias_by_example", "the bias was indexed by the example i instead of "
                      "the node j: z_{j,i} adds b_j, the same for every example", W @ A + b.T))
    return found + loops.z(inputs, expected)


def dW(inputs, expected):
    dZ, A = inputs["dZ"], inputs["A_prev"]
    m = dZ.shape[1]
    found = [("extra_one_over_m", f"dW was divided by m: {ONE_OVER_M}", expected / m)]
    if A.shape[0] == m:
        found.append(("a_transposed", "A_prev was indexed as a_{i,k} (rows and columns "
                      "swapped): dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i} pairs row j of dZ with "
                      "row k of A_prev", dZ @ A))
    return found + loops.dW(inputs, expected)


def db(inputs, expected):
    dZ = inputs["dZ"]
    n, m = dZ.shape
    found = [("extra_one_over_m", f"db was divided by m (a mean, not a sum): {ONE_OVER_M}",
              expected / m)]
    if n == m:
        found.append(("sum_over_j", "the sum ran over the nodes j (axis 0) instead of the "
                      "examples i (axis 1): dJ/db_j = Σ_i dJ/dz_{j,i} sums along row j",
                      dZ.sum(axis=0).reshape(n, 1)))
    return found + loops.db(inputs, expected)


def dA_prev(inputs, expected):
    W, dZ = inputs["W"], inputs["dZ"]
    m = dZ.shape[1]
    found = [("extra_one_over_m", f"dA_prev was divided by m: {ONE_OVER_M}", expected / m)]
    if W.shape[0] == W.shape[1]:
        found.append(("sum_over_k", "the sum ran over k instead of j: you used w_{k,j} (W, "
                      "not W transposed), while dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i} runs "
                      "down column k of W", W @ dZ))
    return found + loops.dA_prev(inputs, expected)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def activation_forward(name):
    def find(inputs, expected):
        Z = inputs["Z"]
        found = []
        if name == "softmax":
            E = np.exp(Z - Z.max())
            found += [("normalised_over_examples", "the sum in the denominator ran over the "
                       "examples i (axis 1) instead of the nodes p of one column (axis 0)",
                       E / E.sum(axis=1, keepdims=True)),
                      ("normalised_over_everything", "the sum in the denominator ran over "
                       "every entry of Z (a sum with no axis): Σ_p exp(z_{p,i}) runs over the "
                       "nodes p of one column i only, axis=0", E / E.sum()),
                      ("not_normalised", "the denominator Σ_p exp(z_{p,i}) is missing",
                       np.exp(Z))] + loops.softmax_forward(inputs, expected)
        if name == "sigmoid":
            found.append(("exp_sign", "the sign inside exp is flipped: σ(z) = 1 / (1 + exp(-z))",
                          _sigmoid(-Z)))
        if name == "leaky_relu":
            found.append(("plain_relu", f"negative z gave 0 instead of "
                          f"{registry.LEAKY_RELU_SLOPE} z (that is relu)", np.maximum(Z, 0)))
        return found
    return find


# How each element-wise derivative goes wrong when written in the other variable.
_WRONG_VARIABLE = {
    "sigmoid": ("derivative_of_z", "the derivative a (1 - a) was evaluated at z instead of a",
                lambda Z, A: Z * (1 - Z)),
    "tanh": ("derivative_of_z", "the derivative 1 - a^2 was evaluated at z instead of a",
             lambda Z, A: 1 - Z * Z),
}


def activation_backward(name, backward):
    """``backward`` is the reference kernel: at dJ/da = 1 it gives ∂a/∂z itself."""
    def find(inputs, expected):
        dA, Z, A = inputs["dA"], inputs["Z"], inputs["A"]
        found = []
        if name == "softmax":
            s = (dA * A).sum(axis=0, keepdims=True)
            return [("diagonal_only", "the p-sum kept only its diagonal term p = j, "
                     "dJ/da_{j,i} a_{j,i} (1 - a_{j,i}): softmax couples the nodes, so the terms "
                     "p ≠ j, -dJ/da_{p,i} a_{p,i} a_{j,i}, belong in the sum too",
                     dA * A * (1 - A)),
                    ("p_sum_over_examples", "the p-sum ran over the examples i (axis 1) "
                     "instead of the nodes p of one column (axis 0)",
                     A * (dA - (dA * A).sum(axis=1, keepdims=True))),
                    ("p_sum_over_everything", "the p-sum ran over every entry (a sum with no "
                     "axis): Σ_p dJ/da_{p,i} a_{p,i} runs over the nodes p of one column i "
                     "only, axis=0", A * (dA - (dA * A).sum())),
                    ("missing_a_j", "the factor a_{j,i} in front is missing: dJ/dz_{j,i} = "
                     "a_{j,i} (dJ/da_{j,i} - Σ_p dJ/da_{p,i} a_{p,i})", dA - s),
                    ("coupled_sign", "the p-sum was added instead of subtracted", A * (dA + s))
                    ] + loops.softmax_backward(inputs, expected)
        derivative = np.empty_like(Z)
        backward(derivative, np.ones_like(Z), Z, A)
        found.append(("missing_dA", "the factor dJ/da_{j,i} is missing: dJ/dz_{j,i} = "
                      "dJ/da_{j,i} ∂a_{j,i}/∂z_{j,i}", derivative))
        if name == "relu":
            found.append(("relu_prime_zero", "relu'(0) was taken as 1: the series defines "
                          "relu'(0) = 0 (the indicator I(z > 0)), so dJ/dz_{j,i} = 0 where "
                          "z_{j,i} = 0", np.where(Z >= 0, dA, 0.0)))
        if name == "leaky_relu":
            found.append(("relu_prime_zero", "the slope at z = 0 was taken as 1: it is "
                          f"{registry.LEAKY_RELU_SLOPE} for every z <= 0",
                          np.where(Z >= 0, dA, registry.LEAKY_RELU_SLOPE * dA)))
        if name in _WRONG_VARIABLE:
            key, message, wrong = _WRONG_VARIABLE[name]
            found.append((key, message, dA * wrong(Z, A)))
        return found
    return find


def _by_nodes(n, m, value, what):
    """``value`` (the right J, seed or dJ/dz) divided by n^[L] as well as m, or instead of m
    (A.shape[0] for A.shape[1]): the factor each gives is said in numbers."""
    if n == 1:
        return []
    found = [("averaged_over_nodes", f"{what} was also divided by n^[L] = {n}: the series sums "
              f"over the output nodes j and averages over the examples i only", value / n)]
    if n != m:
        found.append(("divided_by_n", f"{what} was divided by n^[L] = {n} (A.shape[0], the "
                      f"output nodes) instead of m = {m} (A.shape[1], the examples): every "
                      f"entry is m/n^[L] = {m}/{n} = {m / n:g} times the right one",
                      value * m / n))
    return found


# Each (j, i)'s share of J, 1/m included: J is their sum.
_COST_ENTRIES = {
    "mean_squared_error": lambda A, Y: (A - Y) ** 2 / (2 * A.shape[1]),
    "binary_cross_entropy": lambda A, Y: -(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[1],
    "categorical_cross_entropy": lambda A, Y: -Y * np.log(A) / A.shape[1],
}


def cost(name):
    def find(inputs, expected):
        A, Y = inputs["A"], inputs["Y"]
        n, m = A.shape
        found = [("missing_one_over_m", "the 1/m is missing: J averages over the m examples",
                  expected * m),
                 ("wrong_sign", "the sign is flipped" + (
                     "" if name == "mean_squared_error" else
                     ": J = -1/m Σ ..., with the minus, is positive"), -expected)]
        if name == "mean_squared_error":
            found.append(("missing_half", "the 1/2 of 1/(2m) is missing", 2 * expected))
        if name == "binary_cross_entropy":
            found.append(("missing_negative_class", "the (1 - y) log(1 - a) term is missing",
                          -np.sum(Y * np.log(A)) / m))
        return (found + _by_nodes(n, m, expected, "J")
                + loops.cost(_COST_ENTRIES[name](A, Y), expected))
    return find


_J_TEXT = {"binary_cross_entropy": "-(1/m) Σ (y log a + (1 - y) log(1 - a))",
           "categorical_cross_entropy": "-(1/m) Σ y log a"}


def seed(name):
    def find(inputs, expected):
        A, Y = inputs["A"], inputs["Y"]
        n, m = A.shape
        found = [("wrong_sign", "the seed has the wrong sign: it is dJ/da, the derivative "
                  "of J itself" + ("" if name == "mean_squared_error" else ", minus included"),
                  -expected),
                 ("missing_one_over_m", "the 1/m is missing: J averages over the m examples, "
                  "so its derivative keeps the 1/m (and every gradient inherits it from here)",
                  expected * m)]
        if name == "mean_squared_error":
            found.append(("missing_half", "the 2 of the square's derivative stayed: J has "
                          "1/(2m), so dJ/da_{j,i} = (a_{j,i} - y_{j,i}) / m", 2 * expected))
        if name == "binary_cross_entropy":
            found += [("missing_negative_class", "the (1 - y)/(1 - a) term is missing",
                       -Y / A / m),
                      ("inner_sign", "the two terms were added: dJ/da = ((1 - y)/(1 - a) "
                       "- y/a) / m", ((1 - Y) / (1 - A) + Y / A) / m)]
        if name == "categorical_cross_entropy":
            found.append(("missing_y", "the factor y_{j,i} is missing: dJ/da_{j,i} = "
                          "-y_{j,i} / (m a_{j,i})", -1 / (m * A)))
        if name != "mean_squared_error":
            found.append(("fused_seed", f"the seed was written as (a - y)/m: that is dJ/dz^[L], "
                          f"the fused seed and output activation's backward step (output_delta, "
                          f"exercise dZ_output), one step further on. The seed is dJ/da_{{j,i}}, "
                          f"the derivative of J = {_J_TEXT[name]} in a itself", (A - Y) / m))
        return found + _by_nodes(n, m, expected, "the seed")
    return find


def dZ_output(inputs, expected):
    n, m = inputs["A"].shape
    return [("missing_one_over_m", "the 1/m is missing: it comes from J's average over the m "
             "examples", expected * m),
            ("wrong_sign", "the sign is flipped: it is (a - y)/m, not (y - a)/m", -expected)
            ] + _by_nodes(n, m, expected, "dJ/dz")
