"""The thread chooser against a network held to one thread, and NumPy, on a busy machine.

    python bench/chooser_load.py --size medium --dtype float64 --busy 2 --rounds 6

Each round calls each step back to back for a second (after a rest of 0.15 s, as the
benchmark's turns), in an order that alternates between rounds, while ``--busy`` processes
spin on the cores. Prints the median block time of each, the chooser's speed against the
held single thread and against NumPy (medians of the ratios within a round), and the means
the chooser ended with. A second a turn is longer than ``ffnn-numba bench --busy`` gives a
step: this is the chooser in the steady state of a user's ``fit``.
"""
import argparse
import statistics
import time

from ffnn_numba.bench import DTYPES, SIZES, Step
from ffnn_numba.bench_step import numba_threads
from ffnn_numba.busy import BusyCores


def block(step, threads, seconds=1.0):
    """Mean seconds per call of ``step`` called back to back for ``seconds``."""
    time.sleep(0.15)
    with numba_threads(threads):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() < start + seconds:
            step()
            calls += 1
        return (time.perf_counter() - start) / calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=list(SIZES))
    parser.add_argument("--dtype", default="float64", choices=list(DTYPES))
    parser.add_argument("--busy", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    dtype = DTYPES[args.dtype]
    with BusyCores(args.busy):
        steps = {"chooser": (Step(args.size, dtype, "loops", public=True), None),
                 "one thread": (Step(args.size, dtype, "loops", public=True), 1),
                 "numpy": (Step(args.size, dtype, "numpy", public=True), None)}
        for step, threads in steps.values():
            block(step, threads, 0.1)
        times = {name: [] for name in steps}
        for r in range(args.rounds):
            for name in list(steps)[::1 if r % 2 == 0 else -1]:
                times[name].append(block(*steps[name]))
    print(f"{args.size} {args.dtype}, {args.busy} busy: " + ", ".join(
        f"{name} {statistics.median(t) * 1e3:.2f} ms" for name, t in times.items()))
    for other in ("one thread", "numpy"):
        ratio = statistics.median(o / c for c, o in zip(times["chooser"], times[other]))
        print(f"  chooser vs {other}: {ratio:.2f}x")
    chooser = steps["chooser"][0].net._threads
    for kind, timings in chooser._kinds.items():
        print(f"  {kind}: prefers {timings.best()}, means (ms)",
              {n: round(timings.mean(n) * 1e3, 2) for n in timings.samples})


if __name__ == "__main__":
    main()
