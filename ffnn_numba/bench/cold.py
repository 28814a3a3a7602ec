"""Cold and warm start (``ffnn-numba bench --cold``): what a new process pays before its first
results, measured in fresh processes.

The first process gets an empty kernel cache (``FFNN_NUMBA_CACHE_DIR``, a new temporary
directory), so its first ``fit`` compiles every kernel it runs, and its first ``gradients``
those that ``fit`` did not need; the second process, started after it with the same cache,
loads them. Each reports the seconds of ``import ffnn_numba``, of the first ``fit`` (one epoch) and of
the first ``gradients``, for two networks (``NETWORKS``): the README's quickstart network on
150 spiral points, and one above the blocked products' threshold (784-128-64-10, batch 128,
on 256 random examples). The figures are single measurements (a process can be cold only
once), not medians.
"""
import os
import subprocess
import sys
import tempfile
import time

# Targets of issues 12 and 27: first fit + first gradients, in seconds, from an empty cache
# (for each network) and from a warm one.
WARM_TARGET = 0.5
# name: (layers, batch size, examples, cold target)
NETWORKS = {"quickstart": ([2, 64, 64, 3], 32, 150, 10.0),
            "784-128-64-10": ([784, 128, 64, 10], 128, 256, 15.0)}

_SCRIPT = """
import time
start = time.perf_counter()
import numpy as np
import ffnn_numba as ff
imported = time.perf_counter()
layers, batch_size, m = {layers}, {batch_size}, {m}
if layers[0] == 2:
    X, y = ff.datasets.make_spirals(n_per_class=m // 3, seed=0)
else:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((layers[0], m)), rng.integers(0, layers[-1], m)
net = ff.Network(layers, ["relu", "relu", "softmax"], "categorical_cross_entropy",
                 dtype=np.{dtype}, seed=0)
net.fit(X, y, epochs=1, batch_size=batch_size, verbose=False)
fitted = time.perf_counter()
net.gradients(X, y)
done = time.perf_counter()
print("FIGURES", imported - start, fitted - imported, done - fitted)
"""


def start_times(dtype_name, cache_dir, network="quickstart"):
    """{"import", "fit", "gradients", "process"} seconds of a fresh process whose kernel cache
    is ``cache_dir``, on one of ``NETWORKS`` ("process": the whole run, interpreter start-up
    included)."""
    layers, batch_size, m, _ = NETWORKS[network]
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=str(cache_dir))
    env.pop("FFNN_NUMBA_CACHE", None)   # the cache on, whatever the caller's setting
    start = time.perf_counter()
    script = _SCRIPT.format(dtype=dtype_name, layers=layers, batch_size=batch_size, m=m)
    done = subprocess.run([sys.executable, "-c", script], env=env,
                          capture_output=True, text=True)
    process = time.perf_counter() - start
    figures = [line for line in done.stdout.splitlines() if line.startswith("FIGURES ")]
    if done.returncode or not figures:
        raise RuntimeError(f"the start-up process failed (exit {done.returncode}): "
                           f"{done.stderr.strip()[-2000:]}")
    imported, fit, gradients = (float(x) for x in figures[-1].split()[1:])
    return {"import": imported, "fit": fit, "gradients": gradients, "process": process}


def run(dtype_name="float64", log=print):
    """For each of ``NETWORKS``, cold start (an empty cache of its own), then warm start (the
    cache the cold one filled), each in a fresh process: {"dtype", "networks": [{"name",
    "layers", "batch_size", "examples", "target", "cold": start_times, "warm": start_times}]}."""
    networks = []
    for name, (layers, batch_size, m, target) in NETWORKS.items():
        with tempfile.TemporaryDirectory(prefix="ffnn-numba-cold-") as cache:
            log(f"  cold start ({name}, {dtype_name}, empty kernel cache: compiles) ...")
            cold = start_times(dtype_name, cache, name)
            log(f"  warm start ({name}, {dtype_name}, the same cache) ...")
            warm = start_times(dtype_name, cache, name)
        networks.append({"name": name, "layers": layers, "batch_size": batch_size,
                         "examples": m, "target": target, "cold": cold, "warm": warm})
    return {"dtype": dtype_name, "networks": networks}
