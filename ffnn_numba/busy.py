"""The training step on a busy machine: other processes spin on the cores while the backends
are timed side by side (``ffnn-numba bench --busy 0,1,2``).

Users run the library beside other work: a browser, CI neighbours, and scikit-learn's own
``n_jobs`` workers. A backend whose threads wait for each other can then lose a whole time
slice of the scheduler at every parallel region. Here the benchmark makes the load itself:
``n`` background processes that do nothing but spin, started before a case and stopped after.

Timed with the benchmark's one timer, ``bench.side_by_side``: medians over alternating rounds
of the mean step time of blocks of consecutive steps, so a stall caused by the load counts
in full, as it does in a user's ``fit``, while a passing disturbance of one round does not.
Each backend is called as a user's loop calls it, through the public ``Network.step``, so
that the loops backend runs on the thread count its network has timed fastest under the
load (``threads.ThreadChooser``). Below ``PARALLEL_MIN_WORK`` multiply-adds per product
(tiny, small) every thread count runs the same serial code, so there "loops" and "loops,
1 thread" differ by the noise of the measurement only.
"""
import subprocess
import sys
import time

from .bench import DTYPES, Step, side_by_side
from .bench_step import case
from .threads import threads_from


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


def run(sizes, dtypes, levels=(0, 1, 2), min_time=1.5, log=print):
    """Time loops (every thread and one thread) and numpy on every case at every level of
    load; returns a list of JSON-ready rows."""
    rows = []
    for busy in levels:
        with BusyCores(busy):
            for size in sizes:
                for dtype_name in dtypes:
                    dtype = DTYPES[dtype_name]
                    steps = {"loops": Step(size, dtype, "loops", public=True),
                             "loops_1_thread": Step(size, dtype, "loops", threads=1, public=True),
                             "numpy": Step(size, dtype, "numpy", public=True)}
                    seconds = side_by_side(steps, min_time)
                    rows.append({"busy": busy, "size": size, "dtype": dtype_name,
                                 "threads": on_threads(size), **seconds})
                    log(f"  {busy} busy  {size:<6} {dtype_name:<7} loops "
                        f"{seconds['loops'] * 1e6:10.1f} us  "
                        f"numpy {seconds['numpy'] * 1e6:10.1f} us")
    return rows


def on_threads(size):
    """Whether the step of a benchmark size has products large enough to run on threads."""
    sizes, m = case(size)
    return m >= threads_from(sizes)
