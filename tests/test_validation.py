"""Bad input: a clear exception naming the problem, raised before any kernel runs."""
import numpy as np
import pytest

import ffnn_numba as ff


@pytest.fixture
def net(backend):
    return ff.Network([3, 4, 2], ["relu", "softmax"], "categorical_cross_entropy", backend=backend, seed=0)


X = np.zeros((3, 5))
Y = np.eye(2)[:, [0, 1, 0, 1, 1]]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(layer_sizes=[3, 0, 2]), ValueError, r"n\^\[1\] must be at least 1; got 0"),
    (dict(layer_sizes=[3]), ValueError, "at least the input and output"),
    (dict(layer_sizes=[3, 2.5]), TypeError, r"n\^\[1\] must be an integer"),
    (dict(activations=["relu", "sofmax"]), ValueError, "unknown activation 'sofmax'; valid: 'linear'"),
    (dict(activations=["relu"]), ValueError, r"one activation per layer l = 1..2 .* got 1"),
    (dict(cost="hinge"), ValueError, "unknown cost 'hinge'; valid: 'mean_squared_error'"),
    (dict(cost="binary_cross_entropy", activations=["relu", "sigmoid"]), ValueError,
     r"one output node \(n\^\[L\] = 1\); got n\^\[L\] = 2"),
    (dict(activations=["relu", "relu"]), ValueError, "needs outputs in \\[0, 1\\].*'relu'"),
    (dict(dtype=np.int32), TypeError, "dtype must be float32 or float64; got int32"),
    (dict(dtype="float16"), TypeError, "got float16"),
    (dict(backend="cuda"), ValueError, "unknown backend 'cuda'; valid: 'loops', 'numpy'"),
])
def test_bad_construction(kwargs, error, match):
    args = dict(layer_sizes=[3, 4, 2], activations=["relu", "softmax"], cost="categorical_cross_entropy")
    args.update(kwargs)
    with pytest.raises(error, match=match):
        ff.Network(args.pop("layer_sizes"), **args)


def test_bad_backend_switch(net):
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        net.backend = "gpu"


def nan_at(a, index):
    a = a.copy()
    a[index] = np.nan
    return a


@pytest.mark.parametrize("bad_X, bad_Y, error, match", [
    (np.zeros((4, 5)), Y, ValueError, r"X must have shape \(n\^\[0\], m\) = \(3, m\); got \(4, 5\)"),
    (np.zeros((5, 3)), Y, ValueError, "did you mean X.T"),
    (np.zeros(3), Y, ValueError, r"got \(3,\)"),
    (np.zeros((3, 0)), np.zeros((2, 0)), ValueError, r"no examples \(m = 0\)"),
    (nan_at(X, (1, 2)), Y, ValueError, "X contains NaN or infinite"),
    (np.full((3, 5), np.inf), Y, ValueError, "X contains NaN or infinite"),
    (np.full((3, 5), "a"), Y, TypeError, "X must hold real numbers"),
    (X, Y[:, :4], ValueError, r"Y must have shape \(n\^\[L\], m\) = \(2, 5\).*got \(2, 4\)"),
    (X, np.zeros((3, 5)), ValueError, r"got \(3, 5\)"),
    (X, nan_at(Y, (0, 0)), ValueError, "Y contains NaN or infinite"),
    (X, 2 * Y - 0.5, ValueError, r"targets in \[0, 1\]; Y holds values in \[-0.5, 1.5\]"),
    (X, np.full((2, 5), 0.3), ValueError, "column 0 sums to 0.6"),
    (X, np.array([0, 1, 2, 1, 0]), ValueError, r"labels must lie in 0..1 .* 0..2"),
    (X, np.array([0, 1, -1, 1, 0]), ValueError, "labels must lie in 0..1"),
    (X, np.array([0, 1, 1, 0]), ValueError, "labels must have length m = 5"),
    (X, np.array([0, 0.5, 1, 0, 0]), TypeError, "labels must be integers"),
])
def test_bad_data(net, bad_X, bad_Y, error, match):
    for call in (lambda: net.cost(bad_X, bad_Y), lambda: net.gradients(bad_X, bad_Y),
                 lambda: net.step(bad_X, bad_Y), lambda: net.fit(bad_X, bad_Y, epochs=1)):
        with pytest.raises(error, match=match):
            call()


def test_bad_data_leaves_the_network_unchanged(net):
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError):
        net.fit(X, Y[:, :4])
    assert all(np.array_equal(before[k], net.params[k]) for k in before)


def test_binary_cross_entropy_targets(backend):
    net = ff.Network([3, 1], "sigmoid", "binary_cross_entropy", backend=backend)
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        net.cost(X, np.array([0, 1, 2, 0, 1]))
    assert np.isfinite(net.cost(X, np.array([0, 1, 1, 0, 1])))  # 1-D targets for n^[L] = 1


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(epochs=0), ValueError, "epochs must be at least 1; got 0"),
    (dict(batch_size=2.0), TypeError, "batch_size must be an integer"),
    (dict(learning_rate=-0.1), ValueError, "learning_rate must be a finite number > 0; got -0.1"),
    (dict(learning_rate=float("nan")), ValueError, "learning_rate must be a finite number > 0"),
])
def test_bad_fit_settings(net, kwargs, error, match):
    with pytest.raises(error, match=match):
        net.fit(X, Y, **kwargs)


def test_bad_parameter_assignment(net):
    with pytest.raises(ValueError, match=r"W1 must have shape \(4, 3\); got \(3, 4\)"):
        net.params["W1"] = np.zeros((3, 4))
    with pytest.raises(KeyError, match="no parameter 'W3'"):
        net.params["W3"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match="b1 contains NaN"):
        net.params["b1"] = np.full((4, 1), np.nan)


def test_divergence_warns_and_stops(backend):
    net = ff.Network([2, 8, 1], ["relu", "linear"], backend=backend, seed=0)
    X = np.random.default_rng(0).normal(0, 100, (2, 50))
    with pytest.warns(RuntimeWarning, match="training diverged in epoch"):
        history = net.fit(X, X[:1] ** 2, epochs=50, learning_rate=10.0)
    assert len(history["cost"]) < 50


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cost, good, bad", [
    ("mean_squared_error", [[0.5, -3.0]], [[0.5, np.inf]]),
    ("binary_cross_entropy", [[0.0, 1.0]], [[0.0, 1.5]]),
    ("categorical_cross_entropy", [[0.2, 1.0], [0.8, 0.0]], [[0.5, 1.0], [0.6, 0.0]]),
])
def test_a_ready_batch_is_used_as_it_is_and_a_bad_one_named(cost, good, bad, dtype):
    """check_batch's one compiled pass takes the caller's own arrays where they are ready,
    and where anything is wrong the full checks name it, as check_X and check_Y do."""
    from ffnn_numba import validation
    n_out = len(good)
    X, Y = np.ones((3, 2), dtype), np.array(good, dtype)
    X_checked, Y_checked = validation.check_batch(X, Y, 3, n_out, cost, dtype)
    assert X_checked is X and Y_checked is Y
    with pytest.raises(ValueError, match="Y|targets|column"):
        validation.check_batch(X, np.array(bad, dtype), 3, n_out, cost, dtype)
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        validation.check_batch(X, Y, 3, n_out, cost, dtype)
