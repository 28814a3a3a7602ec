"""How many threads the backends use, and on which thread pool.

The loops backend runs its parallel loops on Numba's thread pool, which is oneTBB's where
the ``tbb`` package is installed (a dependency on x86-64). Its idle threads sleep instead of
spinning and take over work a descheduled thread has not started, so a busy machine slows a
step in proportion to the cores it takes, not by a scheduler time slice per parallel region
(``ffnn-numba bench --busy 0,1,2`` measures it). ``NUMBA_THREADING_LAYER`` still overrides.

Inside joblib's workers (scikit-learn's ``n_jobs``) Numba starts with
``NUMBA_NUM_THREADS`` = cores // n_jobs, which joblib sets, so the workers share the cores
instead of each starting a thread per core.

Within that limit a call whose products are small runs on as many threads as the cores
other processes leave free (``thread_count``, ``machine_load``), and one whose products are
large on every thread.
"""
import os
import threading
import time

import numba

from .kernels.gemm import PARALLEL_MIN_WORK
from .validation import check_positive_int


def set_num_threads(n):
    """Use ``n`` threads in this process: Numba's loops, and where installed NumPy's BLAS
    (through threadpoolctl) and PyTorch. The default is every core.

    The loops backend's results do not depend on the thread count: threads split the rows of
    each product, and every output is summed by one thread in one order.
    """
    most = numba.config.NUMBA_NUM_THREADS
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= most:
        raise ValueError(f"n must be an integer from 1 to {most} (NUMBA_NUM_THREADS); "
                         f"got {n!r}")
    numba.set_num_threads(n)
    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(n)
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass


def get_num_threads():
    """The number of threads the loops backend uses."""
    return numba.get_num_threads()


def widest_product(layer_sizes):
    """n^[l] n^[l-1] of the widest layer: the multiply-adds per example of its products."""
    return max(n * n_prev for n_prev, n in zip(layer_sizes, layer_sizes[1:]))


def threads_from(layer_sizes):
    """The batch size m from which the largest product of a network with these layer sizes,
    n^[l] n^[l-1] m multiply-adds, may run on threads (``gemm.PARALLEL_MIN_WORK``)."""
    return -(-PARALLEL_MIN_WORK // widest_product(layer_sizes))


# Multiply-adds of a call's widest product from which it runs on every thread even where
# other processes keep the cores busy. Below it a parallel region is too short to carry a
# thread that waits for a core. Two threads against one on the benchmark's machine (2
# cores), in alternating turns of a second of back-to-back steps (as bench/busy_steady.py
# times them), by the widest product n^[l] n^[l-1] m of the step: with two processes
# spinning, 12.8 M (the benchmark's medium) 0.73x in float64 and 0.76x in float32, 51 M
# 0.98x and 1.01x, 134 M 0.94x, 268 M (large) 1.25x and 1.29x; with one spinning, 12.8 M
# 0.95x and 1.07x, 134 M 0.93x, 268 M 1.25x and 1.09x. Idle, two threads were 1.6-2.0x one
# at every one of them.
BUSY_MIN_WORK = 3 << 26

# Seconds over which the other processes' load is measured: long enough for /proc/stat's
# 10 ms ticks (about a tenth of a core on two cores), short enough to follow a load that
# comes and goes within a fit.
LOAD_WINDOW = 0.1


def machine_load():
    """The cores that other processes kept busy over the last ``LOAD_WINDOW`` seconds or more:
    the cores this process may run on (its CPU affinity), less their idle time (Linux's
    /proc/stat) and less this process's own CPU time (every thread of it). Until a window
    has been measured, 0.0: on the first call of a process, and where /proc/stat cannot be
    read (not Linux) or its counters do not advance with the clock (a window that cannot be
    measured leaves the last load as it was)."""
    return _LOAD.others()


def thread_count(work, limit=None):
    """The threads a call whose widest product has ``work`` multiply-adds runs on, within the
    limit ``limit`` (default: Numba's thread count now): every thread from ``BUSY_MIN_WORK``
    on, or where other processes keep less than half a core busy (``machine_load``); else
    as many as the cores they leave free, at least 1.
    """
    work = check_positive_int(work, "work", minimum=0)
    if limit is None:
        return _count(work, numba.get_num_threads())
    most = numba.config.NUMBA_NUM_THREADS
    if check_positive_int(limit, "limit") > most:
        raise ValueError(f"limit must be at most {most} (NUMBA_NUM_THREADS); got {limit}")
    return _count(work, int(limit))


def _count(work, limit):
    """``thread_count`` of checked arguments."""
    if limit == 1 or work >= BUSY_MIN_WORK:
        return limit
    others = _LOAD.others()
    if others < 0.5:
        return limit
    return max(1, min(limit, int(_LOAD.cores - others + 0.5)))


def on_threads(work, function, *args):
    """``function(*args)`` on ``thread_count(work)`` threads; the caller's count is put back.

    Results never depend on it: threads split the rows of each product, and every output is
    summed by one thread in one order."""
    return run_threaded(check_positive_int(work, "work", minimum=0), function, *args)


def run_threaded(work, function, *args):
    """``on_threads`` of a checked ``work``: the networks' own calls, unchecked on their hot
    path."""
    limit = numba.get_num_threads()
    n = _count(work, limit)
    if n == limit:
        return function(*args)
    try:   # set inside: a Ctrl-C just after it must not leave the caller's count changed
        numba.set_num_threads(n)
        return function(*args)
    finally:
        numba.set_num_threads(limit)


def _cpu_seconds(cpus=None):
    """(idle, all) seconds of the cores ``cpus`` (a set of CPU numbers; None: every core)
    since boot, summed over them (/proc/stat; idle: its idle and iowait ticks); None where
    it cannot be read."""
    try:
        with open("/proc/stat", "rb") as stat:
            lines = stat.read().splitlines()
        rows = [lines[0].split()]   # "cpu": the sum over every core
        if cpus is not None:   # "cpu0", "cpu1", ...: one core each
            rows = [row for row in (line.split() for line in lines[1:] if line[:3] == b"cpu")
                    if int(row[0][3:]) in cpus]
        ticks = [sum(int(row[k]) for row in rows) for k in range(1, 9)]
        per_second = os.sysconf("SC_CLK_TCK")
        return (ticks[3] + ticks[4]) / per_second, sum(ticks) / per_second
    except (OSError, AttributeError, ValueError, IndexError):   # no /proc, no os.sysconf
        return None


class _Load:
    """``machine_load``'s measure, shared by every network of the process: the readings at the
    start of the window and the load over the last window that ended."""

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget every reading (a new process after a fork has its own CPU time)."""
        self._lock, self.value, self.since = threading.Lock(), 0.0, None
        # The cores this process may run on (a container's or a job's cpuset), read once:
        # os.cpu_count() reads a file on every call.
        cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        online = os.cpu_count() or 1
        self.cores = len(cpus) if cpus else online
        self.cpus = cpus if cpus and len(cpus) < online else None   # None: every core

    def read(self):
        """(wall clock, ``_cpu_seconds`` of this process's cores, its CPU seconds)."""
        return time.perf_counter(), _cpu_seconds(self.cpus), time.process_time()

    def others(self):
        since = self.since
        if since is None or time.perf_counter() - since[0] >= LOAD_WINDOW:
            with self._lock:
                self._measure()
        return self.value

    def _measure(self):
        since = self.since
        if since is not None and time.perf_counter() - since[0] < LOAD_WINDOW:
            return   # another thread has just measured
        self.since = now = self.read()
        if since is None or since[1] is None or now[1] is None:
            return
        seconds = now[0] - since[0]
        idle, elapsed = ((b - a) / seconds for a, b in zip(since[1], now[1]))
        if elapsed < self.cores / 2:   # counters that do not follow the clock (a sandbox's)
            return
        ours = (now[2] - since[2]) / seconds
        self.value = min(max(self.cores - idle - ours, 0.0), self.cores)


_LOAD = _Load()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_LOAD.reset)
