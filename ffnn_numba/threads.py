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

# How much faster than one thread a count of several must be to be chosen. Threads cost the
# machine CPU that other work wants, and on a busy one a count of several looks faster in a
# retry's few calls than it is in steady use: a network held to two threads took 1.16-1.33x
# as long per step as one held to one thread (medium float64, two processes spinning, five
# runs of 0.3-1 s turns side by side), while the chooser's short retries timed the two
# counts alike. On an idle machine several threads are 1.3-1.8x faster, well past it.
MARGIN = 0.2

# Timed calls in a row that a retried count must win, each faster than every recent time of
# the best, before its old times are dropped (``_Timings.record``): on a busy machine every
# count has lucky calls that keep their cores (two spinning processes, medium float64: one
# thread 1.4-2.2 ms or 5.3-6.5 ms a call, two threads 1.5-2.5 ms or 5.3-6.5 ms).
TRIAL = 3

# The least a retry is priced at, as a fraction of what its calls take on the best count
# (``_Timings.choose``): FLOOR at first, twice as much after each retry that does not win,
# up to FLOOR_MOST. A change of count costs more than the means show (its untimed first
# calls, and a busy machine's scheduler that favours threads just woken), so two counts that
# time alike are retried at first once in RETRY * FLOOR times a retry's length of calls, in
# the end once in RETRY * FLOOR_MOST (a fortieth of the calls, as RETRY promises). Not rarer
# than that, nor at first: a network waits that long to go back to two threads when the
# load goes (from a large step's 60 ms calls on one thread: about 5 s), and on this
# project's idle VMs two threads now and then time like one for 0.1-1 s, after which a
# network on one thread came back within 50-60 calls (medium float64, about 0.1 s).
FLOOR = 0.25
FLOOR_MOST = 1.0


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
    disturbance does not bench the best count until retries push it out), a count of
    several threads only where it is ``MARGIN`` faster than one. A count newly chosen runs
    ``TRIAL`` timed calls before it is judged again. Another candidate is retried once the
    time spent since it last ran reaches ``RETRY`` times what a retry costs more than calls
    of the best, and at least ``FLOOR`` of what its calls take, twice that after each retry
    that did not win, up to ``FLOOR_MOST``: retrying costs at most about 1/``RETRY`` of the
    time, and where the two are close the other is not retried at every chance (a change
    of count costs more than the means show: its first calls, below, and a busy machine's
    scheduling that favours threads just woken).
    After every change of count, a retry's included, the calls of the first ``SETTLE``
    seconds are not timed (at least one; then one more is, the retry's own time): they run
    beside the threads the last count left spinning, or wake the ones it let sleep. A retry
    that wins ``TRIAL`` timed calls in a row, each faster than every recent time of the
    best, outdates its old times, which makes a change of load in either direction take
    effect at the next retry.
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
        self.trial = []       # the timed calls of a retry that has won each so far
        self.chosen = None    # the count last chosen as best
        self.hold = 0         # timed calls it still runs before it is judged again
        self.floor = dict.fromkeys(candidates, FLOOR)   # the least a retry of each is priced

    def mean(self, n):
        """The mean of candidate n's latest times without their longest (see ThreadChooser):
        the stalls of a busy machine, many per window, still count."""
        times = self.samples[n]
        if len(times) < 3:
            return statistics.fmean(times) if times else 0.0
        return (sum(times) - max(times)) / (len(times) - 1)

    def best(self):
        """The candidate whose mean is lowest, a count of several ``MARGIN`` handicapped."""
        return min(self.samples, key=lambda n: self.mean(n) * (1.0 if n == 1 else 1.0 + MARGIN))

    def choose(self, retry):
        """The candidate the next call runs on: each is timed 3 times first; then the best,
        except where another has waited ``retry`` times what a retry of it costs more than
        calls of the best, at least its floor of what its calls take (see ThreadChooser). A
        change of count runs the new one until ``record`` has timed it."""
        self.calls += 1
        if self.pending is not None:
            n, self.pending = self.pending, None
            return n
        if self.current is not None and len(self.samples[self.current]) < 3:
            return self.current   # timed a few times in a row first, as every candidate
        # One thread first: a kind's first calls run slower (a fit's first epoch touches its
        # buffers; medium float64: 1.6-2.0 ms a batch where later ones took 1.2), and a count
        # chosen too high is corrected at its next calls, one too low only at a retry.
        fewest = min(sorted(self.samples), key=lambda n: len(self.samples[n]))
        if len(self.samples[fewest]) < 3:
            return fewest
        best = self.best()
        if best != self.chosen:   # a new best: timed TRIAL times before it is judged again
            self.chosen, self.hold, self.floor[best] = best, TRIAL, FLOOR
            return best
        if self.current != best:   # back from a retry that did not win: the next one later
            self.floor[self.current] = min(2 * self.floor[self.current], FLOOR_MOST)
        fastest = self.mean(best)
        for n in sorted(self.samples, key=self.last.get):   # least recently run first
            waited = self.calls - self.last[n]   # calls since n last ran
            cost = self.mean(n)
            calls = 2 + SETTLE / cost if cost else 2   # a retry: settling, then one timed
            price = max(cost - fastest, self.floor[n] * fastest)
            if n != best and waited * fastest >= calls * retry * price:
                return n
        return best

    def record(self, n, seconds):
        """Add a time of candidate n. The calls of the first ``SETTLE`` seconds after a change
        of count are not timed, and the count runs until one is: the threads the last count
        woke still spin, or the ones it let sleep must wake. A retried candidate whose timed
        call is faster than every recent time of the best runs again, up to ``TRIAL`` timed
        calls; if each is, a change of load has outdated its old times: they are dropped, so
        that it is timed afresh at once rather than over many retries (a busy machine that
        goes idle). Faster than their mean is not enough, nor one call: on a busy machine a
        call either keeps its core or loses it for a time slice (see ``TRIAL``)."""
        self.last[n] = self.calls
        if n != self.current:
            self.current, self.settling = n, SETTLE
            self.trial.clear()
        if self.settling > 0:
            self.settling -= seconds
            self.pending = n   # its next call runs it again: untimed, or the one timed
            return
        times, best, trial = self.samples[n], self.best(), self.trial
        trial.append(seconds)
        if len(times) >= 3 and n != best and seconds < min(self.samples[best]):
            if len(trial) < TRIAL:
                self.pending = n   # one more call of the trial
                return
            times.clear()
        times.extend(trial)
        trial.clear()
        # A new best runs on: judged on one new time at a time against the other's old ones,
        # the two would trade places at every call while a change of load goes through.
        if self.hold:
            self.hold -= 1
            self.pending = n if self.hold else None
