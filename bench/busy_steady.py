"""The loops backend against itself on one thread, and NumPy, on a busy machine.

    python bench/busy_steady.py --size medium --dtype float64 --busy 2 --rounds 6

Timed by the benchmark's one timer (``bench_step.alternating_rounds``) while ``--busy``
processes spin on the cores, but with turns of a second each: far longer than the
``ffnn-numba bench --busy`` table gives a step, so that this is the steady state of a user's
``fit``. Prints the median block time of each, the loops backend's speed against the same
network held to one thread and against NumPy (``paired_ratio``: median and quartiles over
the rounds), the load of the other processes as the library measures it
(``threads.machine_load``) at the end, and the thread count a step then runs on
(``threads.thread_count``).
"""
import argparse
import time

from ffnn_numba import threads
from ffnn_numba.bench import DTYPES, SIZES, Step
from ffnn_numba.bench.step import alternating_rounds, case, medians, paired_ratio
from ffnn_numba.bench.busy import BusyCores, threaded
from ffnn_numba.cli.arguments import integer as _integer

TURN_SECONDS = 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=list(SIZES))
    parser.add_argument("--dtype", default="float64", choices=list(DTYPES))
    parser.add_argument("--busy", type=_integer(0, 64), default=2)
    parser.add_argument("--rounds", type=_integer(1), default=6)
    args = parser.parse_args()
    dtype = DTYPES[args.dtype]
    loops = Step(args.size, dtype, "loops", public=True)
    steps = {"loops": loops, "one thread": loops.limited(1),   # the same network: see busy.py
             "numpy": Step(args.size, dtype, "numpy", public=True)}
    with BusyCores(args.busy):
        rounds = alternating_rounds(steps, TURN_SECONDS * len(steps) * args.rounds, args.rounds)
        threads.machine_load()
        time.sleep(threads.LOAD_WINDOW)   # so that a window ends now
        load = threads.machine_load()
        sizes, m = case(args.size)
        count = (threads.thread_count(m * threads.widest_product(sizes)) if threaded(args.size)
                 else "1 (serial code)")
    print(f"{args.size} {args.dtype}, {args.busy} busy: " + ", ".join(
        f"{name} {seconds * 1e3:.2f} ms" for name, seconds in medians(rounds).items()))
    for other in ("one thread", "numpy"):
        median, low, high = paired_ratio(rounds, other, "loops")
        print(f"  loops vs {other}: {median:.2f}x ({low:.2f}-{high:.2f})")
    print(f"  other processes' load at the end: {load:.2f} cores; a step then runs on "
          f"{count} thread(s)")


if __name__ == "__main__":
    main()
