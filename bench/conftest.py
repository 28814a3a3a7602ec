"""Shared pieces of the benchmark suites.

Run them with ``python -m pytest bench`` (the normal test run does not collect bench/).
Every case calls its function once before timing, so compilation never lands in a timing;
that first call's time is kept as ``extra_info["first_call_seconds"]``.
"""
import contextlib
import time

import numpy as np
import pytest

from ffnn_numba.bench import peers
from ffnn_numba.bench import SIZES

DTYPES = {"float64": np.float64, "float32": np.float32}

# The widest layer of each network size: (n^[l], n^[l-1], m).
LAYERS = {size: max(((n, n_prev, m) for n_prev, n in zip(sizes[:-1], sizes[1:])),
                    key=lambda s: s[0] * s[1])
          for size, (sizes, m) in SIZES.items()}


@pytest.fixture
def run(benchmark):
    """``run(function, *args)``: warm up, note the first call's time, then benchmark."""
    def timed(function, *args):
        start = time.perf_counter()
        function(*args)
        benchmark.extra_info["first_call_seconds"] = time.perf_counter() - start
        return benchmark(function, *args)
    return timed


@pytest.fixture(autouse=True, scope="session")
def jax_float64():
    """JAX computes float64 inside ``peer_jax.x64()`` only (see there); every case runs in it."""
    if peers.missing("jax"):
        context = contextlib.nullcontext()
    else:
        from ffnn_numba.bench.peer_jax import x64
        context = x64()
    with context:
        yield


def skip_missing(name):
    """Skip the case, with the reason, where the peer ``name`` is not installed."""
    if name in peers.MODULES and peers.missing(name):
        pytest.skip(peers.missing(name))
