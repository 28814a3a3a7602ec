"""The benchmark's report: the tables and the Markdown of ``bench/RESULTS.md``.

Every figure comes from one ``ffnn-numba bench`` run (``bench.run``); this module only turns
them into text. The targets, each listed once, are in ``report_targets``.
"""
from . import products, report_targets
from .machine import CEILING_N
from .busy import MIN_BLOCKS, ROUNDS

PEERS = ("numpy", "torch", "jax", "sklearn")


def duration(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _agrees(agreement):
    difference = agreement["updates"]
    return f"{'yes' if difference <= agreement['tolerance'] else '**NO**'} ({difference:.0e})"


def ratios(results):
    """{(size, dtype): {peer: loops speed / peer speed}} over the peers measured."""
    seconds = {(c["size"], c["dtype"], c["backend"]): c["seconds"] for c in results["cases"]}
    return {(size, dtype): {peer: seconds[(size, dtype, peer)] / s for peer in PEERS
                            if (size, dtype, peer) in seconds}
            for (size, dtype, backend), s in seconds.items() if backend == "loops"}


def step_table(results):
    """One row per case and backend: core time, GFLOP/s, share of the ceiling, speed-up,
    public call and its cost over the core, agreement, allocation."""
    ceiling = results["machine_gflops"]
    speedups = ratios(results)
    lines = ["| size | dtype | backend | median step | GFLOP/s | % of matmul ceiling | "
             "loops speed-up vs this | public `net.step` | public / core | agrees with numpy | "
             "bytes allocated/step |", "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for c in results["cases"]:
        ratio = speedups[(c["size"], c["dtype"])].get(c["backend"])
        public = c.get("public_seconds")
        cost = "" if public is None else f"{public / c['seconds']:.2f}x"
        lines.append(
            f"| {c['size']} {c['layers']} m={c['m']} | {c['dtype']} | {c['backend']} | "
            f"{duration(c['seconds'])} | {c['gflops']:.1f} | "
            f"{100 * c['gflops'] / ceiling[c['dtype']]:.0f}% | "
            f"{'' if ratio is None else f'{ratio:.2f}x'} | "
            f"{'' if public is None else duration(public)} | "
            f"{cost} | "
            f"{_agrees(c['agreement'])} | {c['allocated_bytes']} |")
    return "\n".join(lines)


def public_table(results):
    """The loops backend's public forward and gradients against their cores."""
    lines = ["| size | dtype | call | public | core | public / core |",
             "|---|---|---|---:|---:|---:|"]
    for entry in results.get("public", []):
        for call in ("forward", "gradients"):
            public, core = entry[call]["public"], entry[call]["core"]
            lines.append(f"| {entry['size']} | {entry['dtype']} | `net.{call}` | "
                         f"{duration(public)} | {duration(core)} | {public / core:.2f}x |")
    return "\n".join(lines)


def epoch_table(rows, ceiling):
    """One row per epoch case and implementation (``rows``: rows of ``epoch.run``), with
    its share of the machine's matmul ``ceiling`` ({dtype: GFLOP/s})."""
    seconds = {(r["case"], r["dtype"], r["optimizer"], r["implementation"]): r["seconds"]
               for r in rows}
    lines = ["| case | dtype | optimizer | implementation | epoch | GFLOP/s | % of matmul ceiling "
             "| loops speed-up vs this | test accuracy | first update agrees with numpy |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        loops = seconds.get((r["case"], r["dtype"], r["optimizer"], "loops"))
        speedup = "" if loops is None or r["implementation"] == "loops" else \
            f"{r['seconds'] / loops:.2f}x"
        accuracy = "" if r["accuracy"] is None else f"{r['accuracy']:.3f}"
        lines.append(
            f"| {r['case']} {r['layers']}, {r['examples']} examples, batch {r['batch_size']} | "
            f"{r['dtype']} | {r['optimizer']} | {r['implementation']} | {duration(r['seconds'])} "
            f"| {r['gflops']:.1f} | {100 * r['gflops'] / ceiling[r['dtype']]:.0f}% | {speedup} | "
            f"{accuracy} | {_agrees(r['agreement'])} |")
    return "\n".join(lines)


def sweep_table(sweep):
    """One row per point and dtype: time per example of each backend, the loops backend's
    GFLOP/s and its speed-up over each peer; then the crossovers."""
    backends = list(dict.fromkeys(r["backend"] for r in sweep["rows"]))
    peers = [b for b in backends if b != "loops"]
    lines = [f"| {sweep['x']} | dtype | work (MFLOP) | "
             + " | ".join(f"{b} µs/example" for b in backends) + " | loops GFLOP/s | "
             + " | ".join(f"loops vs {p}" for p in peers) + " |",
             "|---:|---|---:|" + "---:|" * (2 * len(backends))]
    points = {}
    for r in sweep["rows"]:
        points.setdefault((r["x"], r["dtype"]), {})[r["backend"]] = r
    for (x, dtype), row in points.items():
        loops = row["loops"]
        lines.append(f"| {x} | {dtype} | {loops['flops'] / 1e6:.3g} | "
                     + " | ".join(f"{row[b]['per_example'] * 1e6:.3g}" for b in backends)
                     + f" | {loops['gflops']:.1f} | "
                     + " | ".join(f"{row[p]['seconds'] / loops['seconds']:.2f}x" for p in peers)
                     + " |")
    lines += ["", "| dtype | peer | crossover at " + sweep["x"] + " ≈ | work ≈ (MFLOP) | "
              "loops faster |", "|---|---|---:|---:|---|"]
    for c in sweep["crossovers"]:
        lines.append(f"| {c['dtype']} | {c['peer']} | {c['x']:.3g} | {c['flops'] / 1e6:.3g} | "
                     f"{'below' if c['loops_faster_below'] else 'above'} |")
    if not sweep["crossovers"]:
        lines.append("| | | none: the same backend is faster at every point | | |")
    return "\n".join(lines)


def busy_table(rows):
    """The busy-machine rows, with the two ratios its targets are about: loops against numpy
    (at least 1) and against its own single thread (at least 1), each with the middle half
    of its rounds."""
    lines = ["| busy processes | size | dtype | loops | loops, 1 thread | numpy | "
             "loops vs numpy | loops vs its 1 thread |", "|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        same = "" if r.get("threads", True) else " (same serial code)"
        lines.append(f"| {r['busy']} | {r['size']} | {r['dtype']} | {duration(r['loops'])} | "
                     f"{duration(r['loops_1_thread'])} | {duration(r['numpy'])} | "
                     f"{_spread(r['vs_numpy'])} | {_spread(r['vs_1_thread'])}{same} |")
    return "\n".join(lines)


def _spread(ratio):
    """"1.02x (0.97-1.08)": a paired ratio and its quartiles (``busy.run``)."""
    median, low, high = ratio
    return f"{median:.2f}x ({low:.2f}-{high:.2f})"


def cold_table(cold):
    lines = ["| network | kernel cache | import ffnn_numba | first fit | first gradients | "
             "fit + gradients | whole process |", "|---|---|---:|---:|---:|---:|---:|"]
    for network in cold["networks"]:
        case = (f"{network['name']} {network['layers']}, batch {network['batch_size']}, "
                f"{network['examples']} examples")
        for label, key in (("empty (compiles)", "cold"), ("warm (loads)", "warm")):
            t = network[key]
            lines.append(f"| {case} | {label} | {t['import']:.2f} s | {t['fit']:.2f} s | "
                         f"{t['gradients']:.2f} s | {t['fit'] + t['gradients']:.2f} s | "
                         f"{t['process']:.2f} s |")
    return "\n".join(lines)


STEP_TEXT = (
    "Each figure is the median, over five rounds that alternate between the backends, of the "
    "mean time of a block of consecutive calls (`bench.side_by_side`), so a passing "
    "disturbance of the machine falls on every backend alike while a stall inside a block "
    "counts in full. *median step*: the compiled core, the engine's `train_step` on the "
    "network's buffers, called past Numba's argument typing as `Network` calls it (for the "
    "peers: PyTorch eager; JAX `value_and_grad` and the update in one `jax.jit` with donated "
    "parameters, waited for at the end of each block). *public "
    "`net.step`*: what a user calls, `net.step(X, Y)` with X and Y already of the network's "
    "dtype, in the same rounds. GFLOP/s counts the matrix equations only (Z, dW in every "
    "layer, dA_prev in all but the first). *loops speed-up vs this*: this backend's time "
    "divided by the loops backend's. *agrees with numpy*: the largest difference between this "
    "backend's first update Δθ and numpy's, relative to numpy's largest |Δθ|, held to the "
    "rounding bound 8 L K ε of the gradients (K the longest sum of the step, ε the dtype's "
    "machine epsilon; `ffnn_numba.teach.checks.agreement_tolerance`) plus ε max|θ| / max|Δθ|, the "
    "rounding of θ after the update. *bytes allocated/step*: peak of the Python allocator "
    "during a step in steady state (tracemalloc; the compiled step itself allocates nothing, "
    "see tests/test_allocation.py).")

EPOCH_TEXT = (
    "One epoch: a fresh shuffle, then one update per batch (the last batch smaller where the "
    "batch size does not divide the examples). *loops*, *numpy*: the public "
    "`net.fit(X, Y, epochs=1, batch_size=..., optimizer=..., reset_optimizer=False)`; *jax*: "
    "a permutation and a `lax.scan` of the step in one `jax.jit`, each batch's columns "
    "gathered by index (the same shuffling work as the loops' copy of the shuffled examples, "
    "but without `fit`'s check of X and Y or its count of correct predictions per batch); "
    "*torch*: an eager loop over "
    "`torch.randperm` batches; *sklearn*: one `MLPClassifier.partial_fit` (alpha=0, constant "
    "learning rate, no momentum). Same network, initial parameters, data, batch size and "
    "update rule (SGD α = 0.05; Adam α = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8). *first update "
    "agrees*: every implementation's first update from the same parameters on the first "
    "batch, against numpy's, as for the step; Adam is checked with ε = 0.01 (its first update "
    "α g / (|g| + ε/√(1 − β2)) is ill-conditioned where |g| is near ε) and the bound is "
    "multiplied by its conditioning 1 + max|g| √(1 − β2) / ε. *test accuracy* (digits): on the "
    "held-out quarter of scikit-learn's bundled digits after 30 epochs from the same start.")


def markdown(results):
    """The whole report: machine, targets, step, public calls, epoch, sweeps, busy machine,
    cold start."""
    lines = ["# Benchmark results", "",
             "Written by `" + results.get("command", "ffnn-numba bench")
             + "`; do not edit by hand.",
             "", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in results["environment"].items()]
    lines += ["", f"Matrix-multiply ceiling (NumPy's BLAS, {CEILING_N} x {CEILING_N}, measured "
              "in this run): "
              + ", ".join(f"{dtype} {g:.0f} GFLOP/s"
                          for dtype, g in results["machine_gflops"].items())]
    if results.get("skipped"):
        lines += ["", "Skipped: " + "; ".join(f"{name} ({reason})"
                                              for name, reason in results["skipped"].items())]
    lines += ["", "## Targets", "", report_targets.table(results),
              "", "## One training step", "", STEP_TEXT, "", step_table(results)]
    if results.get("public"):
        lines += ["", "## Public calls against their core (loops)", "",
                  "`net.forward(X)` against the engine's `forward_propagation` with X copied "
                  "into the network's buffer; `net.gradients(X, Y)` against that and "
                  "`backward_propagation` (the public call also copies the results out).", "",
                  public_table(results)]
    if results.get("products"):
        lines += ["", "## The products of one layer", "", products.TEXT, "",
                  products.table(results["products"])]
    if results.get("epochs"):
        lines += ["", "## One training epoch", "", EPOCH_TEXT, "", epoch_table(results["epochs"], results["machine_gflops"])]
    for level in sorted({r["busy"] for r in results.get("epochs_busy", [])}):
        rows = [r for r in results["epochs_busy"] if r["busy"] == level]
        lines += ["", f"## One training epoch with {level} process(es) spinning", "",
                  f"The synthetic epochs again, checked and timed the same way while {level} "
                  f"other process(es) spin on the cores (`--epoch --busy`): the loops fit "
                  f"on the threads the load leaves it (`ff.threads.thread_count`), JAX's and "
                  f"NumPy's on their own.", "",
                  epoch_table(rows, results["machine_gflops"])]
    for sweep in results.get("sweeps", {}).values():
        lines += ["", f"## Sweep: {sweep['x']} ({sweep['network']})", "",
                  "The training step at each point, timed and checked as above. *crossover*: "
                  "where the loops backend's speed-up over a peer crosses 1, interpolated "
                  "log-linearly between neighbouring points.", "", sweep_table(sweep)]
    if "busy" in results:
        lines += ["", "## On a busy machine", "",
                  "The same steps while other processes spin on the cores, started and stopped "
                  f"by the benchmark (`--busy`), timed the same way, in {ROUNDS} rounds whose "
                  f"every turn is at least {MIN_BLOCKS} blocks of three calls or more, but "
                  "through the public "
                  "`net.step(X, Y)`, as a user's loop calls it: the loops backend then runs on "
                  "as many threads as the cores the other processes leave free, every thread "
                  "where its widest product reaches `BUSY_MIN_WORK` (large) "
                  "(`ff.threads.thread_count`). *loops, 1 thread* is the same network limited "
                  "to one thread; where every product is below `PARALLEL_MIN_WORK` (tiny, "
                  "small), or below `BUSY_MIN_WORK` with processes spinning (medium), both "
                  "run the same serial code. The times are "
                  "medians of the blocks; each ratio is the median over the rounds of the ratio "
                  "within a round (the two turns a fraction of a second apart, so that a "
                  "drift of the machine's speed cancels), with the middle half of those "
                  "ratios in brackets: how far this host's noise moves it.", "",
                  busy_table(results["busy"])]
    if "cold" in results:
        lines += ["", f"## Cold and warm start ({results['cold']['dtype']}, fresh processes)", "",
                  "A fresh process with an empty kernel cache (`FFNN_NUMBA_CACHE_DIR` a new "
                  "directory, one per network), then another with the cache the first "
                  "filled: `import ffnn_numba`, the first `fit` (one epoch) and the first "
                  "`gradients` on all the examples. One measurement each. `ffnn-numba "
                  "compile` fills the cache ahead of time.", "",
                  cold_table(results["cold"])]
    return "\n".join(lines)
