"""One training step, Numba loops beside vectorized NumPy, at the issue's sizes.

Run on purpose (the normal test run does not collect bench/):

    python -m pytest bench --benchmark-group-by=param:size,param:dtype

Each case compiles and warms up before pytest-benchmark starts timing.
"""
import numpy as np
import pytest

import ffnn_numba as ff

SIZES = {
    "tiny": ([2, 16, 16, 1], 32),
    "small": ([64, 32, 10], 64),
    "medium": ([784, 128, 64, 10], 128),
}


@pytest.mark.parametrize("backend", ["loops", "numpy"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("size", SIZES)
def test_train_step(benchmark, size, dtype, backend):
    sizes, m = SIZES[size]
    rng = np.random.default_rng(0)
    n_output = sizes[-1]
    cost = "binary_cross_entropy" if n_output == 1 else "categorical_cross_entropy"
    net = ff.Network(sizes, cost=cost, backend=backend, dtype=dtype, seed=0)
    X = rng.standard_normal((sizes[0], m))
    y = rng.integers(0, max(n_output, 2), m)
    net.step(X, y, learning_rate=1e-3)  # compile or load the kernels outside the timing
    benchmark(net.step, X, y, 1e-3)
