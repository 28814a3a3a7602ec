"""ffnn_numba.teach.exercises.try_in_network: a student's functions plugged into networks on the
reference backend (gradcheck, the library's gradients, a short training). From the command
line: test_exercises_command.py."""
import pytest
from exercise_answers import SOLUTIONS, linear_forward

from ffnn_numba.teach import exercises


def test_right_functions_run_in_a_network_like_the_librarys():
    functions = {"z": linear_forward, "relu_backward": SOLUTIONS["relu_backward"],
                 "softmax_backward": SOLUTIONS["softmax_backward"]}
    report = exercises.try_in_network(functions, epochs=3)
    text = str(report)
    assert report.passed, text
    assert report.counted["linear_forward"].calls > 0
    # the derivation's own chain runs (fused=False): softmax's backward step is the student's
    assert report.counted["softmax_backward"].calls > 0
    assert "is fused" not in " ".join(text.split())
    assert report.history == pytest.approx(report.history_library, rel=1e-12)


def test_the_shortcut_runs_on_request_and_the_report_says_so():
    functions = {"z": linear_forward, "softmax_backward": SOLUTIONS["softmax_backward"],
                 "seed_categorical_cross_entropy": SOLUTIONS["categorical_cross_entropy_seed"]}
    for shortcut in (True, None):
        report = exercises.try_in_network(functions, epochs=2, fused=shortcut)
        assert report.passed, str(report)
        assert report.counted["softmax_backward"].calls == 0
        assert report.counted["categorical_cross_entropy_seed"].calls == 0
        assert "is fused" in " ".join(str(report).split())
    chain = exercises.try_in_network(functions, epochs=2)
    assert chain.passed and all(c.calls > 0 for c in chain.counted.values())


def test_a_wrong_function_fails_in_a_network():
    def missing_bias(Z, W, A_prev, b):
        Z[...] = W @ A_prev
    report = exercises.try_in_network({"z": missing_bias}, epochs=2)
    assert not report.passed and not report.gradcheck.passed
    assert report.difference > report.tolerance
    assert "FAILED its exercise (no_bias)" in str(report)


def test_the_softmax_p_sum_runs_when_the_output_is_not_fused():
    report = exercises.try_in_network({"dZ_softmax": SOLUTIONS["softmax_backward"]},
                                      cost="mean_squared_error",
                                      activations=["relu", "tanh", "softmax"], epochs=2)
    assert report.passed and report.counted["softmax_backward"].calls > 0


def test_a_network_trial_refuses_unknown_names():
    with pytest.raises(ValueError, match="names no exercise or kernel"):
        exercises.try_in_network({"zz": linear_forward})
