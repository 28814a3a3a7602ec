"""The benchmark's report: the targets, the tables and the Markdown of ``bench/RESULTS.md``.

Every figure comes from one ``ffnn-numba bench`` run (``bench.run``, ``busy.run``); this
module only turns them into text.
"""

# The loops backend's speed-up over each peer that the project aims for, one target per
# (size, dtype, peer); unlisted cases have none.
TARGETS = {
    **{(size, dtype, "numpy"): target for size, target in
       (("tiny", 8.0), ("small", 2.0), ("medium", 1.0), ("large", 1.0))
       for dtype in ("float64", "float32")},
    **{(size, dtype, "torch"): 1.0 for size in ("tiny", "small", "medium", "large")
       for dtype in ("float64", "float32")},
    ("tiny", "float64", "torch"): 30.0,
}
PEERS = ("numpy", "torch")


def ratios(results):
    """{(size, dtype): {peer: loops speed / peer speed}} over the peers measured."""
    seconds = {(c["size"], c["dtype"], c["backend"]): c["seconds"] for c in results["cases"]}
    return {(size, dtype): {peer: seconds[(size, dtype, peer)] / s for peer in PEERS
                            if (size, dtype, peer) in seconds}
            for (size, dtype, backend), s in seconds.items() if backend == "loops"}


def duration(seconds):
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def step_table(results):
    """One row per case and backend: time, GFLOP/s, share of the ceiling, speed-up,
    agreement, allocation."""
    ceiling = results["machine_gflops"]
    speedups = ratios(results)
    lines = ["| size | dtype | backend | median step | GFLOP/s | % of matmul ceiling | "
             "loops speed-up vs this | agrees with numpy | bytes allocated/step |",
             "|---|---|---|---:|---:|---:|---:|---|---:|"]
    for c in results["cases"]:
        ratio = speedups[(c["size"], c["dtype"])].get(c["backend"])
        agree = c["agreement"]["updates"]
        lines.append(
            f"| {c['size']} {c['layers']} m={c['m']} | {c['dtype']} | {c['backend']} | "
            f"{duration(c['seconds'])} | {c['gflops']:.1f} | "
            f"{100 * c['gflops'] / ceiling[c['dtype']]:.0f}% | "
            f"{'' if ratio is None else f'{ratio:.2f}x'} | "
            f"{'yes' if agree <= c['agreement']['tolerance'] else 'NO'} ({agree:.0e}) | "
            f"{c['allocated_bytes']} |")
    return "\n".join(lines)


def target_table(results):
    speedups = ratios(results)
    lines = ["| size | dtype | loops speed-up vs | target | measured | met |",
             "|---|---|---|---:|---:|---|"]
    for (size, dtype, peer), target in TARGETS.items():
        measured = speedups.get((size, dtype), {}).get(peer)
        if measured is not None:
            lines.append(f"| {size} | {dtype} | {peer} | {target:g}x | {measured:.2f}x | "
                         f"{'yes' if measured >= target else 'NO'} |")
    return "\n".join(lines)


def busy_table(rows):
    """The busy-machine rows, with the two ratios its targets are about: loops against numpy
    (at least 1) and against its own single thread (at least 1)."""
    lines = ["| busy processes | size | dtype | loops | loops, 1 thread | numpy | "
             "loops vs numpy | loops vs its 1 thread |", "|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['busy']} | {r['size']} | {r['dtype']} | {duration(r['loops'])} | "
                     f"{duration(r['loops_1_thread'])} | {duration(r['numpy'])} | "
                     f"{r['numpy'] / r['loops']:.2f}x | {r['loops_1_thread'] / r['loops']:.2f}x |")
    return "\n".join(lines)


def markdown(results):
    """The whole report: machine, step table, targets, busy machine, start-up."""
    lines = ["# Benchmark results", "",
             "Written by `" + results.get("command", "ffnn-numba bench") + "`; do not edit by hand.",
             "", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in results["environment"].items()]
    lines += ["", "Matrix-multiply ceiling (NumPy's BLAS, 2048 x 2048): " + ", ".join(
        f"{dtype} {g:.0f} GFLOP/s" for dtype, g in results["machine_gflops"].items()),
        "", "## One training step", "",
        "Each figure is the median, over five rounds that alternate between the backends, of "
        "the mean step time of a block of consecutive steps (`bench.side_by_side`), so a "
        "passing disturbance of the machine falls on every backend alike while a stall inside "
        "a block counts in full. GFLOP/s counts the matrix equations only (Z, dW in every "
        "layer, dA_prev in all but the first). *loops speed-up vs this* is the other "
        "backend's time divided by the loops backend's, both measured in this run. *agrees "
        "with numpy*: the largest difference between this backend's first update Δθ and "
        "numpy's, relative to numpy's largest |Δθ|, held to the rounding bound 8 L K ε (K the "
        "longest sum of the step, ε the dtype's machine epsilon; "
        "`ffnn_numba.checks.agreement_tolerance`). *bytes allocated/step*: peak of the Python "
        "allocator during a step in steady state (tracemalloc; the compiled step itself "
        "allocates nothing, see tests/test_allocation.py).", "", step_table(results), "",
        "## Targets", "", target_table(results)]
    if "busy" in results:
        lines += ["", "## On a busy machine", "",
                  "The same steps while other processes spin on the cores, started and stopped "
                  "by the benchmark (`--busy`), timed the same way. *loops, 1 thread* is the "
                  "loops backend limited to one thread (`ff.set_num_threads(1)`).", "",
                  busy_table(results["busy"])]
    if "startup" in results:
        (ci, cs), (wi, ws) = results["startup"]["cold"], results["startup"]["warm"]
        lines += ["", "## Start-up (float64, fresh process)", "",
                  "| kernel cache | import ffnn_numba | first step, fit epoch and gradients |",
                  "|---|---:|---:|",
                  f"| empty (compiles) | {ci:.2f} s | {cs:.2f} s |",
                  f"| warm (loads) | {wi:.2f} s | {ws:.2f} s |"]
    return "\n".join(lines)
