"""Pictures render off-screen into real image files."""
import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed",
                    exc_type=ImportError)

import ffnn_numba as ff  # noqa: E402
from ffnn_numba.cli import main  # noqa: E402
from ffnn_numba.plot import plot_decision_boundary, plot_history  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_history_and_boundary(tmp_path):
    X, y = ff.datasets.make_spirals(n_per_class=50, seed=0)
    net = ff.Network([2, 16, 3], cost="categorical_cross_entropy", seed=0)
    history = net.fit(X, y, epochs=5, validation_fraction=0.2, verbose=False)
    fig = plot_history(history, tmp_path / "h.png")
    assert len(fig.axes) == 2                       # cost, and accuracy on a second axis
    plot_decision_boundary(net, X, y, tmp_path / "b.png", resolution=50)
    for name in ("h.png", "b.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == PNG and len(data) > 5_000
    with pytest.raises(ValueError, match="needs a network with 2 inputs"):
        plot_decision_boundary(ff.Network([3, 2]), np.ones((3, 4)), np.zeros(4))


def test_demo_plot(tmp_path, capsys):
    assert main(["demo", "--epochs", "5", "--plot", str(tmp_path / "demo.png")]) == 0
    assert "pictures saved" in capsys.readouterr().out
    for name in ("demo-history.png", "demo-boundary.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
