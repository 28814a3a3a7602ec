"""A catalogue of wrong implementations of the exercises (ffnn_numba.teach.exercises), one
per named mistake, each with the words its hint must contain and the words it must not (the
hints that once named another cause); and right answers in many forms, which must pass.
Used by tests/test_exercises_catalogue.py."""
from typing import NamedTuple

import numpy as np
from exercise_answers import sigma


def put(out, value):
    out[...] = value


class Wrong(NamedTuple):
    exercise: str
    function: object
    key: str           # the mistake result.mistake must name
    words: str         # in the feedback (whitespace collapsed)
    never: tuple = ()  # never in the feedback


def z_loops(Z, W, A_prev, b, js=None, ks=None, is_=None, bias=lambda b, j: b[j, 0]):
    """z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j, with loops over the given ranges."""
    n, n_prev = W.shape
    for j in range(n) if js is None else js(n):
        for i in range(A_prev.shape[1]) if is_ is None else is_(A_prev.shape[1]):
            Z[j, i] = bias(b, j) + sum(W[j, k] * A_prev[k, i]
                                       for k in (range(n_prev) if ks is None else ks(n_prev)))


def dW_loops_short(dW, dZ, A_prev):
    """dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}, its i loop one short."""
    for j in range(dW.shape[0]):
        for k in range(dW.shape[1]):
            dW[j, k] = sum(dZ[j, i] * A_prev[k, i] for i in range(dZ.shape[1] - 1))


def softmax_backward_p_loop(dZ, dA, Z, A, ps=range):
    """dJ/dz_{j,i} = a_{j,i} (dJ/da_{j,i} - Σ_p dJ/da_{p,i} a_{p,i}), the p loop over ps(n)."""
    n, m = A.shape
    for i in range(m):
        s = sum(dA[p, i] * A[p, i] for p in ps(n))
        for j in range(n):
            dZ[j, i] = A[j, i] * (dA[j, i] - s)


def softmax_forward_p_loop(A, Z):
    """The denominator's p loop starts at 2."""
    for i in range(Z.shape[1]):
        denominator = sum(np.exp(Z[p, i]) for p in range(1, Z.shape[0]))
        with np.errstate(divide="ignore"):   # n = 1: nothing left in the sum
            A[:, i] = np.exp(Z[:, i]) / denominator


def mse_cost_i_short(A, Y):
    n, m = A.shape
    return sum((A[j, i] - Y[j, i]) ** 2 for j in range(n) for i in range(m - 1)) / (2 * m)


def dW_in_float32(dW, dZ, A_prev):
    dW[...] = dZ.astype(np.float32) @ A_prev.T.astype(np.float32)


M = lambda X: X.shape[1]   # noqa: E731 - m, the examples, read as the kernels read it
N = lambda X: X.shape[0]   # noqa: E731 - n^[L], the output nodes

LOW = "the 1/m is missing"
SAY_WRONG_INDEX = "an index letter may be in the wrong place"

WRONG = [
    # z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j
    Wrong("z", lambda Z, W, A_prev, b: put(Z, W.T @ A_prev + b), "sum_over_j",
          "the sum ran over j instead of k"),
    Wrong("z", lambda Z, W, A_prev, b: put(Z, W @ A_prev), "no_bias", "the bias was left out"),
    Wrong("z", lambda Z, W, A_prev, b: put(Z, W @ A_prev - b), "bias_sign",
          "the bias was subtracted"),
    Wrong("z", lambda Z, W, A_prev, b: z_loops(Z, W, A_prev, b, bias=lambda b, j: b[j - 1, 0]),
          "bias_index_shifted", "b was read one row off: z_{j,i} got b_{j-1}"),
    Wrong("z", lambda Z, W, A_prev, b: put(Z, W @ A_prev.T + b), "a_transposed", "a_{i,k}"),
    Wrong("z", lambda Z, W, A_prev, b: put(Z, W @ A_prev + b.T), "bias_by_example",
          "example i"),
    Wrong("z", lambda Z, W, A_prev, b: z_loops(Z, W, A_prev, b, ks=lambda n: range(1, n)),
          "k_loop_starts_at_2", "every z_{j,i} lacks w_{j,1} a_{1,i}: your k loop starts at 2"),
    Wrong("z", lambda Z, W, A_prev, b: z_loops(Z, W, A_prev, b, ks=lambda n: range(n - 1)),
          "k_loop_stops_early", "lacks w_{j,3} a_{3,i}: your k loop stops one short"),
    Wrong("z", lambda Z, W, A_prev, b: z_loops(Z, W, A_prev, b, js=lambda n: range(1, n)),
          "j_loop_starts_at_2", "row j = 1 of Z was never computed: your j loop starts at 2"),
    Wrong("z", lambda Z, W, A_prev, b: z_loops(Z, W, A_prev, b, is_=lambda m: range(m - 1)),
          "i_loop_stops_early", "column i = 3 of Z was never computed: your i loop stops one "
          "short"),
    Wrong("z", lambda Z, W, A_prev, b: put(Z, (W @ A_prev + b).T), "transposed_output",
          "the output is transposed"),
    Wrong("z", lambda Z, W, A_prev, b: Z.__iadd__(W @ A_prev + b), "accumulated",
          "without clearing it first"),
    Wrong("z", lambda Z, W, A_prev, b: W @ A_prev + b, "returned_instead",
          "It returned its result instead of writing it into Z"),
    Wrong("z", lambda Z, W, A_prev, b: put(Z, 2 * (W @ A_prev + b)), "constant_factor",
          "every entry is 2 times the right one"),
    # dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}
    Wrong("dW", lambda dW, dZ, A_prev: put(dW, dZ @ A_prev.T / M(dZ)), "extra_one_over_m",
          "dW was divided by m"),
    Wrong("dW", lambda dW, dZ, A_prev: put(dW, dZ @ A_prev), "a_transposed", "a_{i,k}"),
    Wrong("dW", lambda dW, dZ, A_prev: put(dW, A_prev @ dZ.T), "transposed_output",
          "transposed"),
    Wrong("dW", dW_loops_short, "i_loop_stops_early",
          "every dJ/dw_{j,k} lacks dJ/dz_{j,3} a_{k,3}: your i loop stops one short"),
    Wrong("dW", dW_in_float32, "computed_in_float32", "Only the float64 cases fail: computed "
          "in float32?", ("expected -0.0166096, got -0.0166096",)),
    # dJ/db_j = Σ_i dJ/dz_{j,i}
    Wrong("db", lambda db, dZ: put(db, dZ.mean(axis=1, keepdims=True)), "extra_one_over_m",
          "a mean, not a sum"),
    Wrong("db", lambda db, dZ: put(db, dZ.sum(axis=0, keepdims=True).T), "sum_over_j",
          "instead of the examples i"),
    Wrong("db", lambda db, dZ: put(db, dZ.sum(axis=1)), "missing_keepdims",
          "keepdims=True", (SAY_WRONG_INDEX,)),
    Wrong("db", lambda db, dZ: put(db, dZ[:, 1:].sum(axis=1, keepdims=True)),
          "i_loop_starts_at_2", "every dJ/db_j lacks dJ/dz_{j,1}: your i loop starts at 2"),
    # dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i}
    Wrong("dA_prev", lambda dA_prev, W, dZ: put(dA_prev, W @ dZ), "sum_over_k",
          "the sum ran over k instead of j"),
    Wrong("dA_prev", lambda dA_prev, W, dZ: put(dA_prev, W.T @ dZ / M(dZ)), "extra_one_over_m",
          "divided by m"),
    Wrong("dA_prev", lambda dA_prev, W, dZ: put(dA_prev, W[1:].T @ dZ[1:]),
          "j_loop_starts_at_2", "every dJ/da_{k,i} lacks w_{1,k} dJ/dz_{1,i}: your j loop "
          "starts at 2"),
    Wrong("dA_prev", lambda dA_prev, W, dZ: put(dA_prev, W[:-1].T @ dZ[:-1]),
          "j_loop_stops_early", "lacks w_{3,k} dJ/dz_{3,i}: your j loop stops one short"),
    # softmax
    Wrong("a_softmax", lambda A, Z: put(A, np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
          "normalised_over_examples", "ran over the examples i"),
    Wrong("a_softmax", lambda A, Z: put(A, np.exp(Z) / np.exp(Z).sum()),
          "normalised_over_everything", "every entry of Z (a sum with no axis)",
          ("ran over the examples i",)),
    Wrong("a_softmax", lambda A, Z: put(A, np.exp(Z)), "not_normalised", "is missing"),
    Wrong("a_softmax", softmax_forward_p_loop, "p_loop_starts_at_2", "lacks exp(z_{1,i}): "
          "your p loop starts at 2"),
    Wrong("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, dA * A * (1 - A)), "diagonal_only",
          "kept only its diagonal term p = j"),
    Wrong("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, A * (dA - (dA * A).sum(axis=1,
                                                                         keepdims=True))),
          "p_sum_over_examples", "ran over the examples i"),
    Wrong("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, A * (dA - (dA * A).sum())),
          "p_sum_over_everything", "every entry (a sum with no axis)",
          ("ran over the examples i",)),
    Wrong("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, dA - (dA * A).sum(axis=0)), "missing_a_j",
          "the factor a_{j,i} in front is missing"),
    Wrong("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, A * (dA + (dA * A).sum(axis=0))),
          "coupled_sign", "added instead of subtracted"),
    Wrong("dZ_softmax", lambda *a: softmax_backward_p_loop(*a, ps=lambda n: range(n - 1)),
          "p_loop_stops_early", "the p-sum of every dJ/dz_{j,i} lacks dJ/da_{3,i} a_{3,i}: "
          "your p loop stops one short"),
    # other activations
    Wrong("a_sigmoid", lambda A, Z: put(A, 1 / (1 + np.exp(Z))), "exp_sign", "inside exp"),
    Wrong("a_leaky_relu", lambda A, Z: put(A, np.maximum(Z, 0)), "plain_relu", "that is relu"),
    Wrong("dZ_relu", lambda dZ, dA, Z, A: put(dZ, dA * (Z >= 0)), "relu_prime_zero",
          "relu'(0) was taken as 1"),
    Wrong("dZ_relu", lambda dZ, dA, Z, A: put(dZ, Z > 0), "missing_dA",
          "the factor dJ/da_{j,i} is missing"),
    Wrong("dZ_relu", lambda dZ, dA, Z, A: put(dZ, -dA * (Z > 0)), "wrong_sign",
          "every entry has the wrong sign"),
    Wrong("dZ_leaky_relu", lambda dZ, dA, Z, A: put(dZ, np.where(Z >= 0, dA, 0.01 * dA)),
          "relu_prime_zero", "the slope at z = 0"),
    Wrong("dZ_sigmoid", lambda dZ, dA, Z, A: put(dZ, dA * Z * (1 - Z)), "derivative_of_z",
          "evaluated at z instead of a"),
    Wrong("dZ_tanh", lambda dZ, dA, Z, A: put(dZ, dA * (1 - Z * Z)), "derivative_of_z",
          "evaluated at z instead of a"),
    # seeds
    Wrong("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, Y / (M(A) * A)),
          "wrong_sign", "wrong sign"),
    Wrong("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, -Y / A),
          "missing_one_over_m", LOW),
    Wrong("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, -1 / (M(A) * A)),
          "missing_y", "y_{j,i} is missing"),
    Wrong("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, -Y / (N(A) * A)),
          "divided_by_n", "divided by n^[L] = 2 (A.shape[0], the output nodes) instead of m "
          "= 4 (A.shape[1], the examples): every entry is m/n^[L] = 4/2 = 2 times", (LOW,)),
    Wrong("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, (A - Y) / M(A)),
          "fused_seed", "the seed was written as (a - y)/m: that is dJ/dz^[L]"),
    Wrong("seed_binary_cross_entropy", lambda dA, A, Y: put(dA, -Y / A / M(A)),
          "missing_negative_class", "(1 - y)/(1 - a) term is missing"),
    Wrong("seed_binary_cross_entropy",
          lambda dA, A, Y: put(dA, ((1 - Y) / (1 - A) + Y / A) / M(A)), "inner_sign",
          "the two terms were added"),
    Wrong("seed_binary_cross_entropy", lambda dA, A, Y: put(dA, (A - Y) / M(A)), "fused_seed",
          "the seed was written as (a - y)/m"),
    Wrong("seed_binary_cross_entropy",
          lambda dA, A, Y: put(dA, ((1 - Y) / (1 - A) - Y / A) / A.size), "averaged_over_nodes",
          "averages over the examples i only"),
    Wrong("seed_mean_squared_error", lambda dA, A, Y: put(dA, 2 * (A - Y) / M(A)),
          "missing_half", "1/(2m)"),
    Wrong("seed_mean_squared_error", lambda dA, A, Y: put(dA, (Y - A) / M(A)), "wrong_sign",
          "wrong sign"),
    # costs
    Wrong("J_categorical_cross_entropy", lambda A, Y: -np.sum(Y * np.log(A)),
          "missing_one_over_m", LOW),
    Wrong("J_categorical_cross_entropy", lambda A, Y: np.sum(Y * np.log(A)) / M(A),
          "wrong_sign", "with the minus"),
    Wrong("J_categorical_cross_entropy", lambda A, Y: -np.sum(Y * np.log(A)) / N(A),
          "divided_by_n", "instead of m = 4", (LOW,)),
    Wrong("J_mean_squared_error", lambda A, Y: np.sum((A - Y) ** 2) / M(A), "missing_half",
          "the 1/2 of 1/(2m)"),
    Wrong("J_mean_squared_error", mse_cost_i_short, "i_loop_stops_early",
          "J lacks the terms of example i = 3: your i loop stops one short"),
    Wrong("J_categorical_cross_entropy", lambda A, Y: -np.sum(Y[:-1] * np.log(A[:-1])) / M(A),
          "j_loop_stops_early", "J lacks the terms of node j = 3: your j loop stops one short"),
    Wrong("J_binary_cross_entropy", lambda A, Y: -np.mean(Y * np.log(A) + (1 - Y) *
                                                          np.log(1 - A)),
          "averaged_over_nodes", "averages over the examples i only"),
    Wrong("J_binary_cross_entropy", lambda A, Y: -np.sum(Y * np.log(A + 1e-8) + (1 - Y) *
                                                         np.log(1 - A + 1e-8)) / M(A),
          "near_miss", "a small epsilon (log(a + 1e-8), a clip)", ("computed in float32",)),
    Wrong("J_binary_cross_entropy", lambda A, Y: -np.sum(Y * np.log(A)) / M(A),
          "missing_negative_class", "the (1 - y) log(1 - a) term is missing"),
    # the fused dJ/dz^[L]
    Wrong("dZ_output", lambda dZ, A, Y: put(dZ, (Y - A) / M(A)), "wrong_sign", "(a - y)/m"),
    Wrong("dZ_output", lambda dZ, A, Y: put(dZ, A - Y), "missing_one_over_m", LOW),
    Wrong("dZ_output", lambda dZ, A, Y: put(dZ, (A - Y) / N(A)), "divided_by_n",
          "instead of m = 4", (LOW,)),
]


def softmax_backward_jacobian(dZ, dA, Z, A):
    """The full Jacobian ∂a_{p,i}/∂z_{j,i} = a_{p,i} (δ_{pj} - a_{j,i}), column by column."""
    for i in range(A.shape[1]):
        a = A[:, i]
        jacobian = np.diag(a) - np.outer(a, a)   # [p, j]
        dZ[:, i] = jacobian.T @ dA[:, i]


def softmax_backward_einsum(dZ, dA, Z, A):
    eye = np.eye(A.shape[0])
    jacobian = np.einsum("pi,pj->pji", A, eye) - np.einsum("pi,ji->pji", A, A)
    dZ[...] = np.einsum("pi,pji->ji", dA, jacobian)


def softmax_forward_loops(A, Z):
    for i in range(Z.shape[1]):
        e = [np.exp(Z[p, i]) for p in range(Z.shape[0])]
        for j in range(Z.shape[0]):
            A[j, i] = e[j] / sum(e)


def dW_loops(dW, dZ, A_prev):
    for j in range(dW.shape[0]):
        for k in range(dW.shape[1]):
            dW[j, k] = sum(dZ[j, i] * A_prev[k, i] for i in range(dZ.shape[1]))


# (exercise, a right function in another form than tests/exercise_answers.py's)
RIGHT = [
    ("z", lambda Z, W, A_prev, b: put(Z, np.einsum("jk,ki->ji", W, A_prev) + b)),
    ("z", lambda Z, W, A_prev, b: put(Z, (A_prev.T @ W.T + b.T).T)),
    ("dW", lambda dW, dZ, A_prev: put(dW, np.einsum("ji,ki->jk", dZ, A_prev))),
    ("dW", dW_loops),
    ("dW", lambda dW, dZ, A_prev: put(dW, np.dot(dZ, A_prev.T))),
    ("db", lambda db, dZ: put(db, np.einsum("ji->j", dZ)[:, None])),
    ("db", lambda db, dZ: put(db, dZ @ np.ones((dZ.shape[1], 1)))),
    ("db", lambda db, dZ: db.__setitem__((slice(None), 0), dZ.sum(axis=1))),
    ("dA_prev", lambda dA_prev, W, dZ: put(dA_prev, np.einsum("jk,ji->ki", W, dZ))),
    ("a_softmax", lambda A, Z: put(A, np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True))),
    ("a_softmax", softmax_forward_loops),
    ("dZ_softmax", softmax_backward_jacobian),
    ("dZ_softmax", softmax_backward_einsum),
    ("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, A * dA - A * np.sum(A * dA, axis=0))),
    ("dZ_relu", lambda dZ, dA, Z, A: put(dZ, dA * (A > 0))),
    ("dZ_relu", lambda dZ, dA, Z, A: put(dZ, np.where(Z <= 0, 0.0, dA))),
    ("dZ_relu", lambda dZ, dA, Z, A: put(dZ, dA * np.heaviside(Z, 0.0))),
    ("dZ_sigmoid", lambda dZ, dA, Z, A: put(dZ, dA * sigma(Z) * (1 - sigma(Z)))),
    ("dZ_tanh", lambda dZ, dA, Z, A: put(dZ, dA / np.cosh(Z) ** 2)),
    ("seed_binary_cross_entropy",
     lambda dA, A, Y: put(dA, (A - Y) / (A * (1 - A)) / M(A))),
    ("seed_binary_cross_entropy",
     lambda dA, A, Y: put(dA, -(Y / A - (1 - Y) / (1 - A)) / M(A))),
    ("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, -(Y / A) / M(A))),
    ("seed_mean_squared_error", lambda dA, A, Y: put(dA, (A - Y) * (1 / M(A)))),
    ("J_binary_cross_entropy",
     lambda A, Y: -np.mean(np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=0))),
    ("J_categorical_cross_entropy", lambda A, Y: float(-np.einsum("ji,ji->", Y, np.log(A))
                                                       / M(A))),
    ("J_mean_squared_error", lambda A, Y: 0.5 * np.mean(np.sum((A - Y) ** 2, axis=0))),
    ("dZ_output", lambda dZ, A, Y: put(dZ, (A.astype(np.float64) - Y) / M(A))),
]
