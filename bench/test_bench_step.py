"""One whole training step per backend (loops, numpy, and torch when installed), per size
and dtype: the figures ``ffnn-numba bench`` reports, under pytest-benchmark.

    python -m pytest bench/test_bench_step.py --benchmark-group-by=group
"""
import pytest
from conftest import DTYPES

from ffnn_numba.bench import SIZES, Step, has_torch

BACKENDS = ["loops", "numpy"] + (["torch"] if has_torch() else [])


@pytest.mark.benchmark(max_time=0.5, min_rounds=5)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", SIZES)
def test_train_step(run, benchmark, size, dtype, backend):
    benchmark.group = f"train step {size} {dtype}"
    run(Step(size, DTYPES[dtype], backend))
