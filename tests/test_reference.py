"""The reference backend: the kernels' own Python source, one equation at a time, agreeing
with the compiled loops and the NumPy path."""
import sys

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import reference
from ffnn_numba.teach.checks import agreement_tolerance
from ffnn_numba.kernels import linear

CASES = [
    (["relu", "tanh", "softmax"], "categorical_cross_entropy"),
    (["sigmoid", "elu", "linear"], "mean_squared_error"),
    (["silu", "softplus", "sigmoid"], "binary_cross_entropy"),
    (["leaky_relu", "linear", "sigmoid"], "multilabel_cross_entropy"),
    (["tanh", "relu", "softmax"], "mean_squared_error"),   # softmax's p-sum, not fused
]


def _data(rng, cost, n_in, n_out, m):
    X = rng.normal(size=(n_in, m))
    if cost == "categorical_cross_entropy":
        return X, rng.integers(0, n_out, m)
    if cost == "mean_squared_error":
        return X, rng.normal(size=(n_out, m))
    return X, (rng.random((n_out, m)) > 0.5).astype(float)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activations, cost", CASES)
def test_reference_agrees_with_the_loops(activations, cost, dtype):
    rng = np.random.default_rng(7)
    n_out = 1 if cost == "binary_cross_entropy" else 3
    sizes = [4, int(rng.integers(1, 6)), 5, n_out]
    X, Y = _data(rng, cost, sizes[0], n_out, int(rng.integers(1, 8)))
    results = {}
    for backend in ("loops", "reference"):
        net = ff.Network(sizes, activations, cost, backend=backend, dtype=dtype, seed=3, l2=0.1)
        grads = net.gradients(X, Y)
        history = net.fit(X, Y, epochs=2, batch_size=3, optimizer="adam", verbose=False)
        results[backend] = grads, net.params, history["cost"]
    tol = 10 * agreement_tolerance(sizes, X.shape[1], dtype)   # relative to the largest entry
    for got, want in zip(results["reference"][:2], results["loops"][:2]):
        scale = max(float(np.abs(a).max()) for a in want.values())
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=0, atol=tol * scale,
                                       err_msg=key)
    np.testing.assert_allclose(results["reference"][2], results["loops"][2], rtol=tol)


def test_the_kernels_python_source_is_what_runs():
    """A breakpoint in kernels/linear.py is hit: the profiler sees the kernel's own code."""
    net = ff.Network([3, 3, 3, 3], cost="categorical_cross_entropy", backend="reference", seed=0)
    X, Y = np.ones((3, 2)), np.array([0, 2])
    seen = set()
    sys.setprofile(lambda frame, event, arg: seen.add(frame.f_code) if event == "call" else None)
    try:
        net.gradients(X, Y)
    finally:
        sys.setprofile(None)
    for kernel in (linear.linear_forward, linear.weight_gradient, linear.bias_gradient,
                   linear.prev_activation_gradient):
        assert getattr(kernel, "py_func", kernel).__code__ in seen, kernel


def test_replaced_runs_the_given_function_then_restores():
    net = ff.Network([3, 2, 1], backend="reference", seed=0)
    X, Y = np.ones((3, 4)), np.zeros((1, 4))
    calls = []

    def zero_bias_gradient(db, dZ):
        calls.append(dZ.shape)
        db[...] = 0

    with reference.replaced(bias_gradient=zero_bias_gradient):
        grads = net.gradients(X, Y)
    assert calls == [(1, 4), (2, 4)]
    assert not grads["db1"].any() and not grads["db2"].any()
    assert net.gradients(X, Y)["db2"].any()
    with pytest.raises(RuntimeError):
        with reference.replaced(bias_gradient=zero_bias_gradient):
            raise RuntimeError
    assert reference.EQUATIONS["bias_gradient"] is getattr(linear.bias_gradient, "py_func",
                                                           linear.bias_gradient)


def test_replaced_refuses_unknown_names_and_non_callables():
    with pytest.raises(ValueError, match="unknown kernel name.*bias_gradiant"):
        with reference.replaced(bias_gradiant=print):
            pass
    with pytest.raises(TypeError, match="bias_gradient must be callable"):
        with reference.replaced(bias_gradient=3):
            pass


def test_backend_names():
    net = ff.Network([2, 2, 1], seed=0)
    net.backend = "reference"
    assert net.backend == "reference"
    with pytest.raises(ValueError, match="unknown backend 'referense'.*'reference'"):
        net.backend = "referense"
