"""A grid search run in parallel worker processes finds exactly what a serial one finds.

joblib's default backend (loky) runs the fits in fresh processes, each with a thread pool of
cpu_count // n_jobs Numba threads and kernels loaded from the on-disk cache; neither may
change a single score. tests/test_dask.py holds a Dask cluster to the same standard.
"""
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the sklearn extra (scikit-learn) is not installed",
                    exc_type=ImportError)
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from ffnn_numba.sklearn import MLPClassifier  # noqa: E402

# Four configurations, three folds: twelve fits and the refit, a few seconds in all.
GRID = {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-1]}


def search(n_jobs=None, backend=None):
    """GridSearchCV over the package's MLPClassifier on the bundled digits (no download); with
    a backend name, the fits run on that joblib backend."""
    import joblib
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    estimator = MLPClassifier(max_iter=15, batch_size=32, learning_rate_init=0.01,
                              random_state=0)
    grid = GridSearchCV(estimator, GRID, cv=3, n_jobs=n_jobs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is small on purpose
        if backend is None:
            return grid.fit(X, y)
        with joblib.parallel_backend(backend):  # n_jobs=-1: every worker it has
            return grid.fit(X, y)


def assert_same_search(got, expected):
    """Every score, the best parameters and the best score, exactly."""
    for key in ("mean_test_score", "std_test_score"):
        np.testing.assert_array_equal(got.cv_results_[key], expected.cv_results_[key])
    assert got.best_params_ == expected.best_params_
    assert got.best_score_ == expected.best_score_


@pytest.fixture(scope="module")
def serial():
    return search(n_jobs=1)


def test_serial_search_learns(serial):
    assert serial.best_score_ > 0.9
    # the grid is not a tie: the best configuration is decided by the scores
    assert len(set(serial.cv_results_["mean_test_score"])) > 1


def test_two_worker_processes_give_the_same_results(serial):
    parallel = search(n_jobs=2)
    assert_same_search(parallel, serial)
    # the refit on all the data is done in this process both times
    np.testing.assert_array_equal(parallel.best_estimator_.coefs_[0],
                                  serial.best_estimator_.coefs_[0])


def test_threads_give_the_same_results(serial):
    # The compiled kernels release the GIL, so joblib's threading backend runs fits side by
    # side in this process, with no worker start-up (README, "Parallel search").
    threaded = search(n_jobs=2, backend="threading")
    assert_same_search(threaded, serial)
    np.testing.assert_array_equal(threaded.best_estimator_.coefs_[0],
                                  serial.best_estimator_.coefs_[0])
