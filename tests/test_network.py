"""The Network on both backends against the naive reference, finite differences and by hand."""
import naive
import numpy as np
import pytest
from conftest import RTOL, assert_close

import ffnn_numba as ff
from ffnn_numba import registry

# Every output activation / cost pair the library accepts.
PAIRS = [(a, c) for c in registry.COSTS for a, info in registry.ACTIVATIONS.items()
         if not registry.COSTS[c].cross_entropy or info.probability]


def targets(rng, cost, n, m):
    if cost == "categorical_cross_entropy":
        return rng.dirichlet(np.ones(n), size=m).T
    if registry.COSTS[cost].cross_entropy:
        return rng.uniform(0, 1, (n, m))
    return rng.standard_normal((n, m))


def problem(sizes, activations, cost, seed=0, dtype=np.float64, backend="loops", m=5):
    rng = np.random.default_rng(seed)
    net = ff.Network(sizes, activations, cost, backend=backend, dtype=dtype, seed=seed)
    for key in net.params:  # nonzero biases so that every term is exercised
        net.params[key] += 0.1 * rng.standard_normal(net.params[key].shape)
    X = rng.standard_normal((sizes[0], m))
    return net, X, targets(rng, cost, sizes[-1], m)


ARCHITECTURES = [
    ([1, 1], ["sigmoid"], "binary_cross_entropy", 1),
    ([3, 1, 2], ["tanh", "softmax"], "categorical_cross_entropy", 1),
    ([4, 5, 3], ["relu", "softmax"], "categorical_cross_entropy", 6),
    ([2, 6, 6, 1], ["elu", "silu", "sigmoid"], "binary_cross_entropy", 9),
    ([5, 4, 3], ["softmax", "sigmoid"], "multilabel_cross_entropy", 4),
    ([3, 7, 2], ["leaky_relu", "linear"], "mean_squared_error", 8),
    ([6, 5, 4, 3], ["softplus", "tanh", "softmax"], "mean_squared_error", 3),
]


@pytest.mark.parametrize("sizes, activations, cost, m", ARCHITECTURES)
def test_backends_match_naive(sizes, activations, cost, m, dtype, backend):
    net, X, Y = problem(sizes, activations, cost, dtype=dtype, backend=backend, m=m)
    params = {k: v.astype(np.float64) for k, v in net.params.items()}
    J_ref, grads_ref = naive.gradients(params, activations, cost, X.astype(dtype).astype(float),
                                       Y.astype(dtype).astype(float))
    A = net.forward(X)
    assert A.dtype == dtype and A.shape == (sizes[-1], m)
    assert_close(A, naive.forward(params, activations, X.astype(dtype).astype(float))[1][-1], dtype)
    assert net.cost(X, Y) == pytest.approx(J_ref, rel=RTOL[dtype] * 10)
    grads = net.gradients(X, Y)
    assert sorted(grads) == sorted(grads_ref)
    for key, ref in grads_ref.items():
        assert grads[key].dtype == dtype
        assert_close(grads[key], ref, dtype, rtol=RTOL[dtype] * 10)


@pytest.mark.parametrize("sizes, activations, cost, m", ARCHITECTURES)
def test_switching_backend_changes_nothing_but_speed(sizes, activations, cost, m):
    net, X, Y = problem(sizes, activations, cost, m=m)
    results = {}
    for backend in ("loops", "numpy"):
        net.backend = backend
        results[backend] = (net.forward(X), net.cost(X, Y), net.gradients(X, Y))
    (A1, J1, g1), (A2, J2, g2) = results["loops"], results["numpy"]
    assert_close(A1, A2)
    assert J1 == pytest.approx(J2, rel=1e-12)
    for key in g1:
        assert_close(g1[key], g2[key])


def check_gradients(net, X, Y):
    """Every dW, db and dA0 against central differences of net.cost."""
    grads = net.gradients(X, Y)
    for key in net.params:
        numeric = naive.numerical_gradient(lambda: net.cost(X, Y), net.params[key])
        np.testing.assert_allclose(grads["d" + key], numeric, rtol=1e-5, atol=1e-8, err_msg=key)
    numeric = naive.numerical_gradient(lambda: net.cost(X, Y), X)
    np.testing.assert_allclose(grads["dA0"], numeric, rtol=1e-5, atol=1e-8, err_msg="dA0")


@pytest.mark.parametrize("hidden", registry.ACTIVATIONS)
def test_gradient_check_hidden_activation(hidden, backend):
    net, X, Y = problem([3, 4, 3, 2], [hidden, hidden, "linear"], "mean_squared_error",
                        backend=backend, seed=1)
    check_gradients(net, X, Y)


@pytest.mark.parametrize("output, cost", PAIRS)
def test_gradient_check_output_and_cost(output, cost, backend):
    n_output = 1 if cost == "binary_cross_entropy" else 3
    net, X, Y = problem([3, 4, n_output], ["tanh", output], cost, backend=backend, seed=2)
    check_gradients(net, X, Y)


def test_hand_worked_network(backend):
    """[2, 2, 1], relu then linear, mean squared error, one example; every number by hand."""
    net = ff.Network([2, 2, 1], ["relu", "linear"], "mean_squared_error", backend=backend)
    net.params["W1"] = [[1.0, -1.0], [0.5, 2.0]]
    net.params["b1"] = [[0.0], [1.0]]
    net.params["W2"] = [[1.0, -1.0]]
    net.params["b2"] = [[0.5]]
    X, Y = np.array([[1.0], [2.0]]), np.array([[2.0]])
    # z^[1] = (1*1 - 1*2 + 0, 0.5*1 + 2*2 + 1) = (-1, 5.5);  a^[1] = (0, 5.5)
    # z^[2] = 1*0 - 1*5.5 + 0.5 = -5 = a^[2];  J = (1/2)(-5 - 2)^2 = 24.5
    assert net.forward(X).tolist() == [[-5.0]]
    assert net.cost(X, Y) == 24.5
    g = net.gradients(X, Y)
    # dJ/da^[2] = (a - y)/m = -7 = dJ/dz^[2];  dW2 = -7 * (0, 5.5);  db2 = -7
    assert g["dW2"].tolist() == [[0.0, -38.5]] and g["db2"].tolist() == [[-7.0]]
    # dJ/da^[1] = W2^T dz^[2] = (-7, 7);  dz^[1] = (-7 * 0, 7 * 1) = (0, 7)  since relu'(-1) = 0
    # dW1 = dz^[1] x^T = ((0, 0), (7, 14));  db1 = (0, 7)
    assert g["dW1"].tolist() == [[0.0, 0.0], [7.0, 14.0]] and g["db1"].tolist() == [[0.0], [7.0]]
    # dJ/dx = W1^T dz^[1] = (1*0 + 0.5*7, -1*0 + 2*7) = (3.5, 14)
    assert g["dA0"].tolist() == [[3.5], [14.0]]
    # The 1/m lives in J: the same example twice gives the same J, dW and db; dA0 halves.
    g2 = net.gradients(np.hstack([X, X]), np.hstack([Y, Y]))
    assert net.cost(np.hstack([X, X]), np.hstack([Y, Y])) == 24.5
    assert g2["dW1"].tolist() == g["dW1"].tolist() and g2["db2"].tolist() == g["db2"].tolist()
    assert g2["dA0"].tolist() == [[1.75, 1.75], [7.0, 7.0]]
    # One step of gradient descent with α = 0.01: W2 ← W2 - α dW2.
    assert net.step(X, Y, learning_rate=0.01) == 24.5
    np.testing.assert_allclose(net.params["W2"], [[1.0, -1.0 + 0.385]], rtol=1e-15)


@pytest.mark.parametrize("output, cost", PAIRS)
def test_saturated_logits_stay_finite(output, cost, dtype, backend):
    """Logits of ±1000 give finite outputs, costs and gradients."""
    n = 1 if cost == "binary_cross_entropy" else 3
    net = ff.Network([2, n], [output], cost, backend=backend, dtype=dtype, seed=0)
    net.params["W1"] = np.tile([[1000.0, -1000.0]], (n, 1)) * np.array([[1.0], [-1.0], [1.0]])[:n]
    X = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]])
    Y = np.zeros((n, 3))
    Y[0] = 1
    assert np.isfinite(net.forward(X)).all()
    assert np.isfinite(net.cost(X, Y))
    assert all(np.isfinite(g).all() for g in net.gradients(X, Y).values())


@pytest.mark.parametrize("hidden", registry.ACTIVATIONS)
def test_saturated_hidden_layers_stay_finite(hidden, dtype, backend):
    net = ff.Network([2, 4, 2], [hidden, "softmax"], "categorical_cross_entropy",
                     backend=backend, dtype=dtype, seed=0)
    net.params["W1"] = 1000.0 * np.array([[1, -1], [-1, 1], [1, 1], [-1, -1]])
    X, y = np.array([[1.0, -1.0], [0.0, 1.0]]), np.array([0, 1])
    assert np.isfinite(net.cost(X, y))
    assert all(np.isfinite(g).all() for g in net.gradients(X, y).values())


def test_same_seed_same_network_and_training(dtype, backend):
    X, y = ff.datasets.make_spirals(n_per_class=20, seed=1)
    runs = []
    for _ in range(2):
        net = ff.Network([2, 8, 3], ["relu", "softmax"], "categorical_cross_entropy",
                         backend=backend, dtype=dtype, seed=42)
        initial = {k: v.copy() for k, v in net.params.items()}
        history = net.fit(X, y, epochs=3, batch_size=7, learning_rate=0.1)
        runs.append((initial, history, {k: v.copy() for k, v in net.params.items()}))
    (i1, h1, p1), (i2, h2, p2) = runs
    assert h1 == h2
    for key in p1:
        assert np.array_equal(i1[key], i2[key]) and np.array_equal(p1[key], p2[key])


def test_backends_train_to_the_same_numbers(dtype):
    X, y = ff.datasets.make_spirals(n_per_class=30, seed=2)
    nets = {}
    for backend in ("loops", "numpy"):
        nets[backend] = ff.Network([2, 16, 3], ["tanh", "softmax"], "categorical_cross_entropy",
                                   backend=backend, dtype=dtype, seed=5)
        nets[backend].fit(X, y, epochs=5, batch_size=16, learning_rate=0.1, seed=9)
    for key in nets["loops"].params:
        assert_close(nets["loops"].params[key], nets["numpy"].params[key], dtype,
                     rtol=1e-10 if dtype == np.float64 else 1e-3)


def test_shuffled_copy_trains_as_the_batches_gathered_in_place(dtype, backend, monkeypatch):
    """An X large enough for fit to copy each epoch's shuffle (fitting.SHUFFLE_COPY_FROM)
    gives bitwise the same training as gathering each batch's columns from X itself, on
    either backend; the copy's buffers are kept for the next fit of that shape."""
    from ffnn_numba import fitting
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((40, 3300)), rng.integers(0, 3, 3300)   # 1 MiB as float64
    X = X.astype(dtype)
    runs = []
    for bounds in ((0, 1 << 40), (1 << 40, 1 << 40)):   # copy always, then never
        monkeypatch.setattr(fitting, "SHUFFLE_COPY_FROM", bounds[0])
        monkeypatch.setattr(fitting, "SHUFFLE_COPY_UP_TO", bounds[1])
        net = ff.Network([40, 16, 3], ["relu", "softmax"], "categorical_cross_entropy",
                         backend=backend, dtype=dtype, seed=3)
        history = net.fit(X, y, epochs=2, batch_size=50, learning_rate=0.1, seed=8)
        runs.append((history, net.theta.copy(), net.runner.epoch_buffers))
    (h1, theta1, kept), (h2, theta2, none) = runs
    assert h1 == h2 and np.array_equal(theta1, theta2)
    assert kept is not None and kept[0].shape == X.shape and none is None


def test_fit_is_a_sequence_of_steps(backend):
    """fit(shuffle=False) with one batch per epoch equals repeated step() calls."""
    X, y = ff.datasets.make_spirals(n_per_class=10, seed=3)
    a = ff.Network([2, 5, 3], ["relu", "softmax"], "categorical_cross_entropy", backend=backend, seed=0)
    b = ff.Network([2, 5, 3], ["relu", "softmax"], "categorical_cross_entropy", backend=backend, seed=0)
    history = a.fit(X, y, epochs=4, batch_size=X.shape[1], learning_rate=0.3, shuffle=False)
    costs = [b.step(X, y, learning_rate=0.3) for _ in range(4)]
    assert history["cost"] == pytest.approx(costs, rel=1e-15)
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key])


def test_params_are_the_network(backend):
    net, X, Y = problem([3, 4, 2], ["tanh", "linear"], "mean_squared_error", backend=backend)
    before = net.forward(X)
    net.params["b2"][1, 0] += 1.0  # in place
    after = net.forward(X)
    np.testing.assert_allclose(after[1] - before[1], 1.0, rtol=1e-12)
    np.testing.assert_array_equal(after[0], before[0])
    net.params["W1"] = np.zeros((4, 3))  # assignment copies into the network's buffer
    assert np.all(net.params["W1"] == 0)
    assert list(net.params) == ["W1", "b1", "W2", "b2"]


def test_layouts_and_integer_inputs_give_the_same_results(backend):
    rng = np.random.default_rng(0)
    net = ff.Network([3, 4, 2], ["relu", "softmax"], "categorical_cross_entropy", backend=backend, seed=0)
    big = rng.integers(-3, 4, (6, 10))
    X = big[:3, ::2]                       # strided integer view
    y = rng.integers(0, 2, 5)
    reference = net.gradients(X.astype(np.float64).copy(), y)
    for variant in (X, np.asfortranarray(X), X.astype(np.float64).T.copy().T, X.astype(np.float32)):
        grads = net.gradients(variant, y)
        for key in reference:
            np.testing.assert_array_equal(grads[key], reference[key])


def test_caller_arrays_are_not_modified(backend):
    X, y = ff.datasets.make_spirals(n_per_class=10, seed=4)
    Y = np.eye(3)[:, y]
    X0, Y0 = X.copy(), Y.copy()
    net = ff.Network([2, 4, 3], ["relu", "softmax"], "categorical_cross_entropy", backend=backend, seed=0)
    net.fit(X, Y, epochs=2, batch_size=8)
    net.gradients(X, Y)
    net.step(X, Y)
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)


def test_float32_stays_float32(backend):
    net, X, Y = problem([3, 4, 2], ["relu", "sigmoid"], "multilabel_cross_entropy",
                        dtype=np.float32, backend=backend)
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert net.forward(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradients(X, Y).values())


def test_labels_and_one_hot_agree(backend):
    net = ff.Network([2, 3], "softmax", "categorical_cross_entropy", backend=backend, seed=0)
    X, y = ff.datasets.make_spirals(n_per_class=4, seed=0)
    assert net.cost(X, y) == net.cost(X, np.eye(3)[:, y])


def test_default_activations_follow_the_cost():
    assert ff.Network([2, 3, 1], cost="binary_cross_entropy").activations == ("relu", "sigmoid")
    assert ff.Network([2, 3, 4], cost="categorical_cross_entropy").activations == ("relu", "softmax")
    assert ff.Network([2, 3, 4]).activations == ("relu", "linear")
    assert ff.Network([2, 3, 4], "tanh").activations == ("tanh", "tanh")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_fast_path_gives_the_same_results_for_every_kind_of_input(dtype):
    """Arrays already of the network's dtype and layout are used as they are (never
    modified); any other input is converted; both give the same numbers, on every call,
    whatever the order of the calls and the backend switches."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, 6)).astype(np.float32).astype(dtype)   # exact in both dtypes
    Y = rng.normal(size=(2, 6)).astype(np.float32).astype(dtype)
    unaligned = np.frombuffer(b"\0" + Y.tobytes(), dtype=dtype, offset=1).reshape(Y.shape)
    variants = [(X, Y), (X.tolist(), Y.tolist()), (np.asfortranarray(X), np.asfortranarray(Y)),
                (X.astype(np.float64 if dtype == np.float32 else np.float32), Y),
                (X, unaligned), (X, Y)]
    results = []
    for backend in ("loops", "numpy", "loops"):
        for Xv, Yv in variants:
            net = ff.Network([3, 4, 2], backend=backend, dtype=dtype, seed=1, l2=0.1)
            X_before = np.array(Xv, copy=True)
            grads = net.gradients(Xv, Yv)
            J = net.step(Xv, Yv, learning_rate=0.05)
            net.l2 = 0   # the engine is typed once; a change of setting must not matter
            results.append((grads["dW1"], J, net.forward(Xv), net.step(Xv, Yv)))
            np.testing.assert_array_equal(np.asarray(Xv), X_before)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for got in results[1:]:
        for a, b in zip(got, results[0]):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def test_the_fast_path_still_refuses_non_finite_input():
    net = ff.Network([3, 2], seed=0)
    X = np.ones((3, 4))
    net.step(X, np.zeros((2, 4)))
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        net.step(X, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="Y contains NaN or infinite"):
        net.gradients(np.ones((3, 4)), np.full((2, 4), np.inf))
