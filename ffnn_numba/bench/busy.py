"""The training step on a busy machine: other processes spin on the cores while the backends
are timed side by side (``ffnn-numba bench --busy 0,1,2``).

Users run the library beside other work: a browser, CI neighbours, and scikit-learn's own
``n_jobs`` workers. A backend whose threads wait for each other can then lose a whole time
slice of the scheduler at every parallel region. Here the benchmark makes the load itself:
``n`` background processes that do nothing but spin, started before a case and stopped after.

Timed with the benchmark's one timer (``bench_step.alternating_rounds``): the mean step time
of blocks of consecutive steps, in rounds that alternate between the three, so a stall
caused by the load counts in full, as it does in a user's ``fit``, while a passing
disturbance of one round does not. Each ratio is the median over the rounds of the ratio
within a round (``paired_ratio``), with its quartiles, which say how far this host's noise
moves it: on a shared machine two forms of nearly the same speed (the loops and NumPy's
BLAS near the matrix-multiply ceiling; one thread against two that share their cores with
two spinning processes) trade places from round to round.
Each backend is called as a user's loop calls it, through the public ``Network.step``, so
that the loops backend runs on the threads the load leaves it (``threads.thread_count``).
"loops, 1 thread" is the same network, its buffers and batch shared, limited to one thread
(``Step.limited``). Below ``PARALLEL_MIN_WORK`` multiply-adds per product (tiny, small), and
on a busy machine below ``BUSY_MIN_WORK`` (medium), both run the same serial code, so there
the two differ by the noise of the measurement only.
"""
import subprocess
import sys
import time

from .step import DTYPES, Step, alternating_rounds, case, medians, paired_ratio
from ..threads import threads_from


class BusyCores:
    """``n`` processes spinning on the cores while the block runs, killed when it ends."""

    def __init__(self, n):
        self.n, self._processes = n, []

    def __enter__(self):
        self._processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                           for _ in range(self.n)]
        time.sleep(0.3 if self.n else 0)   # let them start spinning
        return self

    def __exit__(self, *exc):
        for process in self._processes:
            process.kill()
        for process in self._processes:
            process.wait()
        self._processes = []


# Rounds per case: more than the step table's five, for ratios whose quartiles mean something.
ROUNDS = 9
# Blocks (of 3 calls or more) per turn at least: a turn of the large step would otherwise be
# one block, 3 calls after a rest; with seven, every turn samples 21 calls or more.
MIN_BLOCKS = 7


def run(sizes, dtypes, levels=(0, 1, 2), min_time=1.5, log=print):
    """Time loops (every thread and one thread) and numpy on every case at every level of
    load; returns a list of JSON-ready rows: the median seconds per step of each, and the
    ratios "vs_numpy" and "vs_1_thread" (loops' speed-up: median, lower and upper quartile,
    ``paired_ratio``)."""
    rows = []
    for busy in levels:
        with BusyCores(busy):
            for size in sizes:
                for dtype_name in dtypes:
                    dtype = DTYPES[dtype_name]
                    loops = Step(size, dtype, "loops", public=True)
                    steps = {"loops": loops, "loops_1_thread": loops.limited(1),
                             "numpy": Step(size, dtype, "numpy", public=True)}
                    rounds = alternating_rounds(steps, min_time, ROUNDS, MIN_BLOCKS)
                    seconds = medians(rounds)
                    rows.append({"busy": busy, "size": size, "dtype": dtype_name,
                                 "threads": threaded(size), **seconds,
                                 "vs_numpy": paired_ratio(rounds, "numpy", "loops"),
                                 "vs_1_thread": paired_ratio(rounds, "loops_1_thread", "loops")})
                    log(f"  {busy} busy  {size:<6} {dtype_name:<7} loops "
                        f"{seconds['loops'] * 1e6:10.1f} us  "
                        f"numpy {seconds['numpy'] * 1e6:10.1f} us")
    return rows


def threaded(size):
    """Whether the step of a benchmark size has products large enough to run on threads."""
    sizes, m = case(size)
    return m >= threads_from(sizes)
