"""Compile the loops backend's kernels ahead of time (``ffnn-numba compile``), so that the
first ``fit`` of every later process loads them from the on-disk cache.

Numba compiles under one lock per process, so each dtype compiles in a process of its own,
all at once: on two cores, both dtypes take about as long as one.
"""
import os
import subprocess
import sys
import time

import numpy as np

from .kernels import calls
from .network import Network

DTYPES = ("float64", "float32")

# Below and above ``kernels.step.BLOCKED_MIN_WORK`` in every layer: the two product paths.
_NETWORKS = (([2, 16, 3], 8), ([256, 128, 3], 128))


def warm_up(dtype_name):
    """Compile (or load from the cache) every kernel the loops backend runs for one dtype:
    ``fit``, ``step``, ``gradients``, ``forward``/``predict`` and ``evaluate``, on a network
    below and one above the blocked products' threshold, and every activation, cost and
    update kernel the networks' kernel tables may call."""
    calls.compile_every_kernel(np.dtype(dtype_name))
    rng = np.random.default_rng(0)
    for sizes, m in _NETWORKS:
        X, y = rng.standard_normal((sizes[0], m)), rng.integers(0, sizes[-1], m)
        net = Network(sizes, ["relu", "softmax"], "categorical_cross_entropy",
                      dtype=np.dtype(dtype_name).type, seed=0)
        net.fit(X, y, epochs=1, batch_size=m, verbose=False)
        net.step(X, y)
        net.gradients(X, y)
        net.evaluate(X, y)
        net.predict(X)


def compile_dtypes(dtype_names, log=print):
    """Run ``warm_up`` for each dtype in a process of its own, all at once; returns
    {dtype: seconds} and raises RuntimeError, with the process's error, if one fails."""
    if not dtype_names or any(name not in DTYPES for name in dtype_names) \
            or len(set(dtype_names)) != len(dtype_names):
        raise ValueError(f"expected distinct comma-separated dtypes from {', '.join(DTYPES)}; "
                         f"got {','.join(dtype_names)!r}")
    start = time.perf_counter()
    script = ("import sys, time; t = time.perf_counter(); from ffnn_numba.warmup import "
              "warm_up; warm_up(sys.argv[1]); print('SECONDS', time.perf_counter() - t)")
    env = dict(os.environ)
    env.pop("FFNN_NUMBA_CACHE", None)   # the point is to fill the cache
    running = {name: subprocess.Popen([sys.executable, "-c", script, name], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in dtype_names}
    seconds = {}
    for name, process in running.items():
        out, err = process.communicate()
        lines = [line for line in out.splitlines() if line.startswith("SECONDS ")]
        if process.returncode or not lines:
            raise RuntimeError(f"compiling the {name} kernels failed (exit "
                               f"{process.returncode}): {err.strip()[-2000:]}")
        seconds[name] = float(lines[-1].split()[1])
        log(f"  {name}: ready in {seconds[name]:.1f} s")
    log(f"kernels ready for {', '.join(dtype_names)} in {time.perf_counter() - start:.1f} s "
        f"({len(dtype_names)} processes at once)")
    return seconds
