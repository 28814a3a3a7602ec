"""Optimizers, schedules, L2, initializers, validation, early stopping, callbacks, progress."""
import numpy as np
import pytest
from conftest import assert_close

import ffnn_numba as ff
from ffnn_numba import kernels, registry, vectorized
from ffnn_numba.kernels import optimizers

OPTIMIZER_OBJECTS = [ff.training.SGD(0.1), ff.training.Momentum(0.05, momentum=0.8),
                     ff.training.Nesterov(0.05, momentum=0.9),
                     ff.training.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7)]


def spirals(n=60, classes=3, seed=0):
    X, y = ff.datasets.make_spirals(n_per_class=n, n_classes=classes, seed=seed)
    return ff.datasets.train_test_split(X, y, seed=seed)


@pytest.mark.parametrize("name", registry.OPTIMIZERS)
def test_update_kernels_match_their_vectorized_twins(name, dtype):
    rng = np.random.default_rng(0)
    theta, grad = rng.standard_normal(37).astype(dtype), rng.standard_normal(37).astype(dtype)
    state = rng.uniform(0, 1, (2, 37)).astype(dtype)
    settings = [o for o in OPTIMIZER_OBJECTS if o.name == name][0].settings()
    copies = [(theta.copy(), state.copy(), settings.copy()) for _ in range(2)]
    for (th, st, se), update in zip(copies, (kernels.optimizers.UPDATE_RULES[name],
                                             vectorized.UPDATE_RULES[name])):
        for _ in range(3):
            update(th, grad, st, se)
    assert_close(copies[0][0], copies[1][0], dtype)
    assert_close(copies[0][1], copies[1][1], dtype)
    assert copies[0][2][registry.STEPS] == copies[1][2][registry.STEPS]


def test_optimizer_registries_have_the_same_keys():
    assert (list(optimizers.UPDATE_RULES) == list(vectorized.UPDATE_RULES)
            == list(registry.OPTIMIZERS) == list(ff.training.OPTIMIZER_CLASSES))


def test_update_rules_by_hand():
    g, theta = np.array([0.5, -2.0]), np.array([1.0, 1.0])
    th, st = theta.copy(), np.zeros((2, 2))
    s = ff.training.Adam(0.1, beta_1=0.9, beta_2=0.99, epsilon=1e-300).settings()
    optimizers.adam_update(th, g, st, s)
    # first step: m = 0.1 g, v = 0.01 g², α_1 = 0.1 √0.01 / 0.1 = 0.1, so θ -= 0.1 sign(g)
    np.testing.assert_allclose(th, theta - 0.1 * np.sign(g), rtol=1e-14)
    th, st = theta.copy(), np.zeros((2, 2))
    s = ff.training.Nesterov(0.1, momentum=0.5).settings()
    optimizers.nesterov_update(th, g, st, s)     # v = -0.1 g; θ += 0.5 v - 0.1 g
    np.testing.assert_allclose(th, theta - 0.15 * g, rtol=1e-14)
    optimizers.momentum_update(th, g, st, s)     # v = 0.5 (-0.1 g) - 0.1 g = -0.15 g
    np.testing.assert_allclose(th, theta - 0.3 * g, rtol=1e-14)


@pytest.mark.parametrize("optimizer", OPTIMIZER_OBJECTS, ids=lambda o: o.name)
@pytest.mark.parametrize("schedule", ["constant", ff.training.StepDecay(2, 0.5), "invscaling"],
                         ids=["constant", "step", "invscaling"])
def test_backends_train_alike_with_every_optimizer(optimizer, schedule):
    X, _, y, _ = spirals()
    results = []
    for backend in ("loops", "numpy"):
        net = ff.Network([2, 12, 3], ["tanh", "softmax"], "categorical_cross_entropy",
                         backend=backend, seed=1, l2=0.01)
        h = net.fit(X, y, epochs=4, batch_size=16, optimizer=optimizer, schedule=schedule,
                    seed=2, verbose=False)
        results.append((h, net))
    (h1, n1), (h2, n2) = results
    np.testing.assert_allclose(h1["cost"], h2["cost"], rtol=1e-10)
    assert h1["learning_rate"] == h2["learning_rate"]
    for key in n1.params:
        assert_close(n1.params[key], n2.params[key], rtol=1e-9)


def test_schedules():
    X, _, y, _ = spirals()
    m = X.shape[1]
    net = ff.Network([2, 4, 3], cost="categorical_cross_entropy", seed=0)
    h = net.fit(X, y, epochs=5, learning_rate=0.2, schedule=ff.training.StepDecay(2, 0.1),
                verbose=False)
    np.testing.assert_allclose(h["learning_rate"], [0.2, 0.2, 0.02, 0.02, 0.002])
    h = net.fit(X, y, epochs=3, learning_rate=0.2, schedule="invscaling", verbose=False)
    np.testing.assert_allclose(h["learning_rate"], [0.2 / (e * m + 1) ** 0.5 for e in range(3)])


def test_adam_reaches_a_lower_cost_than_sgd_in_few_epochs(backend):
    X, _, y, _ = spirals(n=100)
    costs = {}
    for optimizer in ("sgd", "adam"):
        net = ff.Network([2, 32, 32, 3], cost="categorical_cross_entropy", backend=backend, seed=0)
        costs[optimizer] = net.fit(X, y, epochs=30, optimizer=optimizer,
                                   learning_rate=0.01, verbose=False)["cost"][-1]
    assert costs["adam"] < costs["sgd"]


def test_l2_term_of_the_cost_and_its_gradient(backend):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 5)), rng.integers(0, 2, 5)
    net = ff.Network([3, 4, 2], ["tanh", "softmax"], "categorical_cross_entropy",
                     backend=backend, seed=0)
    J0, g0 = net.cost(X, y), net.gradients(X, y)
    net.l2 = 0.3
    penalty = 0.3 / (2 * 5) * sum(np.sum(net.params[f"W{l}"] ** 2) for l in (1, 2))
    assert net.cost(X, y) == pytest.approx(J0 + penalty, rel=1e-13)
    g = net.gradients(X, y)
    for l in (1, 2):
        np.testing.assert_allclose(g[f"dW{l}"], g0[f"dW{l}"] + 0.3 / 5 * net.params[f"W{l}"],
                                   rtol=1e-12)
        np.testing.assert_array_equal(g[f"db{l}"], g0[f"db{l}"])
    assert ff.gradcheck(net, X, y).passed
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0; got -1"):
        net.l2 = -1


def test_initializers():
    sizes = [400, 300, 2]
    he = ff.Network(sizes, ["relu", "softmax"], "categorical_cross_entropy", seed=0)
    assert np.std(he.params["W1"]) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    limit = np.sqrt(6 / 302)
    assert np.abs(he.params["W2"]).max() <= limit  # softmax layer: Glorot uniform
    glorot = ff.Network(sizes, ["relu", "softmax"], "categorical_cross_entropy", seed=0,
                        init="glorot")
    assert np.abs(glorot.params["W1"]).max() <= np.sqrt(6 / 700)
    small = ff.Network(sizes, cost="categorical_cross_entropy", seed=0, init="small")
    assert np.std(small.params["W1"]) == pytest.approx(0.01, rel=0.02)
    assert all(np.all(small.params[f"b{l}"] == 0) for l in (1, 2))
    with pytest.raises(ValueError, match="unknown init 'xavier'; valid: 'auto', 'he'"):
        ff.Network(sizes, init="xavier")


def test_validation_history_and_early_stopping_restores_the_best(backend):
    X, X_val, y, y_val = spirals(n=80)
    net = ff.Network([2, 32, 3], cost="categorical_cross_entropy", backend=backend, seed=0)
    h = net.fit(X, y, epochs=400, optimizer="adam", learning_rate=0.05,
                validation_data=(X_val, y_val), patience=5, verbose=False)
    assert set(h) == {"cost", "accuracy", "val_cost", "val_accuracy", "learning_rate", "stopped"}
    assert len(h["cost"]) < 400                       # stopped early
    assert h["stopped"].startswith(f"early stopping after epoch {len(h['cost'])}")
    best = int(np.argmin(h["val_cost"]))
    assert len(h["cost"]) - 1 - best == 5             # after 5 epochs without improvement
    assert net.cost(X_val, y_val) == pytest.approx(h["val_cost"][best], rel=1e-12)


def test_validation_fraction_and_callbacks(backend):
    X, _, y, _ = spirals()
    seen = []

    def stop_at_three(net, epoch, history):
        seen.append((epoch, len(history["val_cost"])))
        return epoch == 3

    net = ff.Network([2, 8, 3], cost="categorical_cross_entropy", backend=backend, seed=0)
    h = net.fit(X, y, epochs=10, validation_fraction=0.25, callbacks=[stop_at_three],
                verbose=False)
    assert seen == [(1, 1), (2, 2), (3, 3)] and len(h["cost"]) == 3
    with pytest.raises(ValueError, match="validation_fraction must be a finite number in"):
        net.fit(X, y, validation_fraction=1.5)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        net.fit(X, y, optimizer="rmsprop")
    with pytest.raises(ValueError, match="not both"):
        net.fit(X, y, validation_data=(X, y), validation_fraction=0.2)


def test_progress_line(capsys):
    X, _, y, _ = spirals()
    net = ff.Network([2, 8, 3], cost="categorical_cross_entropy", seed=0)
    net.fit(X, y, epochs=3, validation_fraction=0.2, verbose=True)
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and "val_cost" in err and "examples/s" in err
    net.fit(X, y, epochs=2)                            # "auto": not a terminal here
    net.fit(X, y, epochs=2, verbose=False)
    assert capsys.readouterr().err == ""


def test_learns_spirals_with_adam_and_early_stopping(backend):
    """Three interleaved spirals, generated in code: >= 95% on held-out data."""
    X, X_test, y, y_test = spirals(n=300)
    net = ff.Network([2, 64, 64, 3], ["relu", "relu", "softmax"], "categorical_cross_entropy",
                     backend=backend, seed=0)
    h = net.fit(X, y, epochs=3000, batch_size=32, optimizer="adam", learning_rate=0.005,
                validation_fraction=0.2, patience=20, seed=0, verbose=False)
    assert len(h["cost"]) < 3000                      # stopped by the validation cost
    assert np.mean(net.predict(X_test) == y_test) >= 0.95


def test_learns_digits_with_early_stopping(backend):
    """scikit-learn's bundled 8x8 digits (real data shipped in the package): >= 95%."""
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is not installed",
                                   exc_type=ImportError)
    digits = datasets.load_digits()
    X, y = digits.data.T / 16.0, digits.target
    X_train, X_test, y_train, y_test = ff.datasets.train_test_split(X, y, seed=0)
    net = ff.Network([64, 64, 10], ["relu", "softmax"], "categorical_cross_entropy",
                     backend=backend, seed=0, l2=1e-3)
    net.fit(X_train, y_train, epochs=300, optimizer="adam", learning_rate=0.003,
            validation_fraction=0.15, patience=10, seed=0, verbose=False)
    assert np.mean(net.predict(X_test) == y_test) >= 0.95


def test_regression_end_to_end(backend):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (1, 400))
    y = np.sin(x) + 0.05 * rng.standard_normal(x.shape)
    net = ff.Network([1, 32, 32, 1], ["tanh", "tanh", "linear"], "mean_squared_error",
                     backend=backend, seed=0)
    net.fit(x, y, epochs=300, optimizer="adam", learning_rate=0.01, verbose=False)
    x_test = np.linspace(-3, 3, 50)[None, :]
    residual = net.predict(x_test) - np.sin(x_test)
    assert 1 - np.sum(residual ** 2) / np.sum((np.sin(x_test) - np.sin(x_test).mean()) ** 2) >= 0.95


def test_multilabel_end_to_end(backend):
    X, y = ff.datasets.make_spirals(n_per_class=150, n_classes=3, seed=4)
    Y = np.stack([y == 0, np.hypot(*X) > 0.5]).astype(float)   # two labels per example
    X_train, X_test, Y_train, Y_test = X[:, ::2], X[:, 1::2], Y[:, ::2], Y[:, 1::2]
    net = ff.Network([2, 64, 64, 2], ["relu", "relu", "sigmoid"], "multilabel_cross_entropy",
                     backend=backend, seed=0)
    net.fit(X_train, Y_train, epochs=300, optimizer="adam", learning_rate=0.005, verbose=False)
    assert np.mean(np.all(net.predict(X_test) == Y_test, axis=0)) >= 0.9


def test_training_accuracy_counts_each_batch_before_its_update(backend):
    X, _, y, _ = spirals()
    net = ff.Network([2, 8, 3], cost="categorical_cross_entropy", backend=backend, seed=0)
    before = np.mean(net.predict(X) == y)
    h = net.fit(X, y, epochs=1, batch_size=X.shape[1], shuffle=False, verbose=False)
    assert h["accuracy"] == [before]
    regression = ff.Network([2, 3, 1], backend=backend, seed=0)
    h = regression.fit(X, X[:1] ** 2, epochs=2, validation_fraction=0.2, verbose=False)
    assert h["accuracy"] == [None, None] and h["val_accuracy"] == [None, None]
