"""ffnn_numba.teach.exercises, checking a function: right student functions pass, wrong ones get
feedback at the index level that names the mistake, and templates are valid and "not
implemented". The command line and the docs: test_exercises_command.py; in a network:
test_exercises_network.py."""
import re

import numpy as np
import pytest
from exercise_answers import SLOPE, SOLUTIONS, linear_forward, linear_forward_loops

from ffnn_numba.teach import exercises
from ffnn_numba.teach.exercises import catalog


def test_every_exercise_has_a_right_answer_here():
    assert set(SOLUTIONS) == set(catalog.BY_FUNCTION)
    assert len(exercises.names()) == len(SOLUTIONS)


@pytest.mark.parametrize("name", exercises.names())
def test_right_functions_pass(name):
    result = exercises.check(name, SOLUTIONS[exercises.exercise(name).function])
    assert result.passed, str(result)
    assert result.mistake is None and "passed all" in str(result)


def test_loops_written_with_the_derivations_letters_pass():
    assert exercises.check("z", linear_forward_loops).passed


def test_the_reference_kernels_themselves_pass():
    from ffnn_numba.kernels import activations, linear
    assert exercises.check("z", linear.linear_forward).passed
    assert exercises.check("dZ_softmax", activations.softmax_backward).passed


def test_cases_have_sizes_down_to_1_in_both_dtypes_and_relu_meets_z_0():
    cases = exercises.cases(exercises.exercise("dZ_relu"))
    assert {c.dtype for c in cases} == {np.float64, np.float32}
    assert any(set(c.sizes.values()) == {1} for c in cases)
    assert all((c.inputs["Z"] == 0).any() for c in cases)
    assert [c.label for c in cases[:2]] == ["fixed case 1", "fixed case 2"]


@pytest.mark.parametrize("name", exercises.names())
def test_templates_are_valid_python_and_not_implemented(name):
    namespace = {}
    exec(compile(exercises.template(name), f"template of {name}", "exec"), namespace)
    result = exercises.check(name, namespace[exercises.exercise(name).function])
    assert not result.passed and result.mistake == "not_implemented"
    assert "Not implemented yet" in str(result)


def put(out, value):
    out[...] = value


# (exercise, wrong function, the mistake's key, words the feedback must contain)
WRONG = [
    ("z", lambda Z, W, A_prev, b: put(Z, W.T @ A_prev + b), "sum_over_j",
     "the sum ran over j instead of k"),
    ("z", lambda Z, W, A_prev, b: linear_forward_loops(Z, W.T, A_prev, b), "sum_over_j",
     "the sum ran over j instead of k"),
    ("z", lambda Z, W, A_prev, b: put(Z, W @ A_prev), "no_bias", "the bias was left out"),
    ("z", lambda Z, W, A_prev, b: put(Z, W @ A_prev.T + b), "a_transposed", "a_{i,k}"),
    ("z", lambda Z, W, A_prev, b: put(Z, W @ A_prev + b.T), "bias_by_example", "example i"),
    ("z", lambda Z, W, A_prev, b: put(Z, (W @ A_prev + b).T), "transposed_output",
     "the output is transposed"),
    ("z", lambda Z, W, A_prev, b: Z.__iadd__(W @ A_prev + b), "accumulated",
     "without clearing it first"),
    ("z", lambda Z, W, A_prev, b: W @ A_prev + b, "returned_instead",
     "It returned its result instead of writing it into Z"),
    ("z", lambda Z, W, A_prev, b: np.add(W @ A_prev, b), "returned_instead",
     "The values you returned are right"),
    ("dW", lambda dW, dZ, A_prev: put(dW, dZ @ A_prev.T / dZ.shape[1]), "extra_one_over_m",
     "dW was divided by m"),
    ("dW", lambda dW, dZ, A_prev: put(dW, dZ @ A_prev), "a_transposed", "a_{i,k}"),
    ("dW", lambda dW, dZ, A_prev: put(dW, A_prev @ dZ.T), "transposed_output", "transposed"),
    ("db", lambda db, dZ: put(db, dZ.mean(axis=1, keepdims=True)), "extra_one_over_m",
     "a mean, not a sum"),
    ("db", lambda db, dZ: put(db, dZ.sum(axis=0, keepdims=True).T), "sum_over_j",
     "instead of the examples i"),
    ("dA_prev", lambda dA_prev, W, dZ: put(dA_prev, W @ dZ), "sum_over_k",
     "the sum ran over k instead of j"),
    ("dA_prev", lambda dA_prev, W, dZ: put(dA_prev, W.T @ dZ / dZ.shape[1]),
     "extra_one_over_m", "divided by m"),
    ("a_softmax", lambda A, Z: put(A, np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
     "normalised_over_examples", "ran over the examples i"),
    ("a_sigmoid", lambda A, Z: put(A, 1 / (1 + np.exp(Z))), "exp_sign", "inside exp"),
    ("dZ_relu", lambda dZ, dA, Z, A: put(dZ, dA * (Z >= 0)), "relu_prime_zero",
     "relu'(0) was taken as 1"),
    ("dZ_relu", lambda dZ, dA, Z, A: put(dZ, Z > 0), "missing_dA",
     "the factor dJ/da_{j,i} is missing"),
    ("dZ_leaky_relu", lambda dZ, dA, Z, A: put(dZ, np.where(Z >= 0, dA, SLOPE * dA)),
     "relu_prime_zero", "the slope at z = 0"),
    ("dZ_sigmoid", lambda dZ, dA, Z, A: put(dZ, dA * Z * (1 - Z)), "derivative_of_z",
     "evaluated at z instead of a"),
    ("dZ_tanh", lambda dZ, dA, Z, A: put(dZ, dA * (1 - Z * Z)), "derivative_of_z",
     "evaluated at z instead of a"),
    ("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, dA * A * (1 - A)), "diagonal_only",
     "kept only its diagonal term p = j"),
    ("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, A * (dA - (dA * A).sum(axis=1, keepdims=True))),
     "p_sum_over_examples", "ran over the examples i"),
    ("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, dA - (dA * A).sum(axis=0)), "missing_a_j",
     "the factor a_{j,i} in front is missing"),
    ("dZ_softmax", lambda dZ, dA, Z, A: put(dZ, A * (dA + (dA * A).sum(axis=0))),
     "coupled_sign", "added instead of subtracted"),
    ("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, Y / (A.shape[1] * A)),
     "wrong_sign", "wrong sign"),
    ("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, -Y / A), "missing_one_over_m",
     "the 1/m is missing"),
    ("seed_categorical_cross_entropy", lambda dA, A, Y: put(dA, -1 / (A.shape[1] * A)),
     "missing_y", "y_{j,i} is missing"),
    ("seed_binary_cross_entropy", lambda dA, A, Y: put(dA, -Y / A / A.shape[1]),
     "missing_negative_class", "(1 - y)/(1 - a) term is missing"),
    ("seed_binary_cross_entropy",
     lambda dA, A, Y: put(dA, ((1 - Y) / (1 - A) + Y / A) / A.shape[1]), "inner_sign",
     "the two terms were added"),
    ("seed_mean_squared_error", lambda dA, A, Y: put(dA, 2 * (A - Y) / A.shape[1]),
     "missing_half", "1/(2m)"),
    ("seed_mean_squared_error", lambda dA, A, Y: put(dA, (Y - A) / A.shape[1]), "wrong_sign",
     "wrong sign"),
    ("J_categorical_cross_entropy", lambda A, Y: -np.sum(Y * np.log(A)), "missing_one_over_m",
     "the 1/m is missing"),
    ("J_categorical_cross_entropy", lambda A, Y: np.sum(Y * np.log(A)) / A.shape[1],
     "wrong_sign", "with the minus"),
    ("J_mean_squared_error", lambda A, Y: np.sum((A - Y) ** 2) / A.shape[1], "missing_half",
     "the 1/2 of 1/(2m)"),
    ("J_binary_cross_entropy", lambda A, Y: -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)),
     "averaged_over_nodes", "averages over the examples i only"),
    ("dZ_output", lambda dZ, A, Y: put(dZ, (Y - A) / A.shape[1]), "wrong_sign", "(a - y)/m"),
]


@pytest.mark.parametrize("name, function, key, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{n}" for n, w in enumerate(WRONG)])
def test_wrong_functions_get_their_mistake_named(name, function, key, words):
    result = exercises.check(name, function)
    text = " ".join(str(result).split())   # feedback lines are wrapped
    assert not result.passed
    assert result.mistake == key, text
    assert words in text
    if key not in ("returned_instead",) and not name.startswith("J_"):
        assert "It looks like" in text or key == "not_written"


def test_feedback_is_at_the_index_level_with_1_based_indices():
    text = str(exercises.check("z", WRONG[0][1]))
    assert re.search(r"\n    z\[[1-3],[1-3]\] differs by [0-9.e-]+ \(expected [0-9.e-]+, got "
                     r"[0-9.e-]+; relative error [0-9.e-]+\)", text), text
    assert "fixed case 1 (n^[l] = 3, n^[l-1] = 3, m = 3, float64)" in text
    assert "W = [[" in text   # the small case is shown, to redo by hand
    db = str(exercises.check("db", lambda db, dZ: put(db, 2 * dZ.sum(axis=1, keepdims=True))))
    assert re.search(r"db\[[1-3]\] differs by", db), db   # b_j has one index


def test_an_entry_left_unwritten_is_named():
    def only_first_row(Z, W, A_prev, b):
        Z[0] = (W @ A_prev + b)[0]
    text = str(exercises.check("z", only_first_row))
    assert re.search(r"z\[[23],[1-3]\] was never written: it still holds", text), text


def test_assigning_to_the_name_instead_of_the_array():
    def rebinds(Z, W, A_prev, b):
        Z = W @ A_prev + b  # noqa: F841 - the mistake under test
    result = exercises.check("z", rebinds)
    assert result.mistake == "not_written" and "only rebinds the local name" in str(result)


def test_modifying_an_input_is_reported_even_when_the_output_is_right():
    def scales_in_place(dZ, dA, Z, A):
        dA *= Z > 0
        dZ[...] = dA
    result = exercises.check("dZ_relu", scales_in_place)
    assert result.mistake == "modified_input"
    assert re.search(r"It modified its input: dA\[\d,\d\] changed from", str(result))


def test_a_function_that_raises_gets_its_traceback_summarised():
    def raising(Z, W, A_prev, b):
        n, n_prev = W.shape
        for j in range(n):
            for i in range(A_prev.shape[1]):
                Z[j, i] = b[j, 0] + sum(W[k, j] * A_prev[k, i] for k in range(n_prev))
    result = exercises.check("z", raising)
    text = str(result)
    assert result.mistake == "sum_over_j"   # recognised on the square fixed case
    raised = next(o for o in result.failures if o.problem == "error")
    assert "IndexError" in raised.lines[0]
    assert "Z[j, i] = b[j, 0] + sum(W[k, j] * A_prev[k, i]" in " ".join(raised.lines)
    assert "FAILED" in text.split("\n")[0]


def test_an_error_on_every_case_is_summarised():
    def divides_by_zero(db, dZ):
        raise ZeroDivisionError("a student's bug")
    text = str(exercises.check("db", divides_by_zero))
    assert "It raised ZeroDivisionError: a student's bug" in text
    assert "at line" in text and "test_exercises.py, in divides_by_zero" in text


def test_a_function_with_the_wrong_signature():
    result = exercises.check("z", lambda Z: None)
    assert result.mistake == "error"
    assert "could not be called as linear_forward(Z, W, A_prev, b)" in str(result)


def test_J_must_be_returned():
    result = exercises.check("J_mean_squared_error", lambda A, Y: None)
    assert result.mistake == "no_value" and "return J as a float" in str(result)


def test_patterns_across_cases_are_pointed_out():
    def squeezes(db, dZ):   # right, except that a size of 1 loses its axis
        db[:, 0] = np.squeeze(dZ.sum(axis=1)) if dZ.shape[0] > 1 else 0
    text = " ".join(str(exercises.check("db", squeezes)).split())
    assert "Only cases with a size of 1 fail" in text


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown exercise 'zz'"):
        exercises.check("zz", linear_forward)
    with pytest.raises(TypeError, match="must be callable"):
        exercises.check("z", "linear_forward")
    assert exercises.exercise("linear_forward").name == "z"   # kernel names work too


def test_the_package_ships_no_solutions():
    modules = [exercises, catalog, exercises.grading, exercises.mistakes, exercises.result]
    for function in catalog.BY_FUNCTION:
        assert not any(function in vars(module) for module in modules), function


def test_describe_and_listing():
    text = exercises.describe("dZ_softmax")
    assert "softmax_backward(dZ, dA, Z, A)" in text and "a_{p,i} (δ_{pj} - a_{j,i})" in text
    assert "Overwrite every entry of dZ in place" in text
    assert "(an extension" in exercises.describe("a_elu")
    assert "(an extension" not in exercises.describe("a_relu")
    listing = exercises.listing()
    assert all(name in listing for name in exercises.names())
