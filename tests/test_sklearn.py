"""The scikit-learn estimators: scikit-learn's own checks, and the tools they must work in."""
import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", reason="the sklearn extra (scikit-learn) is not installed",
                              exc_type=ImportError)
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from ffnn_numba.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0),
                          MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    X, y = d.data[order] / 16.0, d.target[order]
    return X[:1300], X[1300:], y[:1300], y[1300:]


def test_comparable_to_sklearns_mlp_on_digits(digits):
    X, X_test, y, y_test = digits
    settings = dict(hidden_layer_sizes=(64,), max_iter=100, random_state=0, alpha=1e-4)
    ours = MLPClassifier(**settings).fit(X, y).score(X_test, y_test)
    theirs = SklearnMLP(**settings).fit(X, y).score(X_test, y_test)
    assert ours >= 0.95 and ours >= theirs - 0.02


def test_fitted_attributes_follow_sklearn(digits):
    X, _, y, _ = digits
    clf = MLPClassifier(hidden_layer_sizes=(20, 10), max_iter=5, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(64, 20), (20, 10), (10, 10)]
    assert [b.shape for b in clf.intercepts_] == [(20,), (10,), (10,)]
    assert clf.n_features_in_ == 64 and clf.n_layers_ == 4 and clf.n_outputs_ == 10
    assert clf.out_activation_ == "softmax" and list(clf.classes_) == list(range(10))
    assert len(clf.loss_curve_) == clf.n_iter_ == 5
    np.testing.assert_allclose(clf.predict_proba(X[:3]).sum(axis=1), 1.0)
    # coefs_ and intercepts_ are the engine's W^T and b, and predict_proba its forward pass
    W = clf.network_.params
    np.testing.assert_array_equal(clf.coefs_[0], W["W1"].T)
    A = X[:3]
    for l, (coef, intercept) in enumerate(zip(clf.coefs_, clf.intercepts_), start=1):
        Z = A @ coef + intercept
        A = np.maximum(Z, 0) if l < 3 else np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X[:3]), A / A.sum(axis=1, keepdims=True),
                               rtol=1e-10)


def test_string_binary_and_multilabel_targets(digits):
    X, X_test, y, y_test = digits
    names = np.array(["even", "odd"])[y % 2]
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=200, random_state=0).fit(X, names)
    assert list(clf.classes_) == ["even", "odd"] and clf.out_activation_ == "logistic"
    assert clf.predict_proba(X_test).shape == (len(y_test), 2)
    assert clf.score(X_test, np.array(["even", "odd"])[y_test % 2]) >= 0.9
    Y = np.column_stack([y % 2, y >= 5]).astype(int)
    multi = MLPClassifier(hidden_layer_sizes=(32,), max_iter=200, random_state=0).fit(X, Y)
    assert multi.predict(X_test).shape == (len(y_test), 2)
    assert np.mean(multi.predict(X_test) == np.column_stack([y_test % 2, y_test >= 5])) >= 0.9


def test_pipeline_grid_search_and_cross_validation(digits):
    X, _, y, _ = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=200, random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(16,), (32,)],
                               "mlpclassifier__backend": ["loops", "numpy"]}, cv=2)
    grid.fit(X[:600], y[:600])
    assert grid.best_score_ >= 0.85
    scores = cross_val_score(MLPRegressor(max_iter=300, random_state=0), X[:600],
                             y[:600].astype(float), cv=3)
    assert scores.mean() > 0.5


def test_partial_fit_continues(digits):
    X, X_test, y, y_test = digits
    clf = MLPClassifier(hidden_layer_sizes=(32,), random_state=0)
    with pytest.raises(ValueError, match="classes must be given"):
        clf.partial_fit(X[:10], y[:10])
    for _ in range(30):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert clf.n_iter_ == 30 and len(clf.loss_curve_) == 30
    assert clf.network_.optimizer_state[2] == 30 * 7   # Adam's steps: 7 batches a pass
    assert clf.score(X_test, y_test) >= 0.9


def test_backends_and_pickle(digits):
    X, _, y, _ = digits
    a = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X, y)
    b = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0,
                      backend="numpy").fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9, atol=1e-12)
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(c.predict_proba(X), a.predict_proba(X))


def test_unsupported_settings(digits):
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="does not offer lbfgs"):
        MLPClassifier(solver="lbfgs").fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="'constant' or 'invscaling'; got 'adaptive'"):
        MLPClassifier(solver="sgd", learning_rate="adaptive").fit(X[:20], y[:20])
