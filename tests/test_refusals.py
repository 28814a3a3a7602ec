"""Nothing gets through: every public entry point checks all its arguments before any work,
values are checked after the cast to the network's dtype, schedules and stopping rules are
validated, divergence never leaves NaN parameters, J sums in float64, and predictions on
huge batches run in bounded memory."""
import math
import tracemalloc

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import runner as network   # the runner holds the workspace bound
from ffnn_numba.training import InverseScaling, StepDecay


def _net(backend="loops", dtype=np.float64, **kwargs):
    return ff.Network([3, 8, 2], cost="categorical_cross_entropy", backend=backend, dtype=dtype,
                      seed=0, **kwargs)


def _data(m=20, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, m)), rng.integers(0, 2, m)


def _theta(net):
    return {k: v.copy() for k, v in net.params.items()}


def _unchanged(net, before):
    return all(np.array_equal(net.params[k], v) for k, v in before.items())


@pytest.mark.parametrize("call", ["cost", "gradients", "step"])
def test_targets_are_required(call, backend):
    net, (X, _) = _net(backend), _data()
    with pytest.raises(TypeError, match="Y is required"):
        getattr(net, call)(X, None)


BAD_FIT = [
    (dict(validation_data=("X",)), TypeError, "validation_data must be a pair"),
    (dict(validation_data=None, validation_fraction="0.2"), TypeError,
     "validation_fraction must be a real number"),
    (dict(validation_fraction=1.0), ValueError,
     r"validation_fraction must be a finite number in \(0, 1\)"),
    (dict(callbacks=[print, 1]), TypeError, r"callbacks\[1\] is not callable"),
    (dict(callbacks=print), TypeError, "wrap it in a list"),
    (dict(min_delta=float("nan")), ValueError, "min_delta must be a finite number >= 0"),
    (dict(min_delta=-1), ValueError, "min_delta must be a finite number >= 0"),
    (dict(shuffle="yes"), TypeError, "shuffle must be True or False"),
    (dict(restore_best=None), TypeError, "restore_best must be True or False"),
    (dict(verbose="loud"), TypeError, "verbose must be True, False or 'auto'"),
    (dict(seed=-1), ValueError, "seed must be at least 0"),
    (dict(seed=1.5), TypeError, "seed must be an integer"),
    (dict(schedule=42), TypeError, r"schedule must be one of .* or an object with a method rate"),
    (dict(schedule=StepDecay(), epochs=0), ValueError, "epochs must be at least 1"),
    (dict(patience=0), ValueError, "patience must be at least 1"),
    (dict(reset_optimizer="no"), TypeError, "reset_optimizer must be True or False"),
]


@pytest.mark.parametrize("kwargs, error, match", BAD_FIT)
def test_fit_refuses_before_any_work(kwargs, error, match, backend):
    net, (X, y) = _net(backend), _data()
    before = _theta(net)
    with pytest.raises(error, match=match):
        net.fit(X, y, **{"epochs": 2, "verbose": False, **kwargs})
    assert _unchanged(net, before)


def test_fit_accepts_what_it_documents(backend):
    net, (X, y) = _net(backend, l2=np.float32(0.1)), _data()
    assert net.l2 == pytest.approx(0.1)
    history = net.fit(X, y, epochs=2, callbacks=None, seed=np.int64(3), min_delta=np.float32(0),
                      shuffle=np.bool_(True), verbose=False, validation_fraction=np.float64(0.25))
    assert len(history["cost"]) == 2 and history["stopped"] is None


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(activations=5), TypeError, "activations must be one name or a sequence of 2 names"),
    (dict(seed=-3), ValueError, "seed must be at least 0"),
    (dict(l2="0.1"), TypeError, "l2 must be a real number"),
    (dict(l2=float("inf")), ValueError, "l2 must be a finite number >= 0"),
])
def test_network_refuses_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        ff.Network([3, 8, 2], **{"cost": "categorical_cross_entropy", **kwargs})


def test_trace_must_be_a_bool():
    net, (X, y) = _net(), _data()
    with pytest.raises(TypeError, match="trace must be True or False"):
        net.forward(X, trace="yes")
    with pytest.raises(TypeError, match="trace must be True or False"):
        net.gradients(X, y, trace=1)


# -- values checked after the cast to the network's dtype ------------------------------------

def test_parameters_are_checked_as_the_network_stores_them():
    net = _net(dtype=np.float32)
    before = _theta(net)
    overflow = "W1 contains NaN or infinite values as float32 .*overflow"
    with pytest.raises(ValueError, match=overflow):
        net.params["W1"] = np.full((8, 3), 1e39)
    with pytest.raises(TypeError, match="W1 must hold real numbers; got dtype complex128"):
        net.params["W1"] = np.ones((8, 3)) + 1j
    with pytest.raises(TypeError, match="b1 must hold real numbers"):
        net.params["b1"] = np.array([["a"]] * 8)
    assert _unchanged(net, before)
    net.params["W1"] = np.full((8, 3), 3e38)       # large, but a float32
    assert np.all(net.params["W1"] == np.float32(3e38))


def test_inputs_are_checked_as_the_network_stores_them(backend):
    net = _net(backend, dtype=np.float32)
    with pytest.raises(ValueError, match="X contains NaN or infinite values .as float32"):
        net.forward(np.full((3, 20), 1e39))
    with pytest.raises(TypeError, match="X must hold real numbers; got dtype complex128"):
        net.forward(np.ones((3, 20), complex))


# -- schedules and stopping rules -----------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: StepDecay(step_size=0), "step_size must be at least 1"),
    (lambda: StepDecay(step_size=2.5), "step_size must be an integer"),
    (lambda: StepDecay(gamma=float("nan")), r"gamma must be a finite number in \(0, 1\]"),
    (lambda: StepDecay(gamma=-1), r"gamma must be a finite number in \(0, 1\]"),
    (lambda: StepDecay(gamma=0), r"gamma must be a finite number in \(0, 1\]"),
    (lambda: InverseScaling(power_t=-0.5), "power_t must be a finite number >= 0"),
])
def test_schedules_refuse_bad_settings(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_any_object_with_a_rate_method_is_a_schedule(backend):
    class Halving:
        def rate(self, alpha, epoch, seen):
            return alpha / 2 ** epoch

    net, (X, y) = _net(backend), _data()
    history = net.fit(X, y, epochs=3, learning_rate=0.4, schedule=Halving(), verbose=False)
    assert history["learning_rate"] == [0.4, 0.2, 0.1]


@pytest.mark.parametrize("bad_rate", [float("nan"), -0.1, 0.0, "0.1", None])
def test_a_schedule_giving_a_bad_rate_stops_before_using_it(bad_rate, backend):
    class Broken:
        def rate(self, alpha, epoch, seen):
            return alpha if epoch < 2 else bad_rate

    net, (X, y) = _net(backend), _data()
    seen = []
    with pytest.raises(ValueError, match="gave the learning rate .* for epoch 2"):
        net.fit(X, y, epochs=5, schedule=Broken(), verbose=False,
                callbacks=[lambda net, epoch, history: seen.append(net.params["W1"].copy())])
    assert len(seen) == 2 and np.array_equal(net.params["W1"], seen[-1])


# -- divergence -----------------------------------------------------------------------------

def _diverging(backend, dtype):
    net = ff.Network([2, 8, 1], ["relu", "linear"], backend=backend, dtype=dtype, seed=0)
    X = np.random.default_rng(0).normal(0, 100, (2, 50))
    return net, X, X[:1] ** 2


def test_divergence_stops_with_the_reason_and_finite_parameters(backend, dtype):
    net, X, Y = _diverging(backend, dtype)
    completed = [_theta(net)]
    with pytest.warns(RuntimeWarning, match=r"training diverged in epoch \d+"):
        history = net.fit(X, Y, epochs=50, learning_rate=10.0, verbose=False, restore_best=False,
                          callbacks=[lambda net, e, h: completed.append(_theta(net))])
    n = len(history["cost"])
    assert n < 50 and history["stopped"].startswith(f"diverged in epoch {n + 1}")
    assert all(math.isfinite(J) for J in history["cost"])
    assert _unchanged(net, completed[-1])           # as after the last completed epoch


def test_divergence_restores_the_best_epoch(backend):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 64))
    Y = X[:1] * 3.0
    net = ff.Network([2, 8, 1], ["relu", "linear"], backend=backend, seed=0)

    class Explode:                                   # fine for 3 epochs, then far too large
        def rate(self, alpha, epoch, seen):
            return 0.05 if epoch < 3 else 1e6

    with pytest.warns(RuntimeWarning, match=r"diverged in epoch \d+.*restored to the best epoch's"):
        history = net.fit(X, Y, epochs=20, schedule=Explode(), learning_rate=0.05,
                          validation_data=(X, Y), verbose=False)
    assert 3 <= len(history["val_cost"]) < 20
    assert net.cost(X, Y) == pytest.approx(min(history["val_cost"]), rel=1e-12)
    assert all(np.isfinite(v).all() for v in net.params.values())


def test_step_reports_a_non_finite_cost(backend):
    net, X, Y = _diverging(backend, np.float64)
    with pytest.warns(RuntimeWarning, match="step: the cost is (nan|inf)"):
        for _ in range(20):
            J = net.step(X, Y, learning_rate=10.0)
            if not math.isfinite(J):
                break


# -- J in float64 on both backends ----------------------------------------------------------

@pytest.mark.parametrize("cost, activations, Y", [
    ("mean_squared_error", ["linear"], np.zeros((1, 4))),
    ("binary_cross_entropy", ["sigmoid"], np.zeros((1, 4))),
    ("categorical_cross_entropy", ["softmax"], np.array([1, 0, 1, 0])),
])
def test_float32_costs_sum_in_float64_at_extreme_values(cost, activations, Y):
    """Logits of 1e30: a float32 square or sum would overflow to inf."""
    n_out = 2 if cost == "categorical_cross_entropy" else 1
    costs = []
    for backend in ("loops", "numpy"):
        net = ff.Network([1, n_out], activations, cost, backend=backend, dtype=np.float32, l2=1.0)
        net.params["W1"] = np.full((n_out, 1), 1e30)
        net.params["b1"] = np.zeros((n_out, 1))
        costs.append(net.cost(np.ones((1, 4)), Y))
    assert all(math.isfinite(J) and J > 1e29 for J in costs), costs
    assert costs[0] == pytest.approx(costs[1], rel=1e-6)


# -- bounded memory on large batches --------------------------------------------------------

def test_predictions_and_costs_run_in_chunks_of_bounded_memory(backend, monkeypatch):
    net = ff.Network([64, 32, 10], cost="categorical_cross_entropy", backend=backend, seed=0,
                     l2=0.5)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 20_000)), rng.integers(0, 10, 20_000)
    A_whole, J_whole = net.forward(X), net.cost(X, y)   # one chunk: 64 MiB holds it
    monkeypatch.setattr(network, "WORKSPACE_BYTES", 1 << 20)
    assert net.runner.chunk() < 2000
    tracemalloc.start()
    try:
        A = net.forward(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < A.nbytes + (3 << 20)       # the output, one chunk's workspace, small change
    np.testing.assert_allclose(A, A_whole, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(net.predict(X), A_whole.argmax(axis=0))
    assert net.cost(X, y) == pytest.approx(J_whole, rel=1e-12)


def test_a_large_call_leaves_no_large_workspace_behind(monkeypatch):
    monkeypatch.setattr(network, "WORKSPACE_BYTES", 1 << 20)
    net = ff.Network([64, 32, 10], cost="categorical_cross_entropy", seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 5000)), rng.integers(0, 10, 5000)
    net.gradients(X, y)                       # needs every example's Z, A, dZ, dA at once
    assert net.runner.workspace_cache is None
    net.fit(X[:, :256], y[:256], epochs=1, batch_size=32, verbose=False)
    assert net.runner.workspace_cache is not None   # a training batch's workspace is kept


def test_evaluate_is_cost_and_forward_in_one_pass(backend, monkeypatch):
    net = ff.Network([64, 32, 10], cost="categorical_cross_entropy", backend=backend, seed=0,
                     l2=0.5)
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((64, 3000)), rng.integers(0, 10, 3000)
    for budget in (network.WORKSPACE_BYTES, 1 << 20):        # one chunk, then several
        monkeypatch.setattr(network, "WORKSPACE_BYTES", budget)
        J, A = net.evaluate(X, y)
        assert J == pytest.approx(net.cost(X, y), rel=1e-12)
        np.testing.assert_allclose(A, net.forward(X), rtol=1e-12, atol=1e-15)


def test_engine_arguments_refuse_what_is_not_an_optimizer():
    with pytest.raises(TypeError, match="optimizer must be an optimizer object"):
        _net().engine_arguments(8, "adam")
    with pytest.raises(TypeError, match="m must be an integer"):
        _net().engine_arguments(8.0)
