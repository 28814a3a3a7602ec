"""Every hint of the exercises grader is right: each wrong implementation of the catalogue
(tests/wrong_answers.py) gets its own mistake named, from the case the feedback prints, and
right answers written in other forms (einsum, the full Jacobian, rearranged seeds, A > 0 for
relu') pass."""
import numpy as np
import pytest
from wrong_answers import RIGHT, WRONG

from ffnn_numba.teach import exercises
from ffnn_numba.teach.exercises import catalog, grading, loops


def feedback(result):
    return " ".join(str(result).split())   # feedback lines are wrapped


def test_the_catalogue_holds_at_least_40_mistakes_each_once():
    pairs = [(w.exercise, w.key) for w in WRONG]
    assert len(set(pairs)) == len(pairs) >= 40


@pytest.mark.parametrize("wrong", WRONG, ids=[f"{w.exercise}-{w.key}" for w in WRONG])
def test_each_wrong_implementation_gets_its_mistake_named(wrong):
    result = exercises.check(wrong.exercise, wrong.function)
    text = feedback(result)
    assert not result.passed
    assert result.mistake == wrong.key, text
    assert wrong.words in text, text
    assert not any(words in text for words in wrong.never), text
    assert " off by " not in text   # a difference of values, never read as an index


@pytest.mark.parametrize("wrong", WRONG, ids=[f"{w.exercise}-{w.key}" for w in WRONG])
def test_the_hint_comes_from_the_printed_case(wrong):
    result = exercises.check(wrong.exercise, wrong.function)
    if result.hint is None:
        return
    assert grading.diagnose(result.exercise, result.shown) == (result.mistake, result.hint)
    printed = str(result).split("\n")[1]
    assert grading.describe_case(result.shown.case) in printed


def test_every_mistake_the_grader_knows_is_in_the_catalogue():
    """Each key the mistakes can give, on the fixed cases of every exercise, has its wrong
    implementation here (loop keys: one of each kind)."""
    known, missing = {w.key for w in WRONG}, set()
    for exercise in catalog.EXERCISES.values():
        for case in grading.cases(exercise)[:2]:
            inputs = {k: np.asarray(v, np.float64) for k, v in case.inputs.items()}
            expected = grading.expected_outputs(exercise, case)
            right = expected if not exercise.outputs else expected[exercise.outputs[0]]
            for key, message, _ in exercise.find_mistakes(inputs, right):
                if key not in known and not key.endswith("skips_one"):   # in between: as the ends
                    missing.add((exercise.name, key))
    assert not missing


def test_a_middle_term_is_named_by_its_value():
    W, A = np.ones((1, 3)), np.arange(9.0).reshape(3, 3)
    found = loops.z({"W": W, "A_prev": A}, W @ A)
    assert [key for key, _, _ in found] == ["k_loop_starts_at_2", "k_loop_skips_one",
                                            "k_loop_stops_early"]
    assert "lacks w_{j,2} a_{2,i}: your k loop skips k = 2" in found[1][1]


@pytest.mark.parametrize("name, function", RIGHT, ids=[f"{r[0]}-{n}" for n, r in
                                                       enumerate(RIGHT)])
def test_right_answers_of_other_forms_pass(name, function):
    result = exercises.check(name, function)
    assert result.passed, str(result)


def test_a_difference_prints_enough_digits_and_its_relative_error():
    text = feedback(exercises.check("z", WRONG[0].function))
    assert "z[1,1] differs by 1.0 (expected 1.5, got 0.5; relative error 0.67)" in text
    float32 = next(w for w in WRONG if w.key == "computed_in_float32")
    text = feedback(exercises.check("dW", float32.function))
    assert "(expected -0.016609574, got -0.016609572; relative error 1.1e-07)" in text
    assert "It looks like your numbers agree with the right ones to float32's precision" in text


def test_the_failing_cases_share_is_said():
    text = feedback(exercises.check("db", lambda db, dZ: db.__setitem__(..., dZ.sum(axis=1))))
    assert "Only cases with n^[l] > 1 fail: every case with n^[l] = 1 passes." in text
