"""How many threads the backends use, and on which thread pool.

The loops backend runs its parallel loops on Numba's thread pool, which is oneTBB's where
the ``tbb`` package is installed (a dependency on x86-64). Its idle threads sleep instead of
spinning and take over work a descheduled thread has not started, so a busy machine slows a
step in proportion to the cores it takes, not by a scheduler time slice per parallel region
(``ffnn-numba bench --busy 0,1,2`` measures it). ``NUMBA_THREADING_LAYER`` still overrides.

Inside joblib's workers (scikit-learn's ``n_jobs``) Numba starts with
``NUMBA_NUM_THREADS`` = cores // n_jobs, which joblib sets, so the workers share the cores
instead of each starting a thread per core.

Within that limit each network times its own calls and runs them on the thread count that
is fastest under the machine's present load (``ThreadChooser``).
"""
import statistics
import time
from collections import deque

import numba

from .kernels.gemm import PARALLEL_MIN_WORK


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


def threads_from(layer_sizes):
    """The batch size m from which the largest product of a network with these layer sizes,
    n^[l] n^[l-1] m multiply-adds, may run on threads (``gemm.PARALLEL_MIN_WORK``)."""
    widest = max(n * n_prev for n_prev, n in zip(layer_sizes, layer_sizes[1:]))
    return -(-PARALLEL_MIN_WORK // widest)


# Seconds after a change of thread count whose calls are not timed (``_Timings.record``):
# after its last parallel region a oneTBB worker spins for about a millisecond of CPU before
# it sleeps (one-thread calls right after two-thread ones, medium float64, idle machine: the
# process used 1.53x as much CPU as wall time over the first call, 1.05x over the first 18
# ms, 0.9 ms more in all); on a busy machine that millisecond is spread over a longer time.
SETTLE = 0.005


class ThreadChooser:
    """How many threads one network's compiled calls use, chosen by timing them.

    On an idle 2-core machine a medium network's step is 1.5x faster on two threads than on
    one. With other processes on the cores, a parallel region waits for whichever of its
    threads the scheduler has taken off its core, and one thread can be 1.3x faster
    (``ffnn-numba bench --busy``). No fixed rule wins both, and the load changes while a fit
    runs. So each kind of call (``key``: the function and its batch size) keeps the last
    ``SAMPLES`` times of each candidate thread count and runs the one whose mean is lowest
    (the mean, not the median: a parallel region that now and then waits a whole time slice
    for a lost thread costs its mean; but without the longest time, so that one passing
    disturbance does not bench the best count until retries push it out). It retries
    another candidate once the time spent since that one last ran reaches ``RETRY`` times
    what a retry costs more than calls of the best, so that retrying costs at most about
    1/``RETRY`` of the time: rarely where the other is much slower (a medium step on one
    thread of an idle machine), often where the two are close, which is where a wrong choice
    is cheap but a change of load turns it (two threads against one while other processes
    share the cores: their times overlap from call to call), but never within ``SAMPLES``
    calls of that count's last run: a change of count costs more than the means show.
    After every change of count, a retry's included, the calls of the first ``SETTLE``
    seconds are not timed (at least one; then one more is, the retry's only time): they run
    beside the threads the last count left spinning, or wake the ones it let sleep. A retry
    faster than every recent time of the best outdates that candidate's old times, which
    makes a change of load in either direction take effect at the next retry.
    Results never depend on the choice: threads split the rows of each product, and every
    output is summed by one thread in one order.

    The candidates are the calling thread's Numba thread count (every core, or what
    ``set_num_threads`` or joblib set), its half where that is 4 or more, and 1. With a
    count of 1 there is nothing to choose, and the call runs as it is.
    """

    SAMPLES = 12
    RETRY = 40

    KINDS = 64   # kinds of call remembered; the least recently new is forgotten first

    def __init__(self):
        self._kinds = {}   # (key, limit) -> _Timings, oldest first

    @staticmethod
    def candidates(limit):
        """The thread counts tried under the limit ``limit``, most first."""
        return tuple(sorted({limit, limit // 2 if limit >= 4 else limit, 1}, reverse=True))

    def call(self, key, function, *args, per=1):
        """``function(*args)`` on the thread count chosen for calls of kind ``key``, timed
        for the next choices; ``per``: the units of work of this call (batches, say), so
        that calls of one kind but different lengths are compared per unit."""
        limit = numba.get_num_threads()
        if limit == 1:
            return function(*args)
        timings = self._kinds.get((key, limit))
        if timings is None:
            if len(self._kinds) >= self.KINDS:   # batch sizes a user keeps varying
                del self._kinds[next(iter(self._kinds))]
            timings = self._kinds[key, limit] = _Timings(self.candidates(limit), self.SAMPLES)
        n = timings.choose(self.RETRY)
        try:   # set inside: a Ctrl-C just after it must not leave the caller's count changed
            numba.set_num_threads(n)
            start = time.perf_counter()
            result = function(*args)
            seconds = time.perf_counter() - start
        finally:
            numba.set_num_threads(limit)
        timings.record(n, seconds / per)
        return result

    def choices(self):
        """{(key, limit): the thread count now preferred}, for tests and curious users."""
        return {kind: timings.best() for kind, timings in self._kinds.items()}


class _Timings:
    """The latest times of each candidate thread count for one kind of call."""

    def __init__(self, candidates, samples):
        self.samples = {n: deque(maxlen=samples) for n in candidates}
        self.last = dict.fromkeys(candidates, 0)   # the call on which each last ran
        self.calls = 0
        self.current = None   # the count of the last call
        self.pending = None   # a count to run once more: just switched to (see record)
        self.settling = 0.0   # seconds of calls left untimed after the last change
        # Calls between retries at least: each change of count costs more than the means
        # show (its settling; one thread beside the spinning workers of two), so two counts
        # of the same speed (one process spinning on a 2-core machine, medium float64:
        # 1.41 and 1.40 ms) would otherwise trade places every third call, 5% slower
        # than one thread held (measured side by side).
        self.window = samples

    def mean(self, n):
        """The mean of candidate n's latest times without their longest (see ThreadChooser):
        the stalls of a busy machine, many per window, still count."""
        times = self.samples[n]
        if len(times) < 3:
            return statistics.fmean(times) if times else 0.0
        return (sum(times) - max(times)) / (len(times) - 1)

    def best(self):
        """The candidate whose mean is lowest."""
        return min(self.samples, key=self.mean)

    def choose(self, retry):
        """The candidate the next call runs on: each is timed 3 times first; then the best,
        except where another has waited ``retry`` times what its calls cost more than the
        best (see ThreadChooser). A change of count runs the new one until ``record`` has
        timed it once."""
        self.calls += 1
        if self.pending is not None:
            n, self.pending = self.pending, None
            return n
        if self.current is not None and len(self.samples[self.current]) < 3:
            return self.current   # timed a few times in a row first, as every candidate
        fewest = min(self.samples, key=lambda n: len(self.samples[n]))
        if len(self.samples[fewest]) < 3:
            return fewest
        best = self.best()
        for n in sorted(self.samples, key=self.last.get):   # least recently run first
            waited = self.calls - self.last[n]   # calls since n last ran
            cost = self.mean(n)
            calls = 2 + SETTLE / cost if cost else 2   # a retry: settling, then one timed
            if n != best and waited > self.window and (
                    waited * self.mean(best) >= calls * retry * (cost - self.mean(best))):
                return n
        return best

    def record(self, n, seconds):
        """Add a time of candidate n. The calls of the first ``SETTLE`` seconds after a change
        of count are not timed, and the count runs until one is: the threads the last count
        woke still spin, or the ones it let sleep must wake. A retried candidate faster than
        every recent time of the best has had its old times outdated by a change of load:
        they are dropped, so that it is timed afresh at once rather than over many retries
        (a busy machine that goes idle). Faster than their mean is not enough: on a busy
        machine a call either keeps its core or loses it for a time slice (medium float64,
        two processes spinning: 1.4-2.2 ms or 5.3-6.5 ms), and one lucky call would bench
        the better count."""
        self.last[n] = self.calls
        if n != self.current:
            self.current, self.settling = n, SETTLE
        if self.settling > 0:
            self.settling -= seconds
            self.pending = n   # its next call runs it again: untimed, or the one timed
            return
        times, best = self.samples[n], self.best()
        if len(times) >= 3 and n != best and seconds < min(self.samples[best]):
            times.clear()
        times.append(seconds)
