"""Training reaches a real target, on both backends; the demo runs."""
import numpy as np

import ffnn_numba as ff
from ffnn_numba.cli import main


def test_learns_spirals(backend):
    """Three interleaved spirals (no linear model gets past ~50%): ≥ 95% held-out accuracy."""
    X, y = ff.datasets.make_spirals(n_per_class=200, n_classes=3, noise=0.2, seed=0)
    X_train, X_test, y_train, y_test = ff.datasets.train_test_split(X, y, seed=0)
    net = ff.Network([2, 64, 64, 3], ["relu", "relu", "softmax"], "categorical_cross_entropy",
                     backend=backend, seed=0)
    history = net.fit(X_train, y_train, epochs=200, batch_size=32, learning_rate=0.2, seed=0)
    assert history["cost"][-1] < 0.1 * history["cost"][0]
    assert np.mean(net.predict(X_test) == y_test) >= 0.95


def test_learns_binary_spirals_in_float32(backend):
    X, y = ff.datasets.make_spirals(n_per_class=200, n_classes=2, noise=0.2, seed=1)
    X_train, X_test, y_train, y_test = ff.datasets.train_test_split(X, y, seed=1)
    net = ff.Network([2, 32, 32, 1], ["relu", "relu", "sigmoid"], "binary_cross_entropy",
                     backend=backend, dtype=np.float32, seed=1)
    net.fit(X_train, y_train, epochs=300, batch_size=16, learning_rate=0.2, seed=1)
    assert np.mean(net.predict(X_test) == y_test) >= 0.95


def test_demo_runs_and_backends_agree(capsys):
    assert main(["demo", "--epochs", "20"]) == 0
    out = capsys.readouterr().out
    assert "backends agree: yes" in out and "test accuracy" in out
