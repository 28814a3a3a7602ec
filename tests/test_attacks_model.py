"""The model's surfaces attacked as classes (issue 24, item 5): the reference backend on
large inputs, the scikit-learn estimators pickled into a fresh process, pandas input, and
sparse input. Each attack ends in the right answer or a clear exception naming the problem,
never a crash in compiled code, a wrong answer or a modified caller's array."""
import copy
import math
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import reference


def _needs(module, why):
    return pytest.importorskip(module, reason=why, exc_type=ImportError)


def _sklearn():
    return _needs("sklearn.base", "the sklearn extra (scikit-learn) is not installed")


def _estimators():
    _sklearn()
    from ffnn_numba.sklearn import MLPClassifier, MLPRegressor
    return MLPClassifier, MLPRegressor


def _net(backend="loops", sizes=(3, 8, 2)):
    return ff.Network(list(sizes), cost="categorical_cross_entropy", backend=backend, seed=0)


def _data(m=20, seed=0, n=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, m)), rng.integers(0, 2, m)


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning: max_iter is small on purpose
        return function(*args, **kwargs)


# -- 1. the reference backend on large inputs -----------------------------------------------

# [3, 8, 2]: 8 (3 + 1) + 2 (8 + 1) = 50 multiply-adds an example and pass, and a batch's
# overhead of 50 + 2 PER_BATCH. At a patched SPEED of 1000 a second, 20 examples are a
# second or so of forward work; 2000 are minutes.
PER_EXAMPLE = 50


def test_reference_work_counts_examples_passes_and_batches():
    sizes = [64, 32, 10]
    per_example = 32 * 65 + 10 * 33
    per_batch = per_example + 2 * reference.PER_BATCH
    assert reference.work(sizes, 1000) == per_example * 1000 + per_batch
    assert reference.work(sizes, 1000, passes=3, batches=32) == 3 * (per_example * 1000
                                                                     + 32 * per_batch)


# Every public entry point of a network that takes data: each attack goes through them all.
NETWORK_CALLS = {
    "forward": lambda net, X, Y: net.forward(X),
    "forward_trace": lambda net, X, Y: net.forward(X, trace=True),
    "predict": lambda net, X, Y: net.predict(X),
    "cost": lambda net, X, Y: net.cost(X, Y),
    "evaluate": lambda net, X, Y: net.evaluate(X, Y),
    "gradients": lambda net, X, Y: net.gradients(X, Y),
    "step": lambda net, X, Y: net.step(X, Y),
    "fit": lambda net, X, Y: net.fit(X, Y, epochs=1, verbose=False),
    "gradcheck": lambda net, X, Y: ff.gradcheck(net, X, Y),
}


@pytest.mark.parametrize("call", NETWORK_CALLS)
def test_reference_refuses_a_call_of_minutes_before_any_work(monkeypatch, call):
    monkeypatch.setattr(reference, "SPEED", 1e3)
    net, (X, Y) = _net("reference"), _data(m=2000)
    before = net.theta.copy()
    with pytest.raises(ValueError, match=r"on backend='reference' would take about \d+ "
                                         r"(seconds|minutes) \(about .* multiply-adds at 1,000 "
                                         r"a second.*MAX_SECONDS = 60\. Use backend='loops' or "
                                         r"backend='numpy'"):
        NETWORK_CALLS[call](net, X, Y)
    assert np.array_equal(net.theta, before) and net.optimizer_state is None
    small_X, small_Y = X[:, :2], Y[:2]   # 2 examples: well under the warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NETWORK_CALLS[call](net, small_X, small_Y)


def test_reference_warns_between_the_limits_and_runs(monkeypatch):
    monkeypatch.setattr(reference, "SPEED", 1e3)
    net, X = _net("reference"), _data(m=400)[0]   # 50 x 400 / 1000: 20 s, and a batch's
    with pytest.warns(RuntimeWarning, match="forward on backend='reference' would take about "
                                            "2[01] seconds.*backend='loops'") as record:
        A = net.forward(X)
    assert record[0].filename == __file__   # pointed at the caller's line
    net.backend = "loops"
    np.testing.assert_allclose(A, net.forward(X), rtol=1e-12)


def test_reference_fit_counts_epochs_times_m_and_validation(monkeypatch):
    monkeypatch.setattr(reference, "SPEED", 1e3)
    net, (X, Y) = _net("reference"), _data(m=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.fit(X, Y, epochs=1, batch_size=20, verbose=False)   # 3 x 1000 + a batch: 4.6 s
    with pytest.raises(ValueError, match=r"fit \(100 epochs of 20 examples\) .*fewer examples "
                                         r"or epochs"):
        net.fit(X, Y, epochs=100, batch_size=20, verbose=False)
    X_val, Y_val = _data(m=2000, seed=1)   # forward on it after every epoch
    with pytest.raises(ValueError, match=r"fit \(1 epoch of 20 examples\)"):
        net.fit(X, Y, epochs=1, batch_size=20, validation_data=(X_val, Y_val), verbose=False)
    with pytest.raises(ValueError, match=r"would take about \d+ minutes"):   # 2000 batches
        net.fit(X, Y, epochs=100, batch_size=1, verbose=False)
    with pytest.warns(RuntimeWarning, match=r"fit \(3 epochs of 20 examples\)") as record:
        net.fit(X, Y, epochs=3, batch_size=20, verbose=False)   # 3 x 4.6 s
    assert record[0].filename == __file__   # pointed at the caller's line


def test_reference_limit_can_be_lifted(monkeypatch):
    monkeypatch.setattr(reference, "SPEED", 1e3)
    monkeypatch.setattr(reference, "MAX_SECONDS", math.inf)
    net, (X, Y) = _net("reference"), _data(m=2000)
    with pytest.warns(RuntimeWarning, match="would take about"):
        J = net.cost(X, Y)
    net.backend = "loops"
    assert J == pytest.approx(net.cost(X, Y), rel=1e-12)


def test_reference_rule_leaves_the_other_backends_alone(monkeypatch):
    monkeypatch.setattr(reference, "SPEED", 1e-3)
    net, (X, Y) = _net("loops"), _data(m=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for backend in ("loops", "numpy"):
            net.backend = backend
            net.gradients(X, Y)
            net.fit(X, Y, epochs=2, verbose=False)


def test_reference_rule_holds_for_the_estimators(monkeypatch):
    MLPClassifier, _ = _estimators()
    monkeypatch.setattr(reference, "SPEED", 1e3)
    X, y = _data(m=2000, n=3)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, backend="reference")
    with pytest.raises(ValueError, match=r"fit \(50 epochs of 2000 examples\) on "
                                         r"backend='reference'"):
        clf.fit(X.T, y)
    clf.set_params(backend="loops", max_iter=2)
    _quiet(clf.fit, X.T, y)
    clf.network_.backend = "reference"
    with pytest.raises(ValueError, match="forward on backend='reference'"):
        clf.predict_proba(X.T)


# -- 2. scikit-learn estimators pickled and loaded elsewhere ----------------------------------

def _use(estimators, X, y, labels):
    """What a caller does with the four estimators of ``_pickled``: predictions and scores,
    then a partial_fit and a fit; returns every result."""
    clf, reg, online, unfitted = estimators
    out = {"predict": clf.predict(X), "proba": clf.predict_proba(X), "score": clf.score(X, labels),
           "reg": reg.predict(X), "reg_score": reg.score(X, y), "online": online.predict(X)}
    online.partial_fit(X, labels)
    out["online_after"] = online.predict_proba(X)
    out["online_theta"] = online.network_.theta.copy()
    out["unfitted"] = unfitted.fit(X, y).predict(X)
    return out


# A fresh interpreter: unpickles the estimators and runs _use on them (from this file).
_CHILD = r"""
import pickle, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
from test_attacks_model import _use
estimators, X, y, labels = pickle.loads(sys.stdin.buffer.read())
sys.stdout.buffer.write(pickle.dumps(_use(estimators, X, y, labels)))
"""


def _pickled():
    """A fitted classifier (string labels), a fitted two-output regressor, a classifier after
    partial_fit (momentum state in flight), an unfitted regressor; and their data."""
    MLPClassifier, MLPRegressor = _estimators()
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 4))
    labels = np.array(["ant", "bee", "cat"])[rng.integers(0, 3, 60)]
    y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2] * X[:, 3]])
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit,
                 X, labels)
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=1).fit, X, y)
    online = MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", random_state=2,
                           dtype=np.float32).partial_fit(X, labels, classes=["cat", "ant", "bee"])
    unfitted = MLPRegressor(hidden_layer_sizes=(3,), max_iter=4, random_state=3)
    return [clf, reg, online, unfitted], X, y, labels


def test_pickled_estimators_agree_in_a_fresh_process():
    estimators, X, y, labels = _pickled()
    blob = pickle.dumps((estimators, X, y, labels))
    here = _quiet(_use, copy.deepcopy(estimators), X, y, labels)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(Path(__file__).parent)],
                          input=blob, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    there = pickle.loads(done.stdout)
    assert there.keys() == here.keys()
    for key in here:
        assert np.array_equal(there[key], here[key]), key
    assert list(here["predict"][:5]) == list(estimators[0].predict(X[:5]))   # still fitted


def test_joblib_dump_load_and_memory_mapped_models(tmp_path):
    joblib = _needs("joblib", "joblib (a scikit-learn dependency) is not installed")
    estimators, X, y, labels = _pickled()
    clf, online = estimators[0], estimators[2]
    for name, estimator in (("clf", clf), ("online", online)):
        path = tmp_path / f"{name}.joblib"
        joblib.dump(estimator, path)
        saved = path.read_bytes()
        for mode in (None, "r", "c"):
            loaded = joblib.load(path, mmap_mode=mode)
            assert np.array_equal(loaded.predict_proba(X), estimator.predict_proba(X)), mode
            # A read-only memory map cannot take the kernels' writes: the network owns copies.
            assert loaded.network_.theta.flags.writeable
            twin = copy.deepcopy(estimator)
            loaded.partial_fit(X, labels)
            twin.partial_fit(X, labels)
            assert np.array_equal(loaded.network_.theta, twin.network_.theta), mode
            assert path.read_bytes() == saved   # training the loaded model left the file alone


def test_clone_of_a_loaded_estimator_is_unfitted_and_refits_alike():
    _sklearn()
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    estimators, X, y, labels = _pickled()
    loaded = pickle.loads(pickle.dumps(estimators[0]))
    twin = clone(loaded)
    assert twin.get_params() == estimators[0].get_params()
    with pytest.raises(NotFittedError):
        twin.predict(X)
    _quiet(twin.fit, X, labels)
    assert np.array_equal(twin.predict_proba(X), estimators[0].predict_proba(X))


def test_pickled_network_loses_no_state_and_owns_its_arrays():
    net, (X, Y) = _net(), _data()
    net.fit(X, Y, epochs=2, optimizer="adam", verbose=False)
    copy_ = pickle.loads(pickle.dumps(net))
    readonly = copy.deepcopy(net.__getstate__())   # as a read-only memory map hands it back
    for value in [*readonly.values(), readonly["optimizer_state"][1]]:
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    frozen = ff.Network.__new__(ff.Network)
    frozen.__setstate__(readonly)
    for twin in (copy_, frozen):
        assert twin.theta.flags.writeable
        twin.fit(X, Y, epochs=1, optimizer="adam", reset_optimizer=False, verbose=False)
    net.fit(X, Y, epochs=1, optimizer="adam", reset_optimizer=False, verbose=False)
    assert np.array_equal(copy_.theta, net.theta) and np.array_equal(frozen.theta, net.theta)


# -- 2b. partial_fit's classes in any order -------------------------------------------------

def test_partial_fit_classes_in_any_order_name_the_right_labels():
    MLPClassifier, _ = _estimators()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 2))
    y = np.where(X[:, 0] > 0, "pos", np.where(X[:, 1] > 0, "up", "down"))
    scores = {}
    for classes in (["down", "pos", "up"], ["up", "pos", "down"], ("pos", "up", "down")):
        clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05, random_state=0)
        for _ in range(20):
            clf.partial_fit(X, y, classes=classes)
        assert list(clf.classes_) == ["down", "pos", "up"]
        scores[tuple(classes)] = clf.score(X, y)
    assert len(set(scores.values())) == 1 and min(scores.values()) > 0.9
    with pytest.raises(ValueError, match=r"classes=\['down', 'pos'\] is not the same as on the "
                                         r"first call of partial_fit"):
        clf.partial_fit(X, y, classes=["down", "pos"])


# -- 3. pandas input ------------------------------------------------------------------------

def _pandas():
    _sklearn()
    return _needs("pandas", "pandas is not installed")


def _frame(pd, m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.standard_normal((m, 3)), columns=["height", "width", "depth"])
    y = pd.Series(np.array(["cat", "dog", "eel"])[rng.integers(0, 3, m)], name="kind")
    return X, y


def test_dataframe_feature_names_follow_sklearn():
    pd = _pandas()
    MLPClassifier, _ = _estimators()
    X, y = _frame(pd)
    before = X.copy()
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit, X, y)
    assert list(clf.feature_names_in_) == ["height", "width", "depth"] and clf.n_features_in_ == 3
    assert list(clf.classes_) == ["cat", "dog", "eel"]
    plain = _quiet(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit,
                   X.to_numpy(), y.to_numpy())
    assert np.array_equal(clf.predict_proba(X), plain.predict_proba(X.to_numpy()))
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        clf.predict(X[["depth", "height", "width"]])
    with pytest.raises(ValueError, match="(?s)seen at fit time, yet now missing.*depth"):
        clf.predict(X[["height", "width"]])
    with pytest.raises(ValueError, match="(?s)unseen at fit time.*size"):
        clf.predict(X.rename(columns={"depth": "size"}))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        from_array = clf.predict(X.to_numpy())
    assert np.array_equal(from_array, clf.predict(X))
    pd.testing.assert_frame_equal(X, before)


def test_dataframe_without_string_column_names():
    pd = _pandas()
    MLPClassifier, _ = _estimators()
    X, y = _frame(pd)
    numbered = X.set_axis([0, 1, 2], axis=1)
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit,
                 numbered, y)
    assert not hasattr(clf, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but MLPClassifier was fitted "
                                         "without feature names"):
        clf.predict(X)
    with pytest.raises(TypeError, match="Feature names are only supported if all input "
                                        "features have string names"):
        MLPClassifier(max_iter=1).fit(X.set_axis(["height", 1, "depth"], axis=1), y)


@pytest.mark.filterwarnings("ignore:Stochastic optimizer")   # max_iter is small on purpose
def test_pandas_targets_series_categorical_and_frames():
    pd = _pandas()
    from sklearn.exceptions import DataConversionWarning
    MLPClassifier, MLPRegressor = _estimators()
    X, y = _frame(pd)
    settings = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    plain = _quiet(MLPClassifier(**settings).fit, X.to_numpy(), y.to_numpy())
    for labels in (y, y.astype("category"), y.astype("string")):
        clf = _quiet(MLPClassifier(**settings).fit, X, labels)
        assert list(clf.classes_) == ["cat", "dog", "eel"]
        assert np.array_equal(clf.predict_proba(X), plain.predict_proba(X.to_numpy()))
        assert list(clf.predict(X)) == list(plain.predict(X.to_numpy()))
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        MLPClassifier(**settings).fit(X, y.to_frame())
    targets = pd.DataFrame({"u": X["height"] - X["width"], "v": X["depth"]})
    reg = _quiet(MLPRegressor(**settings).fit, X, targets)
    assert reg.predict(X).shape == (40, 2) and np.isfinite(reg.score(X, targets))
    assert _quiet(MLPRegressor(**settings).fit, X, targets["u"]).predict(X).shape == (40,)


def test_missing_class_labels_are_named():
    pd = _pandas()
    MLPClassifier, _ = _estimators()
    X, y = _frame(pd)
    for labels in (y.astype("string"), y.astype(object)):
        labels = labels.copy()
        labels.iloc[3] = pd.NA if labels.dtype == "string" else None
        with pytest.raises(ValueError, match=r"Input y contains missing labels \(.* at sample 3, "
                                             r"1 in all\)"):
            MLPClassifier(max_iter=1).fit(X, labels)
    with pytest.raises(ValueError, match="missing labels"):
        MLPClassifier().partial_fit(X, labels, classes=["cat", "dog", "eel"])


@pytest.mark.parametrize("kind", ["object", "str", "category", "mixed"])
def test_a_column_of_strings_is_named(kind):
    pd = _pandas()
    MLPClassifier, MLPRegressor = _estimators()
    X, y = _frame(pd)
    rng = np.random.default_rng(3)
    city = np.array(["Paris", "Rome"])[rng.integers(0, 2, 40)]
    X["city"] = (pd.Series(city, dtype=kind) if kind != "mixed"
                 else pd.Series(np.r_[["Oslo"], X["height"].to_numpy()[1:]], dtype=object))
    before = X.copy()
    for estimator, target in ((MLPClassifier(max_iter=1), y), (MLPRegressor(max_iter=1),
                                                               X["height"])):
        with pytest.raises(ValueError, match=r"X's column 'city' holds values that are not "
                                             r"numbers .*'(Paris|Rome|Oslo)'.*OneHotEncoder"):
            estimator.fit(X, target)
    fitted = _quiet(MLPClassifier(max_iter=1).fit, X.drop(columns="city"), y)
    with pytest.raises(ValueError, match="column 'city'"):
        fitted.predict(X)
    pd.testing.assert_frame_equal(X, before)


def test_object_columns_of_numbers_still_work_and_arrays_are_named_by_index():
    pd = _pandas()
    MLPClassifier, _ = _estimators()
    X, y = _frame(pd)
    numeric = X.astype(object)
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit,
                 numeric, y)
    assert clf.predict(numeric).shape == (40,)
    array = X.to_numpy().astype(object)
    array[5, 2] = "n/a"
    with pytest.raises(ValueError, match=r"X's column 2 holds values that are not numbers "
                                         r".*'n/a'"):
        MLPClassifier(max_iter=1).fit(array, y)
    array[5, 2] = {"not": "a number"}
    with pytest.raises(TypeError, match="X's column 2 .*argument must be a string or a real "
                                        "number"):
        MLPClassifier(max_iter=1).fit(array, y)


# -- 4. sparse input ----------------------------------------------------------------------

def _sparse():
    return _needs("scipy.sparse", "SciPy is not installed")


SPARSE_FORMATS = ["csr_matrix", "csc_matrix", "coo_matrix", "csr_array", "coo_array",
                  "dok_array", "lil_matrix"]


@pytest.mark.parametrize("backend", ["loops", "numpy", "reference"])
@pytest.mark.parametrize("form", SPARSE_FORMATS)
def test_sparse_input_to_the_network_is_refused_by_name(form, backend):
    sparse = _sparse()
    net, (X, labels) = _net(backend), _data()
    Y = np.eye(2)[labels].T
    make = getattr(sparse, form)
    before = net.theta.copy()
    for call in NETWORK_CALLS.values():
        with pytest.raises(TypeError, match=rf"Sparse data was passed for X \(a scipy.sparse "
                                            rf"{form}\).*not supported\. Use X.toarray\(\)"):
            call(net, make(X), Y)
    for call in ("cost", "gradients", "step", "fit"):
        for targets in (make(Y), make(labels[None, :])):
            with pytest.raises(TypeError, match=r"Sparse data was passed for Y .*Y.toarray\(\)"):
                NETWORK_CALLS[call](net, X, targets)
    with pytest.raises(TypeError, match="Sparse data was passed for X"):
        net.fit(X, Y, validation_data=(make(X), Y), epochs=1, verbose=False)
    assert np.array_equal(net.theta, before) and net.optimizer_state is None


@pytest.mark.parametrize("form", ["csr_matrix", "csr_array", "coo_array"])
def test_sparse_input_to_the_estimators_is_refused_by_name(form):
    sparse = _sparse()
    MLPClassifier, MLPRegressor = _estimators()
    make = getattr(sparse, form)
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 3))
    labels, values = rng.integers(0, 3, 30), rng.standard_normal(30)
    multilabel = (rng.random((30, 2)) > 0.5).astype(int)
    for estimator, y in ((MLPClassifier(max_iter=2), labels), (MLPRegressor(max_iter=2), values),
                         (MLPClassifier(max_iter=2), multilabel)):
        fit_kwargs = {"classes": [0, 1, 2]} if y is labels else {}
        with pytest.raises(TypeError, match="Sparse data was passed for X.*toarray"):
            estimator.fit(make(X), y)
        for targets in (make(y[:, None] if y.ndim == 1 else y), make(y[None, :] if y.ndim == 1
                                                                      else y.T)):
            with pytest.raises(TypeError, match=r"Sparse data was passed for y .*y.toarray\(\)"):
                estimator.fit(X, targets)
            with pytest.raises(TypeError, match=r"Sparse data was passed for y"):
                estimator.partial_fit(X, targets, **fit_kwargs)
        _quiet(estimator.fit, X, y)
        for method in ("predict", "partial_fit", "score") + (
                ("predict_proba",) if hasattr(estimator, "predict_proba") else ()):
            args = (make(X),) if method.startswith("predict") else (make(X), y)
            with pytest.raises(TypeError, match="Sparse data was passed for X.*toarray"):
                getattr(estimator, method)(*args)
