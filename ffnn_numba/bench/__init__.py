"""``ffnn-numba bench``: the loops backend side by side with numpy and the peers (PyTorch, JAX,
scikit-learn), after checking that every one computes the same first update.

What it measures, each in its own module:

- one training step per size and dtype (``bench_step``), the core and the public call;
- with ``epoch``, one training epoch with SGD and Adam (``bench_epoch``);
- with ``sweep``, the step over hidden widths or batch sizes, and the crossovers
  (``bench_sweep``);
- with ``busy``, the step with other processes spinning on the cores (``busy``);
- with ``cold``, a fresh process's first fit and gradients from an empty kernel cache
  (``bench_cold``);
- always, the machine and its matrix-multiply ceiling (``bench_machine``).

Every timing comes from one timer, ``side_by_side``: medians of block means taken in rounds
that alternate between the things compared. ``command`` is all the command line calls;
``report`` turns the figures into the Markdown of ``bench/RESULTS.md``.
"""
import contextlib
import json

from . import cold as bench_cold, epoch as bench_epoch, peers, products as bench_products, \
    sweep as bench_sweep
from .. import files
from .machine import ceilings, environment, machine_gflops  # noqa: F401
from .step import (DTYPES, LEARNING_RATE, SIZES, Step, agreement,  # noqa: F401
                         allocated_bytes, block_mean, measure_steps, network, public_calls,
                         side_by_side, step_flops)

STEP_BACKENDS = ("loops", "numpy", "torch", "jax")
BACKENDS = STEP_BACKENDS + ("sklearn",)   # scikit-learn: epochs only
SWEEPS = tuple(bench_sweep.SWEEPS)
# Re-exported: the step's pieces have lived here (busy.py, the bench/ suites and users import them).
__all__ = ["BACKENDS", "DTYPES", "LEARNING_RATE", "SIZES", "STEP_BACKENDS", "SWEEPS", "Step",
           "agreement", "allocated_bytes", "block_mean", "ceilings", "choose", "command",
           "environment", "failed_checks", "has_torch", "machine_gflops", "measure_steps",
           "network", "public_calls", "run", "save_json", "side_by_side", "step_flops",
           "unavailable"]


def has_torch():
    return peers.missing("torch") is None


def unavailable(name):
    """Why the backend ``name`` cannot run here, or None when it can."""
    return peers.missing(name) if name in peers.MODULES else None


def choose(backends=None):
    """(the backends to run, {backend: why it is skipped}): ``backends`` (default every one)
    without those not installed, numpy always included."""
    wanted = list(backends or BACKENDS)
    skipped = {name: unavailable(name) for name in wanted if unavailable(name)}
    names = [name for name in wanted if name not in skipped]
    return (names if "numpy" in names else ["numpy"] + names), skipped


def _precision(names):
    """JAX's float64 mode for the whole run when JAX takes part (``peer_jax.x64``)."""
    if "jax" in names:
        from .peer_jax import x64
        return x64()
    return contextlib.nullcontext()


def run(sizes=tuple(SIZES), dtypes=tuple(DTYPES), backends=None, min_time=0.5, busy=None,
        epoch=False, sweep=(), cold=False, startup=False, products=False, log=print):
    """Measure everything asked for; returns the raw figures as a JSON-ready dict.

    ``sizes`` and ``dtypes``: names from ``SIZES`` and ``DTYPES``; ``backends``: names from
    ``BACKENDS`` (default every installed one; those not installed are skipped, with the
    reason in ``results["skipped"]``); ``min_time``: seconds of timing per case; ``busy``:
    levels of load (e.g. (0, 1, 2)); ``epoch``: the epoch benchmark (its synthetic cases are
    the sizes among tiny, small, medium, plus the two digits cases; with ``busy``, the
    synthetic ones again at each level above 0, against JAX); ``sweep``: kinds from
    ``SWEEPS``; ``cold`` (or its old name ``startup``): cold and warm start, in the first
    dtype; ``products``: the three products of a layer alone against NumPy's BLAS
    (``products.CASES``).
    """
    names, skipped = choose(backends)
    step_names = [name for name in names if name in STEP_BACKENDS]
    results = {"machine_gflops": ceilings(), "skipped": skipped, "cases": [], "public": []}
    with _precision(names):
        for size in sizes:
            for dtype_name in dtypes:
                rows = measure_steps(size, dtype_name, step_names, min_time)
                results["cases"] += rows
                for row in rows:
                    log(f"  {size:<6} {dtype_name:<7} {row['backend']:<5} "
                        f"{row['seconds'] * 1e6:12.1f} us")
                results["public"].append({"size": size, "dtype": dtype_name,
                                          **public_calls(size, dtype_name, min_time)})
        if products:
            results["products"] = bench_products.run(dtypes, min_time, log)
        if epoch:
            cases = _epoch_cases(sizes, results)
            results["epochs"] = bench_epoch.run(cases, dtypes, names, min_time, log)
            if busy and max(busy) > 0:
                results["epochs_busy"] = bench_epoch.run_busy(cases, dtypes, names, busy,
                                                              min_time, log)
        for kind in sweep:
            results.setdefault("sweeps", {})[kind] = bench_sweep.run(kind, dtypes, step_names,
                                                                     min_time, log=log)
    if busy:
        from . import busy as busy_machine
        log("the same steps with other processes spinning on the cores:")
        results["busy"] = busy_machine.run(sizes, dtypes, busy, min_time=1.5 * min_time, log=log)
    if cold or startup:
        results["cold"] = bench_cold.run(dtypes[0], log=log)
    results["environment"] = environment()
    return results


def _epoch_cases(sizes, results):
    cases = [size for size in sizes if size in bench_epoch.CASES]
    reason = peers.missing("sklearn")
    digits = [name for name, case in bench_epoch.CASES.items() if case[2] == "digits"]
    if reason:
        results["skipped"].update({name: f"needs scikit-learn's bundled digits: {reason}"
                                   for name in digits})
        return cases
    return cases + digits


def failed_checks(results):
    """The cases whose first update disagreed with numpy's beyond the bound: a bug, not noise."""
    rows = results["cases"] + results.get("epochs", []) + [
        row for sweep in results.get("sweeps", {}).values() for row in sweep["rows"]]
    return [row for row in rows if row["agreement"]["updates"] > row["agreement"]["tolerance"]]


def save_json(results, path):
    files.write_text(path, json.dumps(results, indent=2, default=str))


def command(sizes=tuple(SIZES), dtypes=tuple(DTYPES), backends=None, min_time=1.0, threads=None,
            busy=None, epoch=False, sweep=(), cold=False, json_path=None, markdown_path=None,
            plot_path=None, argv=(), products=False, out=print):
    """Everything ``ffnn-numba bench`` does: measure (``run``), print the report, save it as
    JSON, Markdown and a plot where asked. Returns the exit status: 1 when a first-update
    check failed (a real disagreement), 0 otherwise."""
    from . import report
    if threads:
        from ..threads import set_num_threads
        set_num_threads(threads)
    out("ffnn-numba bench: the loops backend side by side with numpy and the installed peers, "
        "each checked on its first update before it is timed")
    results = run(sizes, dtypes, backends, min_time, busy, epoch, sweep, cold,
                  products=products, log=out)
    results["command"] = " ".join(["ffnn-numba", "bench", *argv])
    text = report.markdown(results)
    out("")
    out(text)
    if json_path:
        save_json(results, json_path)
        out(f"\nraw figures saved to {json_path}")
    if markdown_path:
        files.write_text(markdown_path, text + "\n")
        out(f"report saved to {markdown_path}")
    if plot_path:
        from ..plot import plot_results
        for path in plot_results(results, plot_path):
            out(f"plot saved to {path}")
    failed = failed_checks(results)
    for row in failed:
        out(f"DISAGREEMENT: {row.get('implementation', row.get('backend'))} on "
            f"{row.get('case', row.get('size') or row['layers'])} {row['dtype']}: "
            f"{row['agreement']['updates']:.1e} > {row['agreement']['tolerance']:.1e}")
    return 1 if failed else 0
