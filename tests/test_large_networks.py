"""The path the benchmarks sell: networks whose products are above the blocked-form and
threading thresholds, through ``gradients`` (with dJ/dX), ``step`` and ``fit``, against the
naive einsum reference. Sizes are not multiples of any register block, tile or panel."""
import naive
import numpy as np
import pytest
from conftest import assert_close

import ffnn_numba as ff
from ffnn_numba.kernels import step as step_kernels

# n^[l] n^[l-1] m of every product here is above both thresholds, the largest 4-5 times.
SIZES, M = [67, 129, 70, 5], 101
ACTIVATIONS = ["relu", "tanh", "softmax"]
COST = "categorical_cross_entropy"


def test_the_sizes_are_above_the_thresholds():
    from ffnn_numba.kernels import gemm
    works = [n * n_prev * M for n_prev, n in zip(SIZES[:-2], SIZES[1:-1])]
    assert min(works) > 3 * step_kernels.BLOCKED_MIN_WORK
    assert 4096 * 80 * 128 > gemm.PARALLEL_MIN_WORK      # the threaded network below


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_a_network_whose_products_use_threads(backend):
    """[4096, 80, 5] on 128 examples: Z^[1], dW^[1] and dJ/dX are above the threading
    threshold; gradients with dJ/dX against the naive reference."""
    rng = np.random.default_rng(3)
    net = ff.Network([4096, 80, 5], ["tanh", "softmax"], COST, backend=backend, seed=3)
    X, y = rng.standard_normal((4096, 128)), rng.integers(0, 5, 128)
    params = {k: v.copy() for k, v in net.params.items()}
    _, grads_ref = naive.gradients(params, ["tanh", "softmax"], COST, X, np.eye(5)[:, y])
    grads = net.gradients(X, y)
    for key, ref in grads_ref.items():
        assert_close(grads[key], ref)


def _problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    net = ff.Network(SIZES, ACTIVATIONS, COST, dtype=dtype, seed=seed)
    for key in net.params:   # nonzero biases, so that b is exercised
        if key.startswith("b"):
            net.params[key] = rng.normal(0, 0.1, net.params[key].shape)
    X = rng.standard_normal((SIZES[0], M))
    y = rng.integers(0, SIZES[-1], M)
    Y = np.eye(SIZES[-1])[:, y]
    return net, X, y, Y


def _reference(net, X, Y):
    params = {k: v.astype(np.float64) for k, v in net.params.items()}
    return params, naive.gradients(params, ACTIVATIONS, COST, X.astype(net.dtype).astype(float), Y)


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_gradients_with_dJ_dX(backend, dtype):
    net, X, y, Y = _problem(dtype)
    net.backend = backend
    _, (J_ref, grads_ref) = _reference(net, X, Y)
    grads = net.gradients(X, y)
    for key, ref in grads_ref.items():
        assert grads[key].dtype == dtype
        assert_close(grads[key], ref, dtype)
    assert net.cost(X, y) == pytest.approx(J_ref, rel=1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_a_step_is_one_gradient_descent_update(backend, dtype):
    net, X, y, Y = _problem(dtype)
    net.backend = backend
    params, (J_ref, grads_ref) = _reference(net, X, Y)
    J = net.step(X, y, learning_rate=0.5)
    assert J == pytest.approx(J_ref, rel=1e-12 if dtype == np.float64 else 1e-5)
    for key, value in net.params.items():
        assert_close(value, params[key] - 0.5 * grads_ref["d" + key], dtype)


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_fit_runs_the_same_updates_batch_by_batch(backend, dtype):
    """Two epochs of batches 50, 50, 1 in order (no shuffling), against the naive steps."""
    net, X, y, Y = _problem(dtype)
    net.backend = backend
    params = {k: v.astype(np.float64) for k, v in net.params.items()}
    costs = []
    for _ in range(2):
        epoch = []
        for start in range(0, M, 50):
            batch = slice(start, min(start + 50, M))
            J, grads = naive.gradients(params, ACTIVATIONS, COST,
                                       X[:, batch].astype(dtype).astype(float), Y[:, batch])
            epoch.append(J * (batch.stop - batch.start) / M)
            params = {k: v - 0.25 * grads["d" + k] for k, v in params.items()}
        costs.append(sum(epoch))
    history = net.fit(X, y, epochs=2, batch_size=50, learning_rate=0.25, shuffle=False,
                      verbose=False)
    np.testing.assert_allclose(history["cost"], costs, rtol=1e-11 if dtype == np.float64 else 1e-4)
    for key, value in net.params.items():
        assert_close(value, params[key], dtype, rtol=None if dtype == np.float64 else 3e-4)
