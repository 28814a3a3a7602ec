"""Where the time of a parallel grid search goes: GridSearchCV on the bundled digits.

    python bench/grid_search.py [--max-iter 30] [--repeats 3] [--no-dask] [--env default ...]
                                [--grid test|wider]

The search of tests/test_parallel_search.py at bench size: 4 configurations
(hidden_layer_sizes (16,), (32,) x alpha 1e-4, 1e-1; ``--grid wider``: (32,), (64,) x 1e-4,
1e-3), 3 folds, batch_size 32, adam,
max_iter epochs (every epoch runs: n_iter_no_change = max_iter), refit on all the data.
Timed for ffnn-numba's MLPClassifier and scikit-learn's own, serially (n_jobs=1) and in two
joblib/loky worker processes (n_jobs=2): "cold" starts the workers (the executor is shut down
first), "warm" reuses the workers of the call before; and on two threads of this process
(joblib's threading backend: the kernels release the GIL). With dask installed, also on a local
Dask cluster of two worker processes with one task thread each (Dask sets OMP_NUM_THREADS=1
in its workers but not NUMBA_NUM_THREADS: each has cpu_count Numba threads).

The whole measurement runs once per environment in a fresh interpreter: as inherited
(``default``), with ``OMP_WAIT_POLICY=PASSIVE`` (OpenMP threads sleep at once after a
parallel region instead of spinning first), and both again with Numba's OpenMP threading
layer forced: where the tbb package is installed Numba's default layer is TBB, which
OMP_WAIT_POLICY does not touch. ``--env`` picks some of them.

Columns: ``wall`` the search's wall-clock time (median of the repeats); ``Σ fit`` and
``Σ score`` the fit and scoring times of the 12 cross-validation fits as GridSearchCV
records them, wherever they ran, added up; ``refit`` the final fit on all the data, in this
process. With 2 workers the ideal wall time is (Σ fit + Σ score) / 2 + refit; the rest is
overhead, taken apart below the table twice: a timeline of a cold n_jobs=2 search (when
each worker's first fit starts, how long it takes, how long later fits take), and what a
fresh loky worker spends, step by step, before its first fit can start (process start,
imports, the Numba thread pool, loading the kernels from the on-disk cache).

To time a fixed version of the library while its tree is being edited, put an exported copy
first on the path (PYTHONPATH); the workers inherit it.
"""
import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

# "test": the grid of tests/test_parallel_search.py; "wider": the one issue 24 measured.
GRIDS = {"test": {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-1]},
         "wider": {"hidden_layer_sizes": [(32,), (64,)], "alpha": [1e-4, 1e-3]}}
GRID = GRIDS["test"]
ENVIRONMENTS = {
    "default": {},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "NUMBA_THREADING_LAYER=omp": {"NUMBA_THREADING_LAYER": "omp"},
    "NUMBA_THREADING_LAYER=omp OMP_WAIT_POLICY=PASSIVE": {"NUMBA_THREADING_LAYER": "omp",
                                                          "OMP_WAIT_POLICY": "PASSIVE"},
}


def data():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def estimator(kind, max_iter):
    settings = dict(max_iter=max_iter, n_iter_no_change=max_iter, batch_size=32,
                    random_state=0)
    if kind == "ffnn":
        from ffnn_numba.sklearn import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    return MLPClassifier(**settings)


def search(kind, max_iter, n_jobs, X, y, backend=None):
    """One timed GridSearchCV (on a joblib backend where named); its wall time and the
    per-fit times it recorded."""
    import joblib
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV
    grid = GridSearchCV(estimator(kind, max_iter), GRID, cv=3, n_jobs=n_jobs)
    chosen = joblib.parallel_config(backend=backend) if backend else contextlib.nullcontext()
    with warnings.catch_warnings(), chosen:
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        grid.fit(X, y)
        wall = time.perf_counter() - start
    r = grid.cv_results_
    return {"wall": wall, "fit": float(r["mean_fit_time"].sum() * 3),
            "score": float(r["mean_score_time"].sum() * 3), "refit": grid.refit_time_,
            "best": grid.best_score_}


def stop_loky_workers():
    """Shut down joblib's reusable loky executor, so the next n_jobs=2 call starts cold."""
    from joblib.externals.loky import reusable_executor
    executor = reusable_executor._executor
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


def worker_profile(submitted, max_iter):
    """Run as the first task of a fresh loky worker: time each thing it does before a fit
    of the search can run, then one such fit (sent by value: it lives in __main__)."""
    started = time.time()
    out = {"start": started - submitted}
    t = time.perf_counter()
    import sklearn.model_selection  # noqa: F401  (what unpickling a search task imports)
    import sklearn.neural_network  # noqa: F401
    out["import sklearn"] = time.perf_counter() - t
    t = time.perf_counter()
    import numba
    out["import numba"] = time.perf_counter() - t
    t = time.perf_counter()
    import ffnn_numba.sklearn  # noqa: F401  (digest of the kernel sources, dispatchers)
    from ffnn_numba import kernels
    out["import ffnn_numba"] = time.perf_counter() - t
    t = time.perf_counter()
    from numba.np.ufunc.parallel import _launch_threads
    _launch_threads()
    out["thread pool"] = time.perf_counter() - t
    import numpy as np
    rng = np.random.default_rng(0)
    Xt, yt = rng.standard_normal((64, 8)), rng.integers(0, 3, 64)
    tiny = ffnn_numba.sklearn.MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, batch_size=32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        tiny.fit(Xt, yt).predict(Xt)
        first = time.perf_counter() - t
        t = time.perf_counter()
        tiny.fit(Xt, yt).predict(Xt)
        second = time.perf_counter() - t
        out["kernel cache load"] = first - second
        out["cache hits/misses"] = [kernels.train_epoch.stats.cache_hits.total(),
                                    kernels.train_epoch.stats.cache_misses.total()]
        X, y = data()
        model = estimator("ffnn", max_iter).set_params(hidden_layer_sizes=(32,))
        t = time.perf_counter()
        model.fit(X[:1198], y[:1198])
        out["one fit (32,)"] = time.perf_counter() - t
    out["NUMBA_NUM_THREADS"] = str(numba.config.NUMBA_NUM_THREADS)
    out["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS")
    out["threading layer"] = numba.threading_layer()
    return out


def timeline(max_iter, X, y):
    """A cold n_jobs=2 search whose fits write (process, start, end) to a log: when each
    worker's first fit starts, how long first and later fits take, and what comes after."""
    import tempfile
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV
    from ffnn_numba.sklearn import MLPClassifier

    class Logged(MLPClassifier):
        def fit(self, X, y):
            start = time.time()
            super().fit(X, y)
            with open(self.log_path, "a") as log:
                log.write(f"{os.getpid()} {start} {time.time()}\n")
            return self

    with tempfile.TemporaryDirectory() as folder:
        Logged.log_path = os.path.join(folder, "fits")
        model = Logged(max_iter=max_iter, n_iter_no_change=max_iter, batch_size=32,
                       random_state=0)
        stop_loky_workers()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            begin = time.time()
            grid = GridSearchCV(model, GRID, cv=3, n_jobs=2).fit(X, y)
            end = time.time()
        with open(Logged.log_path) as log:
            fits = [(int(p), float(a) - begin, float(b) - begin)
                    for p, a, b in (line.split() for line in log)]
    me = os.getpid()
    workers = {}
    for pid, a, b in fits:
        if pid != me:
            workers.setdefault(pid, []).append((a, b))
    first_starts = [min(f)[0] for f in workers.values()]
    first_fits = [min(f)[1] - min(f)[0] for f in workers.values()]
    later = [b - a for f in workers.values() for a, b in sorted(f)[1:]]
    last_end = max(b for f in workers.values() for _, b in f)
    return {"wall": end - begin, "first fit starts": statistics.median(first_starts),
            "first fit": statistics.median(first_fits), "later fit": statistics.median(later),
            "fits per worker": statistics.median(len(f) for f in workers.values()),
            "last fit ends": last_end, "refit": grid.refit_time_}


def measure(args):
    """The child: one round of every measurement in this interpreter's environment, printed
    as JSON on stdout."""
    t = time.perf_counter()
    import numba
    from joblib import Parallel, delayed
    from ffnn_numba import kernels
    X, y = data()
    imported = time.perf_counter() - t
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        estimator("ffnn", 1).fit(X[:100], y[:100]).score(X[:100], y[:100])
    main = {"import": imported, "first fit": time.perf_counter() - t,
            "cache misses": kernels.train_epoch.stats.cache_misses.total(),
            "threads": numba.get_num_threads(), "layer": numba.threading_layer()}
    runs = {}
    threads = numba.get_num_threads()
    runs["ffnn-numba  n_jobs=1"] = search("ffnn", args.max_iter, 1, X, y)
    numba.set_num_threads(1)
    runs["ffnn-numba  n_jobs=1, 1 thread"] = search("ffnn", args.max_iter, 1, X, y)
    numba.set_num_threads(threads)
    stop_loky_workers()
    runs["ffnn-numba  n_jobs=2 cold"] = search("ffnn", args.max_iter, 2, X, y)
    runs["ffnn-numba  n_jobs=2 warm"] = search("ffnn", args.max_iter, 2, X, y)
    stop_loky_workers()
    runs["ffnn-numba  n_jobs=2 threads"] = search("ffnn", args.max_iter, 2, X, y, "threading")
    runs["scikit-learn n_jobs=1"] = search("sklearn", args.max_iter, 1, X, y)
    stop_loky_workers()
    runs["scikit-learn n_jobs=2 cold"] = search("sklearn", args.max_iter, 2, X, y)
    runs["scikit-learn n_jobs=2 warm"] = search("sklearn", args.max_iter, 2, X, y)
    cold = timeline(args.max_iter, X, y)
    stop_loky_workers()
    profiles = Parallel(n_jobs=2)(delayed(worker_profile)(time.time(), args.max_iter)
                                  for _ in range(2))
    stop_loky_workers()
    dask = measure_dask(args, X, y) if args.dask else None
    if dask:
        runs["ffnn-numba  dask cold"] = dask.pop("cold")
        runs["ffnn-numba  dask warm"] = dask.pop("warm")
    print(json.dumps({"main": main, "runs": runs, "profiles": profiles, "dask": dask,
                      "timeline": cold}))


def measure_dask(args, X, y):
    try:
        import joblib
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return None
    t = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        out = {"cluster start": time.perf_counter() - t}
        with joblib.parallel_backend("dask"):
            out["cold"] = search("ffnn", args.max_iter, None, X, y)
            out["warm"] = search("ffnn", args.max_iter, None, X, y)
        out["worker threads"] = list(client.run(
            lambda: __import__("numba").get_num_threads()).values())
    return out


def median(records):
    """Key by key, the median of numbers and the first value of anything else."""
    return {key: statistics.median(r[key] for r in records)
            if isinstance(records[0][key], (int, float)) else records[0][key]
            for key in records[0]}


def report(env, rounds):
    main = median([r["main"] for r in rounds])
    print(f"\n## {env}\n")
    print(f"this process: import {main['import']:.2f} s, first fit {main['first fit']:.2f} s "
          f"(kernel cache misses {main['cache misses']}), {main['threads']} Numba threads "
          f"({main['layer']})\n")
    print(f"{'search':<32} {'wall':>7} {'Σ fit':>7} {'Σ score':>8} {'refit':>6} "
          f"{'ideal':>6} {'best':>7}")
    for name in rounds[0]["runs"]:
        r = median([one["runs"][name] for one in rounds])
        workers = 1 if "n_jobs=1" in name else 2
        ideal = (r["fit"] + r["score"]) / workers + r["refit"]
        print(f"{name:<32} {r['wall']:>6.2f}s {r['fit']:>6.2f}s {r['score']:>7.2f}s "
              f"{r['refit']:>5.2f}s {ideal:>5.2f}s {r['best']:>7.4f}")
    if rounds[0]["dask"]:
        dask = median([r["dask"] for r in rounds])
        print(f"\ndask: cluster start {dask['cluster start']:.2f} s, Numba threads per "
              f"worker {dask['worker threads']}")
    cold = median([r["timeline"] for r in rounds])
    serial = median([r["runs"]["ffnn-numba  n_jobs=1"] for r in rounds])
    print(f"\nffnn-numba n_jobs=2 cold, timeline of its fits (a logging subclass; seconds "
          f"from the call):\n"
          f"  a worker's first fit starts at {cold['first fit starts']:.2f} s (process start, "
          f"imports, unpickling)\n"
          f"  first fit in a worker {cold['first fit']:.3f} s (kernels loaded from the cache), "
          f"later fits {cold['later fit']:.3f} s each, {cold['fits per worker']:.0f} per worker; "
          f"in this process one fit takes {serial['fit'] / 12:.3f} s\n"
          f"  last fit ends at {cold['last fit ends']:.2f} s; refit {cold['refit']:.2f} s; "
          f"search returns at {cold['wall']:.2f} s")
    profile = median([p for r in rounds for p in r["profiles"]])
    print("\nfresh loky worker (n_jobs=2; median over workers and rounds):")
    for key, value in profile.items():
        shown = f"{value:>7.3f} s" if isinstance(value, float) else str(value)
        print(f"  {key:<20} {shown}")
    before = sum(profile[k] for k in ("start", "import sklearn", "import numba",
                                      "import ffnn_numba", "thread pool", "kernel cache load"))
    print(f"  {'before the 1st fit':<20} {before:>7.3f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--grid", choices=list(GRIDS), default="test")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-dask", dest="dask", action="store_false")
    parser.add_argument("--env", choices=list(ENVIRONMENTS), action="append")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global GRID
    GRID = GRIDS[args.grid]
    if args.child:
        return measure(args)
    envs = args.env or list(ENVIRONMENTS)
    print(f"GridSearchCV, digits (1797 x 64, standardized), grid {args.grid} {GRID}, 3 folds, "
          f"max_iter {args.max_iter}, batch 32, adam; {os.cpu_count()} CPUs; median of "
          f"{args.repeats} rounds, the environments taking turns")
    forwarded = (["--max-iter", str(args.max_iter), "--grid", args.grid]
                 + ([] if args.dask else ["--no-dask"]))
    rounds = {env: [] for env in envs}
    for _ in range(args.repeats):
        for env in envs:  # in turns, so that a passing disturbance falls on all of them
            done = subprocess.run([sys.executable, __file__, "--child", *forwarded],
                                  env={**os.environ, **ENVIRONMENTS[env]}, check=True,
                                  stdout=subprocess.PIPE, text=True)
            rounds[env].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for env in envs:
        report(env, rounds[env])


if __name__ == "__main__":
    main()
