"""The library under real conditions: several threads, Ctrl-C, and backends that agree on
any CPU (the agreement bound, not a fixed threshold)."""
import signal
import threading
import time
import _thread

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba.teach import checks


def _problem(sizes, m, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((sizes[0], m)), rng.integers(0, sizes[-1], m)


def _run_in_threads(functions):
    """Start every function at once, in its own thread; return their results in order."""
    results, errors = [None] * len(functions), []
    start = threading.Barrier(len(functions))

    def run(index, function):
        try:
            start.wait()
            results[index] = function()
        except BaseException as exc:  # noqa: B902 - reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_one_network_from_many_threads_gives_the_serial_answers(backend):
    net = ff.Network([8, 32, 32, 4], cost="categorical_cross_entropy", backend=backend, seed=0)
    inputs = [_problem([8, 4], m, seed) for seed, m in enumerate([5, 64, 17, 128] * 3)]
    expected = [(net.forward(X), net.gradients(X, y)["dW1"]) for X, y in inputs]
    got = _run_in_threads([lambda X=X, y=y: (net.forward(X), net.gradients(X, y)["dW1"])
                           for X, y in inputs])
    for (A, dW1), (A_ref, dW1_ref) in zip(got, expected):
        np.testing.assert_array_equal(A, A_ref)
        np.testing.assert_array_equal(dW1, dW1_ref)


def test_fit_beside_step_on_one_network_leaves_it_consistent(backend):
    """A step from another thread waits for the fit (the network's lock) instead of
    computing in the buffers the fit is using."""
    X, y = _problem([4, 3], 256)
    net = ff.Network([4, 16, 3], cost="categorical_cross_entropy", backend=backend, seed=0)
    twin = ff.Network([4, 16, 3], cost="categorical_cross_entropy", backend=backend, seed=0)
    _run_in_threads([lambda: net.fit(X, y, epochs=20, batch_size=16, seed=0, verbose=False)]
                    + [lambda: net.step(X[:, :8], y[:8]) for _ in range(5)])
    assert all(np.isfinite(v).all() for v in net.params.values())
    # Serialised, the result is the fit and the five steps in some order: the cost must be
    # near the cost the fit alone reaches, not garbage.
    twin.fit(X, y, epochs=20, batch_size=16, seed=0, verbose=False)
    assert abs(net.cost(X, y) - twin.cost(X, y)) < 0.1


def test_two_networks_in_two_threads_compute_independently(backend):
    nets = [ff.Network([16, 64, 4], cost="categorical_cross_entropy", backend=backend, seed=s)
            for s in (0, 1)]
    twins = [ff.Network([16, 64, 4], cost="categorical_cross_entropy", backend=backend, seed=s)
             for s in (0, 1)]
    X, y = _problem([16, 4], 512)
    fits = dict(epochs=3, batch_size=32, seed=0, verbose=False)
    _run_in_threads([lambda n=n: n.fit(X, y, **fits) for n in nets])
    for net, twin in zip(nets, twins):
        twin.fit(X, y, **fits)
        for key in net.params:
            np.testing.assert_array_equal(net.params[key], twin.params[key])


def test_a_network_with_its_lock_pickles_and_copies():
    import copy
    import pickle
    net = ff.Network([2, 3, 1], cost="binary_cross_entropy", seed=0)
    for clone in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        X = np.ones((2, 4))
        np.testing.assert_array_equal(clone.forward(X), net.forward(X))


def test_ctrl_c_stops_a_fit_after_a_completed_update(backend):
    """KeyboardInterrupt reaches a long compiled fit between calls of bounded work; the
    network is left finite and usable."""
    net = ff.Network([256, 256, 256, 10], cost="categorical_cross_entropy", backend=backend,
                     seed=0)
    X, y = _problem([256, 10], 4096)
    seen = []
    deadline = time.perf_counter() + 120

    def record(net, epoch, history):
        seen.append(epoch)
        if time.perf_counter() > deadline:   # fail, never hang CI
            pytest.fail("no KeyboardInterrupt reached fit within 120 s")

    # Python's own Ctrl-C handling, whatever an earlier test's library (in the full suite,
    # one of the Dask, loky, browser or JAX machinery) left installed; and Ctrl-C pressed
    # again every half second, as a user would, in case one lands in a finalizer, where
    # Python swallows it as "unraisable".
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    landed = threading.Event()

    def ctrl_c_until_it_lands():
        while not landed.wait(0.5):
            _thread.interrupt_main()

    presser = threading.Thread(target=ctrl_c_until_it_lands, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            net.fit(X, y, epochs=10_000, batch_size=64, seed=0, verbose=False,
                    callbacks=[record])
    finally:
        landed.set()
        presser.join()
        signal.signal(signal.SIGINT, previous)
    assert len(seen) < 10_000
    assert all(np.isfinite(v).all() for v in net.params.values())
    assert np.isfinite(net.cost(X, y))
    net.fit(X[:, :64], y[:64], epochs=1, verbose=False)   # still usable


def test_an_epoch_is_split_into_calls_of_bounded_work():
    from ffnn_numba.layout import make_layers, multiply_adds
    from ffnn_numba.fitting import WORK_PER_CALL, batches_per_call
    big = make_layers([1024, 1024, 1024, 10], [0, 0, 0])
    tiny = make_layers([2, 16, 16, 1], [0, 0, 0])
    assert batches_per_call(big, 256) == 1                     # one big batch is one call
    assert batches_per_call(tiny, 32) * multiply_adds(tiny, 32) <= WORK_PER_CALL
    assert batches_per_call(tiny, 32) > 1000


@pytest.mark.parametrize("sizes, m", [([2, 16, 16, 1], 32), ([64, 32, 10], 64),
                                      ([784, 128, 64, 10], 128)])
def test_backends_agree_on_one_step_within_the_rounding_bound(sizes, m, dtype):
    cost = "binary_cross_entropy" if sizes[-1] == 1 else "categorical_cross_entropy"
    net = ff.Network(sizes, cost=cost, dtype=dtype, seed=0)
    X, y = _problem([sizes[0], max(2, sizes[-1])], m)
    difference, tolerance = checks.backend_agreement(net, X, y)
    assert tolerance == checks.agreement_tolerance(sizes, m, dtype)
    assert difference <= tolerance


def test_agreement_tolerance_grows_with_the_sums_and_the_precision():
    t = checks.agreement_tolerance
    assert t([2, 64, 64, 3], 32, np.float64) == 8 * 3 * 64 * np.finfo(np.float64).eps
    assert t([2, 64, 64, 3], 512, np.float64) == 8 * t([2, 64, 64, 3], 64, np.float64)
    assert t([2, 3], 4, np.float32) > 1e8 * t([2, 3], 4, np.float64)


def test_agreement_catches_a_real_disagreement(monkeypatch):
    """A backend off by one part in 1e9 (far below any training curve's resolution) fails."""
    from ffnn_numba import runner as network
    from ffnn_numba.vectorized import step as vectorized_step

    class SlightlyWrong:
        def __getattr__(self, name):
            return getattr(vectorized_step, name)

        def backward_propagation(self, b, *args):
            vectorized_step.backward_propagation(b, *args)
            b.grad[...] *= 1 + 1e-9

    monkeypatch.setitem(network.ENGINES, "loops", SlightlyWrong())
    net = ff.Network([4, 8, 3], cost="categorical_cross_entropy", seed=0)
    difference, tolerance = checks.backend_agreement(net, *_problem([4, 3], 16))
    assert difference > 1e3 * tolerance


def test_the_loops_run_on_a_pool_that_survives_a_busy_machine():
    """oneTBB where installed (its idle threads sleep): OpenMP's spinning waits lost a time
    slice per parallel region on a busy machine."""
    import importlib.util
    import os

    import numba
    net = ff.Network([512, 512, 2], cost="categorical_cross_entropy", seed=0)
    net.gradients(*_problem([512, 2], 512))        # runs a parallel region
    if os.environ.get("NUMBA_THREADING_LAYER", "default") == "default" and (
            importlib.util.find_spec("tbb") is not None):
        assert numba.threading_layer() == "tbb"
    assert numba.threading_layer() in ("tbb", "omp")   # never workqueue: not thread-safe


def test_joblib_workers_share_the_cores():
    joblib = pytest.importorskip("joblib", reason="joblib (with the sklearn extra) is not installed")
    import os

    def threads_in_worker():
        import ffnn_numba
        return ffnn_numba.get_num_threads()

    cores = len(os.sched_getaffinity(0))
    counts = joblib.Parallel(n_jobs=2)(joblib.delayed(threads_in_worker)() for _ in range(2))
    assert counts == [max(1, cores // 2)] * 2


@pytest.mark.parametrize("env, expected", [
    ({"OMP_NUM_THREADS": "1"}, 1),                              # Dask's nanny, batch systems
    ({"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "2"}, 2),    # an explicit choice wins
    ({"OMP_NUM_THREADS": "lots"}, None),                        # not a count: ignored
])
def test_a_process_given_its_share_of_the_cores_keeps_to_it(env, expected):
    import os
    import subprocess
    import sys
    cores = len(os.sched_getaffinity(0))
    if expected is not None and expected > cores:
        pytest.skip(f"needs {expected} cores")
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", "import ffnn_numba; print(ffnn_numba.get_num_threads())"],
                         env={**clean, **env}, capture_output=True, text=True, check=True).stdout
    assert int(out) == (cores if expected is None else expected)


def test_engine_arguments_give_every_update_rule_its_memory():
    net = ff.Network([3, 4, 2], cost="categorical_cross_entropy", seed=0)
    b, p = net.engine_arguments(8, ff.training.Adam())
    assert b.state.shape == (2, len(net.theta)) and p.optimizer == ff.registry.ADAM
    b, p = net.engine_arguments(8)
    assert b.state.shape == (2, 0) and p.optimizer == ff.registry.SGD
    with pytest.raises(ValueError, match=r"state must be a C-contiguous float64 array of shape \(2, 26\)"):
        net.engine_arguments(8, ff.training.Momentum(), np.zeros((2, 5)))
