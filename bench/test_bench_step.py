"""One whole training step per backend (loops and numpy, core and public ``net.step``; torch
and jax where installed, skipped with the reason otherwise), per size and dtype: the figures
``ffnn-numba bench`` reports, under pytest-benchmark.

    python -m pytest bench/test_bench_step.py --benchmark-group-by=group
"""
import pytest
from conftest import DTYPES, skip_missing

from ffnn_numba.bench import SIZES, STEP_BACKENDS, Step


@pytest.mark.benchmark(max_time=0.5, min_rounds=5)
@pytest.mark.parametrize("backend", [*STEP_BACKENDS, "loops-public", "numpy-public"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", SIZES)
def test_train_step(run, benchmark, size, dtype, backend):
    skip_missing(backend)
    benchmark.group = f"train step {size} {dtype}"
    name, _, public = backend.partition("-")
    step = Step(size, DTYPES[dtype], name, public=bool(public))
    # JAX computes asynchronously: wait for each step, so that every one is counted.
    run(lambda: getattr(step(), "block_until_ready", lambda: None)())
