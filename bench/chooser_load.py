"""The thread chooser against a network held to one thread, and NumPy, on a busy machine.

    python bench/chooser_load.py --size medium --dtype float64 --busy 2 --rounds 6

Timed by the benchmark's one timer (``bench_step.alternating_rounds``) while ``--busy``
processes spin on the cores, but with turns of a second each: far longer than the
``ffnn-numba bench --busy`` table gives a step, so that this is the chooser in the steady
state of a user's ``fit``. Prints the median block time of each, the chooser's speed against
the held single thread and against NumPy (``paired_ratio``: median and quartiles over the
rounds), and the means the chooser ended with.
"""
import argparse

from ffnn_numba.bench import DTYPES, SIZES, Step
from ffnn_numba.bench_step import alternating_rounds, medians, paired_ratio
from ffnn_numba.busy import BusyCores
from ffnn_numba.cli import _integer

TURN_SECONDS = 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=list(SIZES))
    parser.add_argument("--dtype", default="float64", choices=list(DTYPES))
    parser.add_argument("--busy", type=_integer(0, 64), default=2)
    parser.add_argument("--rounds", type=_integer(1), default=6)
    args = parser.parse_args()
    dtype = DTYPES[args.dtype]
    steps = {"chooser": Step(args.size, dtype, "loops", public=True),
             "one thread": Step(args.size, dtype, "loops", threads=1, public=True),
             "numpy": Step(args.size, dtype, "numpy", public=True)}
    with BusyCores(args.busy):
        rounds = alternating_rounds(steps, TURN_SECONDS * len(steps) * args.rounds, args.rounds)
    print(f"{args.size} {args.dtype}, {args.busy} busy: " + ", ".join(
        f"{name} {seconds * 1e3:.2f} ms" for name, seconds in medians(rounds).items()))
    for other in ("one thread", "numpy"):
        median, low, high = paired_ratio(rounds, other, "chooser")
        print(f"  chooser vs {other}: {median:.2f}x ({low:.2f}-{high:.2f})")
    for kind, timings in steps["chooser"].net._threads._kinds.items():
        print(f"  {kind}: prefers {timings.best()}, means (ms)",
              {n: round(timings.mean(n) * 1e3, 2) for n in timings.samples})


if __name__ == "__main__":
    main()
