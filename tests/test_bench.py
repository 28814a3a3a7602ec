"""The benchmark tooling: agreement first, figures that add up, every target once, and the
bench command. No timing is asserted anywhere: only structure, checks and skips."""
import contextlib
import json

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import bench
from ffnn_numba.bench import cold as bench_cold, epoch as bench_epoch, step as bench_step, sweep as bench_sweep, peers, report, report_targets
from ffnn_numba.cli import main
from ffnn_numba.training import SGD

STEP_PEERS = peers.installed(peers.STEP_PEERS)
EPOCH_PEERS = peers.installed()


def precision():
    """JAX's float64 mode where JAX is installed (as ``bench.run`` does)."""
    if "jax" in STEP_PEERS:
        from ffnn_numba.bench.peer_jax import x64
        return x64()
    return contextlib.nullcontext()


def test_flop_count_of_a_step():
    # [2, 3, 4], m = 5: layer 1 has Z and dW, layer 2 also dA_prev.
    assert bench.step_flops([2, 3, 4], 5) == 2 * 5 * (3 * 2 * 2 + 4 * 3 * 3)
    # 10 examples in batches of 4: two full batches and one of 2.
    assert bench_epoch.epoch_flops([2, 3, 4], 10, 4) == (2 * bench.step_flops([2, 3, 4], 4)
                                                         + bench.step_flops([2, 3, 4], 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_backends_agree_on_the_first_step(dtype):
    with precision():
        figures = bench.agreement("tiny", dtype, ["loops", "numpy"] + STEP_PEERS)
    assert set(figures) == {"loops", "numpy", *STEP_PEERS}
    for backend, figure in figures.items():
        assert figure["updates"] <= figure["tolerance"], backend


def test_step_is_the_training_step_of_the_network():
    """Step() runs the same update as Network.step on the same batch, core and public."""
    for public in (False, True):
        step = bench.Step("tiny", np.float64, "loops", public=public)
        net, X, y = bench.network("tiny", np.float64, "loops")
        J = net.step(X, y, learning_rate=bench.LEARNING_RATE)
        assert step() == pytest.approx(J, rel=1e-15)
        for key, value in step.parameters().items():
            assert np.array_equal(value, net.params[key])


def test_public_calls_are_timed_beside_their_core():
    figures = bench.public_calls("tiny", "float32", min_time=0.01)
    assert set(figures) == {"forward", "gradients"}
    assert all(figures[call][kind] > 0 for call in figures for kind in ("public", "core"))


def test_jax_float64_only_inside_x64():
    """The 64-bit mode is scoped: a float64 JAX peer refuses to be built outside it (it would
    compute in float32), and leaving it restores JAX's setting."""
    jax = pytest.importorskip("jax", reason="the jax extra is not installed",
                              exc_type=ImportError)
    from ffnn_numba.bench.peer_jax import JaxPeer, x64
    before = jax.config.jax_enable_x64
    net = ff.Network([3, 4, 2], cost="categorical_cross_entropy", seed=0)
    with pytest.raises(RuntimeError, match="x64"):
        JaxPeer(net, SGD(0.1))
    with x64():
        peer = JaxPeer(net, SGD(0.1))
        J = peer.step(np.ones((3, 5)), np.eye(2)[:, [0, 1, 0, 1, 0]])()
        assert J.dtype == np.float64
    assert jax.config.jax_enable_x64 == before
    net32 = ff.Network([3, 4, 2], cost="categorical_cross_entropy", dtype=np.float32, seed=0)
    assert JaxPeer(net32, SGD(0.1)).parameters()["W1"].shape == (4, 3)


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.skipif(bool(peers.missing(name)),
                                                reason=peers.missing(name) or ""))
    for name in peers.MODULES])
def test_a_peer_epoch_visits_every_batch(name):
    """10 examples in batches of 4 are 3 updates; the peer's parameters move."""
    net = ff.Network([2, 5, 1], cost="binary_cross_entropy", dtype=np.float32, seed=0)
    rng = np.random.default_rng(0)
    X, Y = net.validate(rng.standard_normal((2, 10)), rng.integers(0, 2, 10))
    peer = peers.make(name, net, SGD(0.1))
    result = peer.epoch(X, Y, 4, seed=0)()
    if name != "sklearn":   # scikit-learn reports the epoch's mean cost
        assert len(result) == 3
    assert not np.array_equal(peer.parameters()["W1"], net.params["W1"])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_epoch_implementations_agree_on_the_first_update(optimizer, dtype):
    net, X, Y, _, _ = bench_epoch.data("tiny", dtype)
    with precision():
        differences, tolerance = bench_epoch.first_updates(
            net, ["numpy", "loops"] + EPOCH_PEERS, optimizer, X[:, :32], Y[:, :32])
    assert set(differences) == {"numpy", "loops", *EPOCH_PEERS}
    assert all(d <= tolerance for d in differences.values()), differences


def test_digits_epoch_reports_accuracy(monkeypatch):
    pytest.importorskip("sklearn", reason="the sklearn extra (scikit-learn) is not installed",
                        exc_type=ImportError)
    monkeypatch.setattr(bench_epoch, "ACCURACY_EPOCHS", 2)
    with precision():
        rows = bench_epoch.measure("digits-32", "float32", "sgd", ["numpy", "loops", "sklearn"],
                                   min_time=0.01, log=lambda *a: None)
    assert [r["implementation"] for r in rows] == ["numpy", "loops", "sklearn"]
    for r in rows:
        assert r["examples"] == 1348 and r["batch_size"] == 32 and r["seconds"] > 0
        assert r["agreement"]["updates"] <= r["agreement"]["tolerance"]
        assert 0.5 < r["accuracy"] <= 1.0   # chance is 0.1
    accuracy = {r["implementation"]: r["accuracy"] for r in rows}
    assert accuracy["loops"] == pytest.approx(accuracy["numpy"], abs=0.01)   # same shuffles


def test_crossovers_are_interpolated_on_log_axes():
    rows = [{"x": x, "dtype": "float64", "backend": b, "seconds": s, "flops": 100.0 * x}
            for x, loops, numpy_ in ((4, 1.0, 4.0), (8, 1.0, 2.0), (16, 2.0, 1.0), (32, 4.0, 1.0))
            for b, s in (("loops", loops), ("numpy", numpy_))]
    [crossing] = bench_sweep.crossovers(rows, "float64", "numpy")
    assert crossing["loops_faster_below"] and crossing["peer"] == "numpy"
    assert crossing["x"] == pytest.approx(np.sqrt(8 * 16))   # log speed-up +log 2 -> -log 2
    assert crossing["flops"] == pytest.approx(100 * np.sqrt(8 * 16))
    assert bench_sweep.crossovers(rows[:4], "float64", "numpy") == []


def test_sweep_rows(monkeypatch):
    sweep = bench_sweep.run("width", ["float32"], ["loops", "numpy"], 0.01, points=[4, 8],
                            log=lambda *a: None)
    assert [(r["x"], r["backend"]) for r in sweep["rows"]] == [
        (4, "loops"), (4, "numpy"), (8, "loops"), (8, "numpy")]
    assert all(r["layers"] == [64, r["x"], r["x"], 10] and r["m"] == 64 for r in sweep["rows"])
    assert all(r["per_example"] == pytest.approx(r["seconds"] / 64) for r in sweep["rows"])
    assert "| hidden width n |" in report.sweep_table(sweep)


def fake_results():
    """A run's figures as ``bench.run`` returns them, made up (no timing)."""
    agree = {"updates": 1e-16, "tolerance": 1e-13}
    cases = [{"size": size, "layers": [2, 3], "m": 4, "dtype": dtype, "backend": backend,
              "seconds": seconds, "gflops": 1.0, "agreement": agree, "allocated_bytes": 0,
              **({"public_seconds": 2 * seconds} if backend in ("loops", "numpy") else {})}
             for size in ("tiny", "small") for dtype in ("float64", "float32")
             for backend, seconds in (("loops", 1e-5), ("numpy", 5e-5), ("torch", 1e-4),
                                      ("jax", 2e-5))]
    epochs = [{"case": case, "layers": [2, 3], "examples": 8, "batch_size": 4, "data": "x",
               "dtype": "float64", "optimizer": opt, "implementation": name, "seconds": s,
               "gflops": 1.0, "agreement": agree, "accuracy": 0.9}
              for case in ("tiny", "digits-32") for opt in ("sgd", "adam")
              for name, s in (("loops", 1.0), ("numpy", 2.0), ("jax", 0.5), ("sklearn", 10.0))]
    products = [{"case": case, "shape": [2, 3, 4], "dtype": dtype, "equation": equation,
                 "seconds": {"loops": 1e-3, "numpy": 1e-3}, "share": share,
                 "gflops": {"loops": gflops, "numpy": 50.0}}
                for case, share, gflops in (("large 1024 -> 1024, m = 256", 0.8, 80.0),
                                            ("digits-32 64 -> 32, m = 32", 1.2, 45.0))
                for dtype in ("float64", "float32")
                for equation in ("Z = W A_prev + b", "dW = dZ A_prev^T")]
    return {"machine_gflops": {"float64": 50.0, "float32": 100.0}, "skipped": {}, "cases": cases,
            "public": [{"size": "tiny", "dtype": "float64", "forward": {"public": 2, "core": 1},
                        "gradients": {"public": 1, "core": 1}}], "epochs": epochs,
            "epochs_busy": [dict(r, busy=busy, seconds=2 * r["seconds"]) for r in epochs
                            for busy in (1, 2)
                            if r["case"] == "tiny" and r["implementation"] != "sklearn"],
            "products": products,
            "busy": [{"busy": 1, "size": "tiny", "dtype": "float64", "loops": 1.0,
                      "loops_1_thread": 1.5, "numpy": 0.5, "vs_numpy": (0.5, 0.4, 0.6),
                      "vs_1_thread": (1.5, 1.4, 1.6)}],
            "cold": {"dtype": "float64", "networks": [
                {"name": name, "layers": layers, "batch_size": 32, "examples": 150,
                 "target": target,
                 "cold": {"import": 1, "fit": 30, "gradients": 4, "process": 36},
                 "warm": {"import": 1, "fit": 0.2, "gradients": 0.1, "process": 1.5}}
                for name, layers, target in (("quickstart", [2, 64, 64, 3], 10.0),
                                             ("784-128-64-10", [784, 128, 64, 10], 15.0))]},
            "environment": {"processor": "a CPU"}}


def test_every_target_is_listed_once():
    results = fake_results()
    rows = report_targets.rows(results)
    keys = [(r["goal"], r["case"]) for r in rows]
    assert len(keys) == len(set(keys))
    goals = {r["goal"] for r in rows}
    assert {"step: loops ≥ 8x numpy", "step: loops ≥ 3x jax", "step: loops ≥ 1x jax",
            "public net.step ≤ 1.5x its core", "public net.forward ≤ 1.5x its core",
            "epoch: loops fit ≥ 1x JAX lax.scan",
            "epoch: loops fit ≥ 20x scikit-learn partial_fit", "busy machine: loops ≥ 1x numpy",
            "cold start: first fit + gradients ≤ 10 s",
            "cold start: first fit + gradients ≤ 15 s"} <= goals
    by_key = {(r["goal"], r["case"]): r for r in rows}
    tiny = by_key[("step: loops ≥ 8x numpy", "tiny float64")]
    assert tiny["measured"] == pytest.approx(5.0) and not tiny["met"]
    assert tiny["margin"] == pytest.approx(5 / 8)
    assert by_key[("step: loops ≥ 30x torch", "tiny float64")]["target"] == 30
    cold = by_key[("cold start: first fit + gradients ≤ 10 s", "quickstart, empty cache, float64")]
    assert cold["measured"] == 34 and cold["margin"] == pytest.approx(10 / 34)
    assert by_key[("warm start: first fit + gradients ≤ 0.5 s",
                   "784-128-64-10, warm cache, float64")]["met"]
    assert ("epoch: loops fit ≥ 1x JAX lax.scan", "tiny float64 sgd, 2 busy") not in by_key
    busy_epoch = by_key[("epoch: loops fit ≥ 1x JAX lax.scan", "tiny float64 sgd, 1 busy")]
    assert busy_epoch["measured"] == pytest.approx(0.5) and busy_epoch["source"] == "issues 12, 28"
    large = by_key[("product: loops ≥ 0.85x NumPy's BLAS",
                    "large 1024 -> 1024, m = 256, dW = dZ A_prev^T, float32")]
    assert large["measured"] == 0.8 and not large["met"]
    digits = by_key[("product: loops ≥ 40 GFLOP/s",
                     "digits-32 64 -> 32, m = 32, Z = W A_prev + b, float64")]
    assert digits["met"] and digits["margin"] == pytest.approx(45 / 40)
    assert not any(r["case"].startswith("digits") and r["case"].endswith("float32")
                   for r in rows)                         # 40 GFLOP/s is a float64 target
    text = report.markdown(results)
    for heading in ("## Targets", "## One training step", "## Public calls",
                    "## The products of one layer", "## One training epoch",
                    "## One training epoch with 1 process(es) spinning",
                    "## One training epoch with 2 process(es) spinning", "## On a busy machine",
                    "## Cold and warm start"):
        assert heading in text
    assert "45.00 GFLOP/s" in text


def test_missing_peers_are_skipped_with_their_reason(monkeypatch):
    monkeypatch.setattr(peers, "missing", lambda name: "jax is not installed (pip ...)"
                        if name == "jax" else None)
    names, skipped = bench.choose(["loops", "numpy", "jax"])
    assert names == ["loops", "numpy"] and skipped == {"jax": "jax is not installed (pip ...)"}
    results = fake_results()
    results["skipped"] = skipped
    assert "Skipped: jax (jax is not installed (pip ...))" in report.markdown(results)


def test_bench_command_function(tmp_path, monkeypatch):
    """``bench.command`` is all the command line calls: every mode, then the files."""
    monkeypatch.setattr(bench_sweep, "POINTS", {"width": [4, 8], "batch": [1, 2]})
    monkeypatch.setattr(bench_epoch, "CASES", {"tiny": bench_epoch.CASES["tiny"]})
    monkeypatch.setattr(bench_cold, "run", lambda dtype, log: fake_results()["cold"])
    lines = []
    paths = {"json_path": tmp_path / "r.json", "markdown_path": tmp_path / "r.md"}
    status = bench.command(["tiny"], ["float32"], ["loops", "numpy"], 0.01, epoch=True,
                           sweep=("width", "batch"), cold=True, argv=["--epoch"],
                           out=lines.append, **paths)
    assert status == 0
    results = json.loads(paths["json_path"].read_text())
    assert set(results["sweeps"]) == {"width", "batch"}
    assert {r["implementation"] for r in results["epochs"]} == {"loops", "numpy"}
    text = paths["markdown_path"].read_text()
    assert "ffnn-numba bench --epoch" in text and "## Sweep: batch size m" in text
    assert any("raw figures saved" in line for line in lines)


def test_cold_start_in_a_fresh_process():
    """The start-up process runs and reports its figures (here on the warm shared cache, so
    that nothing compiles; the real cold start takes minutes)."""
    from ffnn_numba.kernels import _jit
    if _jit.CACHE_DIR is None:
        pytest.skip("the kernel cache is off (FFNN_NUMBA_CACHE=0)")
    from pathlib import Path
    for network in bench_cold.NETWORKS:
        times = bench_cold.start_times("float64", Path(_jit.CACHE_DIR).parent, network)
        assert set(times) == {"import", "fit", "gradients", "process"}
        assert all(t > 0 for t in times.values())


def test_bench_command(tmp_path, capsys):
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    assert main(["bench", "--sizes", "tiny", "--dtypes", "float64", "--backends", "loops,numpy",
                 "--min-time", "0.01", "--no-startup", "--json", str(out_json),
                 "--markdown", str(out_md)]) == 0
    results = json.loads(out_json.read_text())
    assert {c["backend"] for c in results["cases"]} == {"loops", "numpy"}
    assert all(c["seconds"] > 0 and c["gflops"] > 0 for c in results["cases"])
    assert all(c["public_seconds"] > 0 for c in results["cases"])
    text = out_md.read_text()
    assert "| step: loops ≥ 8x numpy | tiny float64 |" in text and "GFLOP/s" in text
    assert "ffnn-numba bench --sizes tiny" in text


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
    assert all(low <= median <= high for r in rows for low, median, high in
               [sorted(r["vs_numpy"]), sorted(r["vs_1_thread"])])
    text = out_md.read_text()
    assert "## On a busy machine" in text and "busy machine: loops ≥ 1x numpy" in text
    assert set(spinning()) <= before                          # its own load was stopped


def test_epochs_and_products_on_a_busy_machine(tmp_path, monkeypatch):
    """--epoch --busy times the synthetic epochs again under load, against JAX where
    installed; --products times the three products of each layer case against NumPy."""
    from ffnn_numba.bench import products as bench_products
    monkeypatch.setattr(bench_epoch, "CASES", {"tiny": bench_epoch.CASES["tiny"]})
    monkeypatch.setattr(bench_products, "CASES", {"digits-32 64 -> 32, m = 32": (32, 64, 32)})
    out_json = tmp_path / "r.json"
    status = bench.command(["tiny"], ["float64"], ["loops", "numpy"], 0.01, busy=(0, 1),
                           epoch=True, products=True, json_path=out_json, out=lambda *a: None)
    assert status == 0
    results = json.loads(out_json.read_text())
    busy = results["epochs_busy"]
    assert {(r["busy"], r["case"], r["implementation"]) for r in busy} == {
        (1, "tiny", "loops"), (1, "tiny", "numpy")}
    assert [r["equation"] for r in results["products"]] == list(bench_products.EQUATIONS)
    assert all(r["gflops"]["loops"] > 0 and r["share"] > 0 for r in results["products"])


def test_paired_ratios_compare_each_round_with_itself():
    """A machine that slows down halfway through the run moves both turns of a round: the
    ratio within each round stays 2, where the ratio of the whole run's medians would not."""
    rounds = {"loops": [[1.0], [1.0], [3.0], [3.0], [3.0]],
              "numpy": [[2.0, 2.0], [2.0], [6.0], [6.0], [6.0]]}
    assert bench_step.paired_ratio(rounds, "numpy", "loops") == (2.0, 2.0, 2.0)
    rounds["numpy"] = [[1.0], [1.2], [0.9], [1.1], [1.0]]
    rounds["loops"] = [[1.0]] * 5
    median, low, high = bench_step.paired_ratio(rounds, "numpy", "loops")
    assert (median, low, high) == pytest.approx((1.0, 1.0, 1.1))


def test_every_turn_lasts_at_least_min_blocks_blocks():
    """A turn of a slow step (the large one under load) is its share of the time or at
    least ``min_blocks`` blocks, whichever is longer, in every round."""
    calls = {"slow": 0, "fast": 0}

    def counted(name):
        def step():
            calls[name] += 1
        return step

    rounds = bench_step.alternating_rounds({name: counted(name) for name in calls}, 1e-6,
                                           rounds=3, min_blocks=4)
    assert all(len(per_round) == 3 and all(len(blocks) >= 4 for blocks in per_round)
               for per_round in rounds.values())
    assert calls["slow"] >= bench_step.WARM_UP_CALLS + 3 * (1 + 4 * 3)


@pytest.mark.parametrize("ratio, verdict", [((1.05, 0.98, 1.1), "yes"), ((0.98, 0.95, 1.03), "tie"),
                                            ((0.9, 0.85, 0.95), "**NO**")])
def test_a_busy_target_within_the_noise_is_a_tie_not_a_pass(ratio, verdict):
    results = {"cases": [], "busy": [{"busy": 2, "size": "medium", "dtype": "float32",
                                      "loops": 1.0, "loops_1_thread": 1.0, "numpy": 1.0,
                                      "vs_numpy": ratio, "vs_1_thread": ratio}]}
    rows = report_targets.rows(results)
    assert [r["met"] for r in rows] == [verdict == "yes"] * 2
    text = report_targets.table(results)
    assert text.count(f"| {verdict} |") == 2
    assert ("2 tied" in text) == (verdict == "tie")
    assert f"{ratio[0]:.2f}x ({ratio[1]:.2f}-{ratio[2]:.2f})" in report.busy_table(results["busy"])


@pytest.mark.parametrize("levels", ["x", "-1", "", "1,,2"])
def test_bench_refuses_bad_busy_levels(levels, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--busy", levels])
    assert exit_.value.code == 2 and "--busy" in capsys.readouterr().err
