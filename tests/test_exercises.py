"""ffnn_numba.exercises: right student functions pass, wrong ones get feedback that names the
mistake, templates are valid and "not implemented", and the docs show real feedback."""
import contextlib
import importlib.util
import io
import re
from pathlib import Path

import numpy as np
import pytest

from ffnn_numba import exercises
from ffnn_numba.exercises import catalog

ROOT = Path(__file__).resolve().parents[1]
SLOPE = 0.01


def sigma(x):
    return 1 / (1 + np.exp(-x))


# Right answers, written with NumPy from the equations alone. They live here, in the tests:
# the package ships none.
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
    assert re.search(r"\n    z\[[1-3],[1-3]\] is off by [0-9.e-]+ \(expected [0-9.e-]+, got "
                     r"[0-9.e-]+\)", text), text
    assert "fixed case 1 (n^[l] = 3, n^[l-1] = 3, m = 3, float64)" in text
    assert "W = [[" in text   # the small case is shown, to redo by hand
    db = str(exercises.check("db", lambda db, dZ: put(db, 2 * dZ.sum(axis=1, keepdims=True))))
    assert re.search(r"db\[[1-3]\] is off by", db), db   # b_j has one index


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


def student_file(tmp_path, source, name="mine.py"):
    path = tmp_path / name
    path.write_text(source)
    return path


def run_command(**arguments):
    out = io.StringIO()
    status = exercises.command(out=out, **arguments)
    return status, out.getvalue()


def test_command_lists_describes_and_prints_templates():
    status, text = run_command()
    assert status == 0 and "seed_categorical_cross_entropy" in text
    status, text = run_command(name="dW")
    assert status == 0 and "Exercise dW: write weight_gradient(dW, dZ, A_prev)" in text
    status, text = run_command(name="dW", template_only=True)
    compile(text, "template", "exec")


def test_command_checks_a_students_file(tmp_path):
    right = student_file(tmp_path, "import numpy as np\n\n\ndef bias_gradient(db, dZ):\n"
                                   "    db[:, 0] = dZ.sum(axis=1)\n\n\ndef helper():\n    pass\n")
    status, text = run_command(check_path=str(right))
    assert status == 0 and "db (bias_gradient): passed all" in text
    wrong = student_file(tmp_path, "def relu_backward(dZ, dA, Z, A):\n"
                                   "    dZ[...] = dA * (Z >= 0)\n", "wrong.py")
    status, text = run_command(name="dZ_relu", check_path=str(wrong))
    assert status == 1 and "relu'(0) was taken as 1" in " ".join(text.split())


def test_command_refuses_files_it_cannot_use(tmp_path):
    broken = student_file(tmp_path, "def bias_gradient(db, dZ)\n    pass\n")
    with pytest.raises(ValueError, match=r"could not be imported: SyntaxError at line 1"):
        exercises.check_file(broken)
    other = student_file(tmp_path, "def helper():\n    pass\n", "other.py")
    with pytest.raises(ValueError, match="defines none of the exercises' functions"):
        exercises.check_file(other)
    with pytest.raises(ValueError, match="defines no function linear_forward"):
        exercises.check_file(other, "z")
    with pytest.raises(FileNotFoundError):
        exercises.check_file(tmp_path / "missing.py")
    with pytest.raises(ValueError, match="--network needs --check"):
        exercises.command(name="z", in_network=True)


def doc_examples():
    """Each Python block of docs/exercises.md that starts "# output shown below", with the
    text block right after it."""
    doc = (ROOT / "docs" / "exercises.md").read_text()
    return re.findall(r"```python\n(# output shown below\n.*?)```\n+```text\n(.*?)```", doc,
                      re.DOTALL)


def test_the_docs_show_the_feedback_the_code_gives():
    examples = doc_examples()
    assert len(examples) >= 3, "docs/exercises.md lost its examples of output"
    namespace = {}
    for code, shown in examples:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "docs/exercises.md", "exec"), namespace)
        assert out.getvalue() == shown, (
            "docs/exercises.md shows stale feedback; regenerate it with "
            "python tests/test_exercises.py")


# ---------------------------------------------------------------------------------------------
# In a network: needs the reference backend (ffnn_numba/reference.py)

def network_trial(functions, **options):
    if importlib.util.find_spec("ffnn_numba.reference") is None:
        pytest.skip("ffnn_numba.reference (the reference backend) is not there yet")
    return exercises.try_in_network(functions, **options)


def test_right_functions_run_in_a_network_like_the_librarys():
    report = network_trial({"z": linear_forward, "relu_backward": SOLUTIONS["relu_backward"],
                            "softmax_backward": SOLUTIONS["softmax_backward"]}, epochs=3)
    text = str(report)
    assert report.passed, text
    assert report.counted["linear_forward"].calls > 0
    assert report.counted["softmax_backward"].calls == 0   # softmax + categorical is fused
    assert "is fused" in " ".join(text.split())
    assert report.history == pytest.approx(report.history_library, rel=1e-12)


def test_a_wrong_function_fails_in_a_network():
    def missing_bias(Z, W, A_prev, b):
        Z[...] = W @ A_prev
    report = network_trial({"z": missing_bias}, epochs=2)
    assert not report.passed and not report.gradcheck.passed
    assert report.difference > report.tolerance
    assert "FAILED its exercise (no_bias)" in str(report)


def test_the_softmax_p_sum_runs_when_the_output_is_not_fused():
    report = network_trial({"dZ_softmax": SOLUTIONS["softmax_backward"]},
                           cost="mean_squared_error", activations=["relu", "tanh", "softmax"],
                           epochs=2)
    assert report.passed and report.counted["softmax_backward"].calls > 0


def test_command_tries_a_students_file_in_a_network(tmp_path):
    if importlib.util.find_spec("ffnn_numba.reference") is None:
        pytest.skip("ffnn_numba.reference (the reference backend) is not there yet")
    mine = student_file(tmp_path, "def relu_backward(dZ, dA, Z, A):\n"
                                  "    dZ[...] = dA * (Z > 0)\n")
    status, text = run_command(check_path=str(mine), in_network=True)
    assert status == 0, text
    assert "dZ_relu (relu_backward): passed all" in text
    assert "relu_backward  (dZ_relu): called" in text and text.rstrip().endswith("passed")


def test_a_network_trial_refuses_unknown_names():
    with pytest.raises(ValueError, match="names no exercise or kernel"):
        network_trial({"zz": linear_forward})


def regenerate_docs():
    """Rewrite the feedback shown in docs/exercises.md from the code (run this file)."""
    path = ROOT / "docs" / "exercises.md"
    doc, namespace = path.read_text(), {}
    for code, shown in doc_examples():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "docs/exercises.md", "exec"), namespace)
        doc = doc.replace(f"```text\n{shown}```", f"```text\n{out.getvalue()}```", 1)
    path.write_text(doc)


if __name__ == "__main__":
    regenerate_docs()


def test_the_command_line_lists_prints_and_checks(tmp_path, capsys):
    from ffnn_numba.cli import main
    assert main(["exercise"]) in (0, None)
    assert "dA_prev" in capsys.readouterr().out
    assert main(["exercise", "db", "--template"]) in (0, None)
    template = capsys.readouterr().out
    assert "def bias_gradient(db, dZ):" in template
    path = tmp_path / "mine.py"
    path.write_text(template.replace("raise NotImplementedError",
                                     "db[:, 0] = dZ.sum(axis=1)  #"))
    assert main(["exercise", "db", "--check", str(path)]) in (0, None)
    assert "passed" in capsys.readouterr().out.lower()
