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


def test_sweep_plot_has_numeric_log_axes(tmp_path):
    """The sweep is drawn against the work on log-log axes (numbers, not categories), with
    its crossovers marked."""
    from ffnn_numba.plot import plot_results, plot_sweep
    rows = [{"x": x, "dtype": dtype, "backend": backend, "flops": 1e5 * x,
             "seconds": seconds * x, "per_example": seconds, "gflops": 1e-4 / seconds}
            for x in (1, 2, 4, 8) for dtype in ("float64", "float32")
            for backend, seconds in (("loops", 1e-6 * x), ("numpy", 4e-6))]
    sweep = {"kind": "batch", "x": "batch size m", "network": "test", "rows": rows,
             "crossovers": [{"dtype": "float64", "peer": "numpy", "x": 4.0, "flops": 4e5,
                             "loops_faster_below": True}]}
    fig = plot_sweep(sweep, tmp_path / "s.png")
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert any(line.get_xdata()[0] == 4e5 for line in fig.axes[0].lines)   # the crossover
    assert (tmp_path / "s.png").read_bytes()[:8] == PNG
    written = plot_results({"cases": [], "sweeps": {"batch": sweep}}, tmp_path / "b.png")
    assert [p.name for p in written] == ["b-sweep-batch.png"]
