"""Each equation in each form, side by side: the reference loops, the fast loops that the
training step uses (matrix equations only) and the vectorized NumPy form.

    python -m pytest bench/test_bench_equations.py --benchmark-group-by=group
"""
import numpy as np
import pytest
from conftest import DTYPES, LAYERS

from ffnn_numba import kernels, registry, vectorized
from ffnn_numba.kernels import step

FAST = pytest.mark.benchmark(max_time=0.2, min_rounds=5)


def arrays(shape, dtype, count, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.05, 0.95, shape).astype(dtype) for _ in range(count)]


def matrix_case(equation, form, size, dtype):
    n, n_prev, m = LAYERS[size]
    W, b = arrays((n, n_prev), dtype, 1)[0], arrays((n, 1), dtype, 1)[0]
    A_prev, dA_prev = arrays((n_prev, m), dtype, 2)
    Z, dZ = arrays((n, m), dtype, 2)
    dW = np.empty_like(W)
    scratch = np.empty(max(n, n_prev) * m + n * n_prev, dtype)
    module = {"loops": kernels, "numpy": vectorized}.get(form)
    if equation == "linear_forward":
        if form == "loops-fast":
            return step.layer_linear_forward, (Z, W, A_prev, b, scratch)
        return module.linear_forward, (Z, W, A_prev, b)
    if equation == "weight_gradient":
        fn = kernels.blocked.weight_gradient_blocked if form == "loops-fast" else module.weight_gradient
        return fn, (dW, dZ, A_prev)
    if form == "loops-fast":
        return step.layer_prev_activation_gradient, (dA_prev, W, dZ, scratch)
    return module.prev_activation_gradient, (dA_prev, W, dZ)


@FAST
@pytest.mark.parametrize("form", ["loops", "loops-fast", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", LAYERS)
@pytest.mark.parametrize("equation", ["linear_forward", "weight_gradient", "prev_activation_gradient"])
def test_matrix_equation(run, benchmark, equation, size, dtype, form):
    benchmark.group = f"{equation} {size} {dtype}"
    function, args = matrix_case(equation, form, size, DTYPES[dtype])
    run(function, *args)


@FAST
@pytest.mark.parametrize("form", ["loops", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", LAYERS)
def test_bias_gradient(run, benchmark, size, dtype, form):
    n, _, m = LAYERS[size]
    benchmark.group = f"bias_gradient {size} {dtype}"
    dZ, = arrays((n, m), DTYPES[dtype], 1)
    module = kernels if form == "loops" else vectorized
    run(module.bias_gradient, np.empty((n, 1), DTYPES[dtype]), dZ)


@FAST
@pytest.mark.parametrize("form", ["loops", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", LAYERS)
@pytest.mark.parametrize("direction", ["forward", "backward"])
@pytest.mark.parametrize("name", registry.ACTIVATIONS)
def test_activation(run, benchmark, name, direction, size, dtype, form):
    n, _, m = LAYERS[size]
    benchmark.group = f"{name} {direction} {size} {dtype}"
    Z, A, dZ, dA = arrays((n, m), DTYPES[dtype], 4)
    forward, backward = (kernels if form == "loops" else vectorized).ACTIVATION_FUNCTIONS[name]
    forward(A, Z)
    if direction == "forward":
        run(forward, A, Z)
    else:
        run(backward, dZ, dA, Z, A)


@FAST
@pytest.mark.parametrize("form", ["loops", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", LAYERS)
@pytest.mark.parametrize("part", ["cost", "seed"])
@pytest.mark.parametrize("name", registry.COSTS)
def test_cost(run, benchmark, name, part, size, dtype, form):
    n, _, m = LAYERS[size]
    benchmark.group = f"{name} {part} {size} {dtype}"
    A, Y, dA = arrays((n, m), DTYPES[dtype], 3)
    if name == "categorical_cross_entropy":
        A /= A.sum(axis=0)
        Y /= Y.sum(axis=0)
    cost, seed = (kernels if form == "loops" else vectorized).COST_FUNCTIONS[name]
    if part == "cost":
        run(cost, A, Y)
    else:
        run(seed, dA, A, Y)
