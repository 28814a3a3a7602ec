"""The benchmark tooling: agreement first, figures that add up, and the bench command."""
import json

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import bench
from ffnn_numba.cli import main


def test_flop_count_of_a_step():
    # [2, 3, 4], m = 5: layer 1 has Z and dW, layer 2 also dA_prev.
    assert bench.step_flops([2, 3, 4], 5) == 2 * 5 * (3 * 2 * 2 + 4 * 3 * 3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_backends_agree_on_the_first_step(dtype):
    backends = ["loops", "numpy"] + (["torch"] if bench.has_torch() else [])
    for backend, figures in bench.agreement("tiny", dtype, backends).items():
        assert figures["updates"] <= figures["tolerance"], backend


def test_step_is_the_training_step_of_the_network():
    """Step() runs the same update as Network.step on the same batch."""
    step = bench.Step("tiny", np.float64, "loops")
    net, X, y = bench._network("tiny", np.float64, "loops")
    J = net.step(X, y, learning_rate=bench.LEARNING_RATE)
    assert step() == pytest.approx(J, rel=1e-15)
    for key, value in step.parameters().items():
        assert np.array_equal(value, net.params[key])


def test_bench_command(tmp_path, capsys):
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    assert main(["bench", "--sizes", "tiny", "--dtypes", "float64", "--backends", "loops,numpy",
                 "--min-time", "0.01", "--no-startup", "--json", str(out_json),
                 "--markdown", str(out_md)]) == 0
    results = json.loads(out_json.read_text())
    assert {c["backend"] for c in results["cases"]} == {"loops", "numpy"}
    assert all(c["seconds"] > 0 and c["gflops"] > 0 for c in results["cases"])
    report = out_md.read_text()
    assert "| tiny | float64 | numpy | 8x |" in report and "GFLOP/s" in report
    assert "ffnn-numba bench --sizes tiny" in report


def test_set_num_threads():
    n = ff.get_num_threads()
    ff.set_num_threads(1)
    assert ff.get_num_threads() == 1
    ff.set_num_threads(n)
    with pytest.raises(ValueError, match="n must be an integer from 1 to"):
        ff.set_num_threads(0)


def test_bench_plot(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed",
                        exc_type=ImportError)
    path = tmp_path / "bench.png"
    assert main(["bench", "--sizes", "tiny,small", "--dtypes", "float32", "--backends",
                 "loops,numpy", "--min-time", "0.01", "--no-startup", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_bench_on_a_busy_machine(tmp_path):
    """--busy starts and stops its own spinning processes and reports both ratios."""
    import subprocess as sp

    def spinning():   # other spinners (a user's, or a CI run's own load) are left alone
        return sp.run(["pgrep", "-f", "while True: pass"], capture_output=True,
                      text=True).stdout.split()

    before = set(spinning())
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    assert main(["bench", "--sizes", "tiny", "--dtypes", "float32", "--backends", "loops,numpy",
                 "--min-time", "0.05", "--no-startup", "--busy", "0,1", "--json", str(out_json),
                 "--markdown", str(out_md)]) == 0
    rows = json.loads(out_json.read_text())["busy"]
    assert [(r["busy"], r["size"], r["dtype"]) for r in rows] == [(0, "tiny", "float32"),
                                                                  (1, "tiny", "float32")]
    assert all(r[k] > 0 for r in rows for k in ("loops", "loops_1_thread", "numpy"))
    assert "## On a busy machine" in out_md.read_text()
    assert set(spinning()) <= before                          # its own load was stopped


@pytest.mark.parametrize("levels", ["x", "-1", "", "1,,2"])
def test_bench_refuses_bad_busy_levels(levels, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--busy", levels])
    assert exit_.value.code == 2 and "--busy" in capsys.readouterr().err
