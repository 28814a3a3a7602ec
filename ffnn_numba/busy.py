"""The training step on a busy machine: other processes spin on the cores while the backends
are timed side by side (``ffnn-numba bench --busy 0,1,2``).

Users run the library beside other work: a browser, CI neighbours, and scikit-learn's own
``n_jobs`` workers. A backend whose threads wait for each other can then lose a whole time
slice of the scheduler at every parallel region. Here the benchmark makes the load itself:
``n`` background processes that do nothing but spin, started before a case and stopped after.

Each figure is the median over five alternating rounds of the *mean* step time of a block of
consecutive steps (at least 10 ms of them): a stall caused by the load counts in full, as it
does in a user's ``fit``, while a passing disturbance of one round does not.
"""
import statistics
import subprocess
import sys
import time

import numba

from .bench import DTYPES, Step

BLOCK_SECONDS = 0.01


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


def block_mean(step, threads):
    """Mean seconds per step over a block of at least ``BLOCK_SECONDS`` (and 3 steps), with
    Numba's thread count set to ``threads`` (None: every thread) around the block."""
    saved = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        n, start = 0, time.perf_counter()
        while n < 3 or time.perf_counter() - start < BLOCK_SECONDS:
            step()
            n += 1
        return (time.perf_counter() - start) / n
    finally:
        numba.set_num_threads(saved)


def time_side_by_side(steps, min_time, rounds=5):
    """{name: median block mean} for ``steps`` = {name: (step, threads)}, in alternating rounds."""
    samples = {name: [] for name in steps}
    for step, threads in steps.values():
        block_mean(step, threads)   # warm up
    deadline_per_block = min_time / rounds / len(steps)
    for _ in range(rounds):
        for name, (step, threads) in steps.items():
            end = time.perf_counter() + deadline_per_block
            while True:
                samples[name].append(block_mean(step, threads))
                if time.perf_counter() >= end:
                    break
    return {name: statistics.median(times) for name, times in samples.items()}


def run(sizes, dtypes, levels=(0, 1, 2), min_time=1.5, log=print):
    """Time loops (every thread and one thread) and numpy on every case at every level of
    load; returns a list of JSON-ready rows."""
    rows = []
    for busy in levels:
        with BusyCores(busy):
            for size in sizes:
                for dtype_name in dtypes:
                    dtype = DTYPES[dtype_name]
                    steps = {"loops": (Step(size, dtype, "loops"), None),
                             "loops_1_thread": (Step(size, dtype, "loops"), 1),
                             "numpy": (Step(size, dtype, "numpy"), None)}
                    seconds = time_side_by_side(steps, min_time)
                    rows.append({"busy": busy, "size": size, "dtype": dtype_name, **seconds})
                    log(f"  {busy} busy  {size:<6} {dtype_name:<7} loops "
                        f"{seconds['loops'] * 1e6:10.1f} us  numpy {seconds['numpy'] * 1e6:10.1f} us")
    return rows


def table(rows):
    """The rows as a Markdown table, with the two ratios the targets are about."""
    lines = ["| busy processes | size | dtype | loops | loops, 1 thread | numpy | "
             "loops vs numpy | loops vs its 1 thread |", "|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['busy']} | {r['size']} | {r['dtype']} | {_us(r['loops'])} | "
                     f"{_us(r['loops_1_thread'])} | {_us(r['numpy'])} | "
                     f"{r['numpy'] / r['loops']:.2f}x | {r['loops_1_thread'] / r['loops']:.2f}x |")
    return "\n".join(lines)


def _us(seconds):
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"
