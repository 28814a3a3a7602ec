"""The thread count each call runs on: every thread on an idle machine and for large
products, the cores other processes leave free for small ones (``threads.thread_count``);
never changing a result, always within the caller's own limit."""
import os
import sys
import time

import numba
import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import network, runner, threads
from ffnn_numba.bench.busy import BusyCores

# A network whose step runs its products on threads: 512 x 512 x 64 >= PARALLEL_MIN_WORK,
# far below BUSY_MIN_WORK.
SIZES, M = [512, 512, 3], 64
SMALL, LARGE = 1 << 20, threads.BUSY_MIN_WORK


@pytest.fixture
def two_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 threads (NUMBA_NUM_THREADS)")
    saved = numba.get_num_threads()
    numba.set_num_threads(2)
    yield
    numba.set_num_threads(saved)


@pytest.fixture
def load(monkeypatch):
    """Sets the other processes' load ``machine_load`` reports, on a machine of 2 cores."""
    monkeypatch.setattr(threads._LOAD, "cores", 2)
    value = {"cores": 0.0}
    monkeypatch.setattr(threads._LOAD, "others", lambda: value["cores"])
    return value


@pytest.mark.parametrize("others, small, large", [(0.0, 2, 2), (0.4, 2, 2), (0.6, 1, 2),
                                                  (1.4, 1, 2), (2.0, 1, 2)])
def test_small_products_run_on_the_free_cores_and_large_ones_on_every_thread(load, others,
                                                                             small, large):
    load["cores"] = others
    assert (threads.thread_count(SMALL, 2), threads.thread_count(LARGE, 2)) == (small, large)
    assert threads.thread_count(LARGE - 1, 2) == small
    assert threads.thread_count(SMALL, 1) == threads.thread_count(LARGE, 1) == 1


@pytest.mark.parametrize("work, limit, error, match", [
    (-1, 2, ValueError, "work must be at least 0"), (1.5, 2, TypeError, "work must be an int"),
    (True, 2, TypeError, "work must be an int"), ("big", 2, TypeError, "work must be an int"),
    (10, 0, ValueError, "limit must be at least 1"), (10, 2.0, TypeError, "limit must be an"),
    (10, 10 ** 6, ValueError, "limit must be at most")])
def test_bad_work_or_limit_is_refused_by_name(work, limit, error, match):
    with pytest.raises(error, match=match):
        threads.thread_count(work, limit)
    if match.startswith("work"):
        with pytest.raises(error, match=match):
            threads.on_threads(work, pytest.fail)


def test_on_many_cores_the_count_is_the_free_cores_within_the_limit(load, monkeypatch):
    monkeypatch.setattr(threads._LOAD, "cores", 16)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 16)   # a limit of up to 16
    load["cores"] = 4.2
    assert threads.thread_count(SMALL, 16) == 12
    assert threads.thread_count(SMALL, 8) == 8
    load["cores"] = 16.0
    assert threads.thread_count(SMALL, 16) == 1


def test_an_idle_machine_gives_every_thread_even_above_its_cores(load, monkeypatch):
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 8)
    load["cores"] = 0.2
    assert threads.thread_count(SMALL, 8) == 8     # NUMBA_NUM_THREADS=8 on 2 cores
    load["cores"] = 1.0
    assert threads.thread_count(SMALL, 8) == 1


def test_only_the_cores_this_process_may_run_on_are_counted(monkeypatch):
    stat = (b"cpu  40 0 0 120 0 0 0 0 0 0\n"
            b"cpu0 10 0 0 30 0 0 0 0 0 0\ncpu1 10 0 0 30 0 0 0 0 0 0\n"
            b"cpu2 10 0 0 30 0 0 0 0 0 0\ncpu3 10 0 0 30 0 0 0 0 0 0\nintr 1 2 3\n")
    monkeypatch.setattr(threads, "open", lambda *a: __import__("io").BytesIO(stat),
                        raising=False)
    ticks = threads.os.sysconf("SC_CLK_TCK") if hasattr(threads.os, "sysconf") else None
    if ticks is None:
        pytest.skip("needs os.sysconf")
    assert threads._cpu_seconds() == (120 / ticks, 160 / ticks)
    assert threads._cpu_seconds({1, 3}) == (60 / ticks, 80 / ticks)


class Readings:
    """``_Load.read`` from a list of (wall, idle, CPU) readings."""

    def __init__(self, readings):
        self.readings, self.clock = list(readings), 0.0

    def __call__(self):
        reading = self.readings.pop(0)
        self.clock = reading[0]
        return reading


def test_the_load_is_the_cores_less_their_idle_time_and_ours(monkeypatch):
    measure = threads._Load()
    measure.cores = 2
    readings = Readings([(0.0, (100.0, 900.0), 5.0),   # first: nothing measured yet
                         (0.2, (100.2, 900.4), 5.2),   # one core idle, one ours: nobody else
                         (0.4, (100.2, 900.8), 5.4),   # no core idle, one ours: one other
                         (0.8, (100.2, 901.6), 5.6),   # none idle, half of one ours: 1.5
                         (1.0, None, 5.8),             # unreadable: the last load stays
                         (1.2, (100.2, 901.6), 6.0),   # (from None: nothing to compare)
                         (1.4, (100.2, 901.7), 6.0)])  # counters behind the clock: ignored
    monkeypatch.setattr(measure, "read", readings)
    monkeypatch.setattr(threads.time, "perf_counter", lambda: readings.clock + 1.0)
    assert [measure.others() for _ in range(7)] == pytest.approx([0, 0, 1, 1.5, 1.5, 1.5, 1.5])
    # Within LOAD_WINDOW of the last reading nothing is read again.
    monkeypatch.setattr(threads.time, "perf_counter", lambda: readings.clock)
    assert measure.others() == pytest.approx(1.5) and readings.readings == []


def test_without_proc_stat_the_machine_counts_as_idle(monkeypatch):
    monkeypatch.setattr(threads, "_cpu_seconds", lambda cpus=None: None)
    measure = threads._Load()
    assert measure.others() == 0.0
    measure.since = (measure.since[0] - 1.0, None, measure.since[2])
    assert measure.others() == 0.0


def test_proc_stat_is_read_as_idle_and_all_seconds():
    seconds = threads._cpu_seconds()
    if seconds is None:
        assert not os.path.exists("/proc/stat") or not os.access("/proc/stat", os.R_OK)
        return
    idle, elapsed = seconds
    assert 0 <= idle <= elapsed


def _counters_follow_the_clock():
    start = threads._cpu_seconds()
    time.sleep(threads.LOAD_WINDOW)
    end = threads._cpu_seconds()
    return (start is not None and end is not None
            and end[1] - start[1] >= threads._LOAD.cores / 2 * threads.LOAD_WINDOW)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc/stat")
def test_a_spinning_process_is_seen_as_load():
    if not _counters_follow_the_clock():
        pytest.skip("/proc/stat's counters do not advance with the clock here")
    loads = []
    with BusyCores(1):
        end = time.perf_counter() + 10 * threads.LOAD_WINDOW
        while time.perf_counter() < end and max(loads, default=0.0) <= 0.5:
            loads.append(threads.machine_load())
    assert max(loads) > 0.5, loads


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")   # fork with threads, Python 3.12+
def test_a_forked_process_measures_afresh():
    threads.machine_load()
    assert threads._LOAD.since is not None
    pid = os.fork()
    if pid == 0:
        os._exit(0 if threads._LOAD.since is None else 1)
    assert os.waitpid(pid, 0)[1] == 0


def test_the_callers_limit_holds_and_a_failing_call_restores_it(two_threads, load):
    load["cores"] = 1.0
    assert threads.on_threads(SMALL, numba.get_num_threads) == 1
    assert threads.on_threads(LARGE, numba.get_num_threads) == 2
    assert numba.get_num_threads() == 2
    numba.set_num_threads(1)
    load["cores"] = 0.0
    assert threads.on_threads(SMALL, numba.get_num_threads) == 1

    def interrupted():
        raise KeyboardInterrupt
    numba.set_num_threads(2)
    load["cores"] = 1.0
    with pytest.raises(KeyboardInterrupt):
        threads.on_threads(SMALL, interrupted)
    assert numba.get_num_threads() == 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_network_runs_on_the_free_cores_and_computes_the_same_on_any_count(two_threads,
                                                                             load, dtype,
                                                                             monkeypatch):
    ran = []   # (work, threads) of every call the network makes through run_threaded

    def recording(work, function, *args):
        def counted(*args):
            ran.append((work, numba.get_num_threads()))
            return function(*args)
        return threads.run_threaded(work, counted, *args)
    monkeypatch.setattr(runner, "run_threaded", recording)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((SIZES[0], M)), rng.integers(0, SIZES[-1], M)
    nets = [ff.Network(SIZES, cost="categorical_cross_entropy", dtype=dtype, seed=1)
            for _ in range(2)]
    costs = []
    for net, others, count in zip(nets, (1.0, 0.0), (1, 2)):   # one thread, then two
        load["cores"] = others
        ran.clear()
        costs.append([net.step(X, y, 0.05) for _ in range(3)])   # the first call included
        net.fit(X, y, epochs=2, batch_size=M, seed=0)
        assert len(ran) == 5 and set(ran) == {(M * SIZES[0] * SIZES[1], count)}
    assert costs[0] == costs[1]
    np.testing.assert_array_equal(nets[0].theta, nets[1].theta)


def test_small_networks_never_read_the_load(monkeypatch, two_threads):
    def unexpected():
        raise AssertionError("the load was read")
    monkeypatch.setattr(threads._LOAD, "others", unexpected)
    net = ff.Network([4, 8, 2], cost="categorical_cross_entropy", seed=0)
    X, y = np.ones((4, 16)), np.array([0, 1] * 8)
    net.step(X, y)
    net.fit(X, y, epochs=2, batch_size=4)
