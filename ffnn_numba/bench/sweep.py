"""Where the scalar loops stop beating vectorized BLAS: the training step timed over a range
of hidden widths (``--sweep width``) or batch sizes (``--sweep batch``), on every backend.

Each point is a case of ``bench_step.measure_steps`` (checked, then timed side by side).
A crossover is where the loops backend's speed-up over a peer, peer time / loops time,
crosses 1 between two neighbouring points; its position is interpolated linearly in
log(speed-up) against log(x), the axes the sweep is drawn on.
"""
import math

from .step import SIZES, measure_steps

WIDTHS = [4, 8, 16, 32, 64, 128, 256, 512, 1024]
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
# kind: (what x is, the network and batch of each x, a description of them)
SWEEPS = {
    "width": ("hidden width n", lambda w: ([64, w, w, 10], 64),
              "[64, n, n, 10], batch m = 64"),
    "batch": ("batch size m", lambda m: (SIZES["medium"][0], m),
              f"medium {SIZES['medium'][0]}, batch m"),
}
POINTS = {"width": WIDTHS, "batch": BATCHES}


def run(kind, dtypes, backends, min_time, points=None, log=print):
    """The sweep ``kind`` ("width" or "batch") over ``points`` (default ``WIDTHS`` or
    ``BATCHES``): {"x": what x is, "network": ..., "rows": one JSON-ready row per point,
    dtype and backend (``measure_steps``' row with "x", "flops" and "per_example" added),
    "crossovers": ``crossovers`` of every peer and dtype}."""
    label, make, description = SWEEPS[kind]
    rows = []
    for x in points or POINTS[kind]:
        sizes, m = make(x)
        for dtype_name in dtypes:
            for row in measure_steps((sizes, m), dtype_name, backends, min_time,
                                     full=False):
                row.update(x=x, flops=row["gflops"] * row["seconds"] * 1e9,
                           per_example=row["seconds"] / m)
                rows.append(row)
            log(f"  sweep {kind} {x:>5} {dtype_name:<7} " + "  ".join(
                f"{r['backend']} {r['seconds'] * 1e6:.1f} us" for r in rows[-len(backends):]))
    found = [c for dtype_name in dtypes for peer in backends if peer != "loops"
             for c in crossovers(rows, dtype_name, peer)]
    return {"kind": kind, "x": label, "network": description, "rows": rows, "crossovers": found}


def crossovers(rows, dtype_name, peer):
    """Where loops' speed-up over ``peer`` (peer seconds / loops seconds) crosses 1, in the
    rows of one dtype: a list of {"dtype", "peer", "x", "flops", "loops_faster_below"}, x and
    flops interpolated log-linearly; ``loops_faster_below`` tells on which side loops win."""
    seconds = {(r["x"], r["backend"]): r for r in rows if r["dtype"] == dtype_name}
    xs = sorted({x for x, backend in seconds if backend == "loops" and (x, peer) in seconds})
    speedups = [math.log(seconds[(x, peer)]["seconds"] / seconds[(x, "loops")]["seconds"])
                for x in xs]
    found = []
    for (x0, s0), (x1, s1) in zip(zip(xs, speedups), zip(xs[1:], speedups[1:])):
        if (s0 >= 0) == (s1 >= 0):
            continue
        t = s0 / (s0 - s1)   # where the log speed-up is 0, between x0 (t = 0) and x1
        f0, f1 = seconds[(x0, "loops")]["flops"], seconds[(x1, "loops")]["flops"]
        found.append({"dtype": dtype_name, "peer": peer,
                      "x": math.exp(math.log(x0) + t * (math.log(x1) - math.log(x0))),
                      "flops": math.exp(math.log(f0) + t * (math.log(f1) - math.log(f0))),
                      "loops_faster_below": s0 >= 0})
    return found
