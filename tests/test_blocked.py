"""The fast forms of the matrix equations against the reference loops of kernels/linear.py."""
import numba
import numpy as np
import pytest
from conftest import assert_close

from ffnn_numba.kernels import blocked, linear

# (n, n_prev, m): edges of the 4 x 4 blocks, 1s, and a product big enough to use threads.
SHAPES = [(1, 1, 1), (3, 5, 2), (4, 4, 4), (5, 9, 7), (13, 6, 1), (1, 17, 6), (67, 130, 35)]


def operands(shape, dtype, seed=0):
    n, n_prev, m = shape
    rng = np.random.default_rng(seed)
    W, A_prev = rng.standard_normal((n, n_prev)), rng.standard_normal((n_prev, m))
    b, dZ = rng.standard_normal((n, 1)), rng.standard_normal((n, m))
    return [x.astype(dtype) for x in (W, A_prev, b, dZ)]


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_forms(shape, dtype):
    W, A_prev, b, _ = operands(shape, dtype)
    n, n_prev, m = shape
    ref, fast, unrolled = (np.full((n, m), np.nan, dtype) for _ in range(3))
    linear.linear_forward(ref, W, A_prev, b)
    blocked.linear_forward_blocked(fast, W, A_prev, b, np.empty((m, n_prev), dtype))
    blocked.linear_forward_unrolled(unrolled, W, A_prev, b)
    assert_close(fast, ref, dtype)
    assert_close(unrolled, ref, dtype)


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_forms(shape, dtype):
    W, A_prev, _, dZ = operands(shape, dtype)
    n, n_prev, m = shape
    dW_ref, dW = np.full((n, n_prev), np.nan, dtype), np.full((n, n_prev), np.nan, dtype)
    linear.weight_gradient(dW_ref, dZ, A_prev)
    blocked.weight_gradient_blocked(dW, dZ, A_prev)
    assert_close(dW, dW_ref, dtype)
    ref, fast, unrolled = (np.full((n_prev, m), np.nan, dtype) for _ in range(3))
    linear.prev_activation_gradient(ref, W, dZ)
    blocked.prev_activation_gradient_blocked(fast, W, dZ, np.empty((n_prev, n), dtype),
                                             np.empty((m, n), dtype))
    blocked.prev_activation_gradient_unrolled(unrolled, W, dZ)
    assert_close(fast, ref, dtype)
    assert_close(unrolled, ref, dtype)


def test_transpose():
    X = np.arange(70 * 45, dtype=np.float64).reshape(70, 45)
    out = np.empty((45, 70))
    blocked.transpose(out, X)
    assert np.array_equal(out, X.T)


def test_threads_do_not_change_results():
    """Row blocks are disjoint and each is summed by one thread: bitwise equal results."""
    W, A_prev, _, dZ = operands((96, 200, 64), np.float64, seed=1)
    assert 96 * 200 * 64 >= blocked.PARALLEL_MIN_WORK
    results = []
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        numba.set_num_threads(threads)
        dW = np.empty((96, 200))
        blocked.weight_gradient_blocked(dW, dZ, A_prev)
        results.append(dW)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert all(np.array_equal(results[0], r) for r in results)
