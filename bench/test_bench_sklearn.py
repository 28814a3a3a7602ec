"""Fitting scikit-learn's bundled digits: ffnn-numba's MLPClassifier (both backends) beside
scikit-learn's, same settings (see also bench/compare_sklearn.py for accuracy).

    python -m pytest bench/test_bench_sklearn.py
"""
import warnings

import pytest

pytest.importorskip("sklearn", reason="scikit-learn is not installed", exc_type=ImportError)
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402

from ffnn_numba.sklearn import MLPClassifier  # noqa: E402

SETTINGS = dict(hidden_layer_sizes=(64,), solver="adam", batch_size=200, max_iter=20,
                n_iter_no_change=20, random_state=0)


@pytest.mark.benchmark(group="digits fit, 20 epochs", max_time=2.0, min_rounds=3)
@pytest.mark.parametrize("model", ["ffnn-numba-loops", "ffnn-numba-numpy", "scikit-learn"])
def test_fit_digits(run, benchmark, model):
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    make = {"ffnn-numba-loops": lambda: MLPClassifier(**SETTINGS, backend="loops"),
            "ffnn-numba-numpy": lambda: MLPClassifier(**SETTINGS, backend="numpy"),
            "scikit-learn": lambda: SklearnMLP(**SETTINGS)}[model]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = run(lambda: make().fit(X, y))
    benchmark.extra_info["training_accuracy"] = fitted.score(X, y)
