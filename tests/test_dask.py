"""A grid search on a real Dask cluster finds exactly what a serial search finds, and the
workers load the compiled kernels from the on-disk cache instead of compiling them again.

The cluster is local (two worker processes, each with one task thread, listening on
127.0.0.1 only, no dashboards), but it is the real engine: tasks are pickled, sent over TCP
and run in separate interpreters started by Dask's nannies, which inherit this process's
environment (FFNN_NUMBA_CACHE_DIR among it).
"""
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the sklearn extra (scikit-learn) is not installed",
                    exc_type=ImportError)
distributed = pytest.importorskip("dask.distributed",
                                  reason="the dask extra (dask[distributed]) is not installed",
                                  exc_type=ImportError)
import cloudpickle  # noqa: E402  (a dependency of dask.distributed)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from ffnn_numba import kernels  # noqa: E402
from ffnn_numba.sklearn import MLPClassifier  # noqa: E402

# The search of tests/test_parallel_search.py, on a Dask cluster instead of local processes.
from test_parallel_search import assert_same_search, search  # noqa: E402


def tiny_fit():
    """Train and predict once, with the same argument types (float64, C-ordered) as the
    search: the kernels every fit needs are then compiled, or loaded from the cache."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 5)), rng.integers(0, 3, 60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, batch_size=32,
                      random_state=0).fit(X, y).predict(X)


def worker_report():
    """Run on a worker: whether it had loaded the kernels before (it ran fits of the search),
    then one tiny fit, then the cache statistics of its kernel dispatchers so far."""
    import os
    import sys
    had_kernels = "ffnn_numba.kernels" in sys.modules
    from ffnn_numba import kernels as worker_kernels
    from ffnn_numba.kernels import _jit
    tiny_fit()
    report = {"pid": os.getpid(), "had_kernels": had_kernels, "cache_dir": _jit.CACHE_DIR,
              "numba_threads": __import__("numba").get_num_threads()}
    for name in ("train_epoch", "forward_propagation"):
        stats = getattr(worker_kernels, name).stats
        report[name] = {"hits": stats.cache_hits.total(), "misses": stats.cache_misses.total()}
    return report


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       worker_dashboard_address=None)
    # The functions of this module given to client.run travel by value (their code, not a
    # reference to a test module the workers may not be able to import).
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        with cluster, distributed.Client(cluster) as client:
            client.wait_for_workers(2, timeout=120)
            yield client
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def serial():
    return search()


@pytest.fixture(scope="module")
def warm_cache():
    """Compile (or load) the kernels in this process first, so the disk cache is warm."""
    if kernels.train_epoch.stats.cache_path is None:
        pytest.skip("the kernels have no on-disk cache here (FFNN_NUMBA_CACHE=0, or the "
                    "cache directory is not writable)")
    tiny_fit()


def assert_loaded_from_cache(reports):
    for report in reports.values():
        for name in ("train_epoch", "forward_propagation"):
            stats = report[name]
            assert stats["misses"] == 0, f"worker {report['pid']} compiled {name}: {report}"
            assert stats["hits"] >= 1, f"worker {report['pid']} never loaded {name}: {report}"


def test_fresh_workers_load_the_kernels_from_the_cache(client, warm_cache):
    # client.run calls the function once on every worker, bypassing the scheduler's queue
    reports = client.run(worker_report)
    assert len(reports) == 2
    assert len({r["pid"] for r in reports.values()}) == 2
    assert {r["cache_dir"] for r in reports.values()} == {kernels._jit.CACHE_DIR}
    assert_loaded_from_cache(reports)


def test_dask_search_gives_the_serial_results(client, serial):
    # serial compiled the kernels in this process, or loaded them from the cache, first
    assert_same_search(search(backend="dask"), serial)
    # the fits really ran on the workers, and none of them compiled a kernel
    reports = client.run(worker_report)
    assert any(r["had_kernels"] for r in reports.values()), reports
    if kernels.train_epoch.stats.cache_path is not None:
        assert_loaded_from_cache(reports)

