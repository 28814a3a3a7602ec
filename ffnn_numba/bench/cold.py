"""Cold and warm start (``ffnn-numba bench --cold``): what a new process pays before its first
results, measured in fresh processes.

The first process gets an empty kernel cache (``FFNN_NUMBA_CACHE_DIR``, a new temporary
directory), so its first ``fit`` compiles every kernel it runs, and its first ``gradients``
those that ``fit`` did not need; the second process, started after it with the same cache,
loads them. Each reports the seconds of ``import ffnn_numba``, of the first ``fit`` (one epoch
of the demo's network on 150 spiral points) and of the first ``gradients``. The figures are
single measurements (a process can be cold only once), not medians.
"""
import os
import subprocess
import sys
import tempfile
import time

# Targets of issue 12, item 5: first fit + first gradients, in seconds.
COLD_TARGET, WARM_TARGET = 10.0, 0.5

_SCRIPT = """
import time
start = time.perf_counter()
import numpy as np
import ffnn_numba as ff
imported = time.perf_counter()
X, y = ff.datasets.make_spirals(n_per_class=50, seed=0)
net = ff.Network([2, 64, 64, 3], ["relu", "relu", "softmax"], "categorical_cross_entropy",
                 dtype=np.{dtype}, seed=0)
net.fit(X, y, epochs=1, batch_size=32, verbose=False)
fitted = time.perf_counter()
net.gradients(X, y)
done = time.perf_counter()
print("FIGURES", imported - start, fitted - imported, done - fitted)
"""


def start_times(dtype_name, cache_dir):
    """{"import", "fit", "gradients", "process"} seconds of a fresh process whose kernel cache
    is ``cache_dir`` ("process": the whole run, interpreter start-up included)."""
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=str(cache_dir))
    env.pop("FFNN_NUMBA_CACHE", None)   # the cache on, whatever the caller's setting
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _SCRIPT.format(dtype=dtype_name)], env=env,
                          capture_output=True, text=True)
    process = time.perf_counter() - start
    figures = [line for line in done.stdout.splitlines() if line.startswith("FIGURES ")]
    if done.returncode or not figures:
        raise RuntimeError(f"the start-up process failed (exit {done.returncode}): "
                           f"{done.stderr.strip()[-2000:]}")
    imported, fit, gradients = (float(x) for x in figures[-1].split()[1:])
    return {"import": imported, "fit": fit, "gradients": gradients, "process": process}


def run(dtype_name="float64", log=print):
    """Cold start (empty cache), then warm start (the cache the cold one filled), each in a
    fresh process: {"dtype", "cold": start_times, "warm": start_times}."""
    with tempfile.TemporaryDirectory(prefix="ffnn-numba-cold-") as cache:
        log(f"  cold start ({dtype_name}, empty kernel cache: compiles) ...")
        cold = start_times(dtype_name, cache)
        log(f"  warm start ({dtype_name}, the same cache) ...")
        warm = start_times(dtype_name, cache)
    return {"dtype": dtype_name, "cold": cold, "warm": warm}
