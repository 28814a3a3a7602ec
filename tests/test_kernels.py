"""Each equation: Numba loops (ref: the naive einsum) and the vectorized form, on random shapes."""
import inspect

import naive
import numpy as np
import pytest
from conftest import assert_close

from ffnn_numba import kernels, registry, vectorized

FORMS = {"loops": kernels, "numpy": vectorized}
SHAPES = [(1, 1, 1), (1, 3, 1), (4, 1, 5), (3, 5, 1), (7, 6, 9)]  # (n, n_prev, m)


def random(rng, shape, dtype, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(dtype)


def garbage(shape, dtype):
    """An output buffer full of NaN: an overwriting kernel must leave none behind."""
    return np.full(shape, np.nan, dtype=dtype)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("n, n_prev, m", SHAPES)
def test_linear_forward(form, n, n_prev, m, dtype):
    rng = np.random.default_rng(n * 100 + n_prev * 10 + m)
    W, A_prev, b = random(rng, (n, n_prev), dtype), random(rng, (n_prev, m), dtype), random(rng, (n, 1), dtype)
    Z = garbage((n, m), dtype)
    FORMS[form].linear_forward(Z, W, A_prev, b)
    assert Z.dtype == dtype
    assert_close(Z, naive.linear_forward(W.astype(float), A_prev.astype(float), b), dtype)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("n, n_prev, m", SHAPES)
def test_linear_backward(form, n, n_prev, m, dtype):
    rng = np.random.default_rng(n * 100 + n_prev * 10 + m + 1)
    dZ, W, A_prev = random(rng, (n, m), dtype), random(rng, (n, n_prev), dtype), random(rng, (n_prev, m), dtype)
    dW, db, dA_prev = garbage(W.shape, dtype), garbage((n, 1), dtype), garbage(A_prev.shape, dtype)
    FORMS[form].linear_backward(dW, db, dA_prev, dZ, W, A_prev)
    for comp, ref in zip((dW, db, dA_prev), naive.linear_backward(dZ.astype(float), W.astype(float), A_prev.astype(float))):
        assert comp.dtype == dtype
        assert_close(comp, ref, dtype)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", registry.ACTIVATIONS)
@pytest.mark.parametrize("n, m", [(1, 1), (1, 4), (5, 1), (6, 8)])
def test_activation_forward_and_backward(form, name, n, m, dtype):
    rng = np.random.default_rng(n * 10 + m)
    Z, dA = random(rng, (n, m), dtype, 2.0), random(rng, (n, m), dtype)
    forward, backward = FORMS[form].ACTIVATION_FUNCTIONS[name]
    A, dZ = garbage((n, m), dtype), garbage((n, m), dtype)
    forward(A, Z)
    backward(dZ, dA, Z, A)
    assert A.dtype == dZ.dtype == dtype
    assert_close(A, naive.G[name](Z.astype(float)), dtype)
    assert_close(dZ, naive.activation_backward(name, dA.astype(float), Z.astype(float)), dtype,
                 rtol=1e-11 if dtype == np.float64 else None)


@pytest.mark.parametrize("name", registry.ACTIVATIONS)
def test_jacobian_form_agrees_with_shortcuts(name, dtype):
    """eq:dz_scalar with the explicit sum over p equals the element-wise / softmax shortcut."""
    rng = np.random.default_rng(7)
    code = registry.ACTIVATIONS[name].code
    Z, dA = random(rng, (5, 6), dtype, 2.0), random(rng, (5, 6), dtype)
    A = np.empty_like(Z)
    kernels.activation_forward(A, Z, code)
    shortcut, full = garbage(Z.shape, dtype), garbage(Z.shape, dtype)
    kernels.activation_backward(shortcut, dA, Z, A, code)
    kernels.jacobian_backward(full, dA, Z, A, code)
    assert_close(full, shortcut, dtype, rtol=1e-14 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("name", registry.ACTIVATIONS)
def test_activation_jacobian_matches_naive(name):
    z = np.random.default_rng(3).standard_normal(4)
    a = naive.G[name](z[:, None])[:, 0]
    D = garbage((4, 4), np.float64)
    kernels.jacobian_matrix(D, z, a, registry.ACTIVATIONS[name].code)
    assert_close(D, naive.jacobian(name, z), rtol=1e-12)
    if not registry.ACTIVATIONS[name].coupled:
        assert np.count_nonzero(D - np.diag(np.diag(D))) == 0


def probabilities(rng, name, shape, dtype):
    """Outputs A in (0, 1) and targets Y of the kind each cost expects."""
    A = rng.uniform(0.05, 0.95, shape)
    if name == "categorical_cross_entropy":
        A /= A.sum(axis=0)
        Y = rng.dirichlet(np.ones(shape[0]), size=shape[1]).T
    else:
        Y = rng.uniform(0, 1, shape)
    return A.astype(dtype), Y.astype(dtype)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", registry.COSTS)
@pytest.mark.parametrize("n, m", [(1, 1), (1, 5), (4, 1), (3, 7)])
def test_cost_and_seed(form, name, n, m, dtype):
    rng = np.random.default_rng(n * 10 + m)
    A, Y = probabilities(rng, name, (n, m), dtype)
    cost, seed = FORMS[form].COST_FUNCTIONS[name]
    J = cost(A, Y)
    assert isinstance(J, float)   # summed in float64 whatever the dtype (np.float64 is a float)
    dA = garbage((n, m), dtype)
    seed(dA, A, Y)
    assert dA.dtype == dtype
    assert J == pytest.approx(naive.cost(name, A.astype(float), Y.astype(float)),
                              rel=1e-12 if dtype == np.float64 else 1e-5)
    assert_close(dA, naive.seed(name, A.astype(float), Y.astype(float)), dtype)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("output, name", sorted(registry.FUSED))
def test_fused_pairs(form, output, name, dtype):
    """J from the logits equals J from A; (A - Y)/m equals the seed pushed through g."""
    rng = np.random.default_rng(11)
    Z = random(rng, (3, 5), dtype, 2.0)
    A = np.empty_like(Z)
    FORMS[form].activation_forward(A, Z, registry.ACTIVATIONS[output].code)
    _, Y = probabilities(rng, name, Z.shape, dtype)
    code = registry.COSTS[name].code
    J_logits = FORMS[form].cost_forward(Z, A, Y, code, True)
    assert J_logits == pytest.approx(naive.cost(name, A.astype(float), Y.astype(float)),
                                     rel=1e-12 if dtype == np.float64 else 1e-5)
    dZ = garbage(Z.shape, dtype)
    FORMS[form].output_delta(dZ, A, Y)
    chained = naive.activation_backward(output, naive.seed(name, A.astype(float), Y.astype(float)),
                                        Z.astype(float))
    assert_close(dZ, chained, dtype, rtol=1e-10 if dtype == np.float64 else None)


def test_registries_have_the_same_keys():
    assert (list(kernels.ACTIVATION_FUNCTIONS) == list(vectorized.ACTIVATION_FUNCTIONS)
            == list(registry.ACTIVATIONS))
    assert list(kernels.COST_FUNCTIONS) == list(vectorized.COST_FUNCTIONS) == list(registry.COSTS)
    assert (list(kernels.optimizers.UPDATE_RULES) == list(vectorized.UPDATE_RULES)
            == list(registry.OPTIMIZERS))


def _parameters(function):
    return list(inspect.signature(getattr(function, "py_func", function)).parameters)


@pytest.mark.parametrize("name", [
    "linear_forward", "weight_gradient", "bias_gradient", "prev_activation_gradient",
    "linear_backward", "activation_forward", "activation_backward", "cost_forward",
    "cost_backward", "output_delta"])
def test_forms_have_the_same_signatures(name):
    assert _parameters(getattr(kernels, name)) == _parameters(getattr(vectorized, name))


def test_registry_entries_have_the_same_signatures():
    for registry_name in ("ACTIVATION_FUNCTIONS", "COST_FUNCTIONS"):
        for key, functions in getattr(kernels, registry_name).items():
            twins = getattr(vectorized, registry_name)[key]
            assert [_parameters(f) for f in functions] == [_parameters(f) for f in twins], key


@pytest.mark.parametrize("form", FORMS)
def test_relu_derivative_at_zero_is_zero(form):
    Z = np.array([[-1.0, 0.0, 2.0]])
    A, dZ = np.empty_like(Z), np.empty_like(Z)
    forward, backward = FORMS[form].ACTIVATION_FUNCTIONS["relu"]
    forward(A, Z)
    backward(dZ, np.ones_like(Z), Z, A)
    assert dZ.tolist() == [[0.0, 0.0, 1.0]]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", registry.COSTS)
def test_correct_predictions(form, name):
    A = np.array([[0.7, 0.2, 0.4, 0.5], [0.3, 0.8, 0.4, 0.5]])
    Y = np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0]])
    count = FORMS[form].correct_predictions(A, Y, registry.COSTS[name].code)
    # argmax: right, wrong, tie -> first row (wrong), tie -> first row (right);
    # each side of 1/2: both labels of example 0 right, then wrong, wrong, wrong (0.5 is not > 0.5)
    assert count == {"mean_squared_error": -1, "categorical_cross_entropy": 2}.get(name, 1)
