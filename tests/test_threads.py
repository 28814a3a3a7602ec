"""The thread count each network's calls run on: chosen by timing (``threads.ThreadChooser``),
never changing a result, always within the caller's own limit."""
import itertools

import numba
import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import threads

# A network whose step runs its products on threads: 512 x 512 x 64 >= PARALLEL_MIN_WORK.
SIZES, M = [512, 512, 3], 64


class FakeClock:
    """``time.perf_counter`` for the chooser: calls take ``costs[thread count]`` seconds."""

    def __init__(self, costs):
        self.now, self.costs = 0.0, costs

    def __call__(self):
        return self.now

    def work(self):
        self.now += self.costs[numba.get_num_threads()]
        return numba.get_num_threads()


def _runs(chooser, clock, calls, key="step"):
    return [chooser.call(key, clock.work) for _ in range(calls)]


@pytest.fixture
def two_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 threads (NUMBA_NUM_THREADS)")
    saved = numba.get_num_threads()
    numba.set_num_threads(2)
    yield
    numba.set_num_threads(saved)


def test_candidates_are_the_limit_its_half_and_one():
    assert threads.ThreadChooser.candidates(2) == (2, 1)
    assert threads.ThreadChooser.candidates(3) == (3, 1)
    assert threads.ThreadChooser.candidates(16) == (16, 8, 1)


@pytest.mark.parametrize("costs, best", [({1: 2.0, 2: 1.0}, 2), ({1: 1.0, 2: 3.0}, 1)])
def test_the_faster_count_runs_and_the_other_is_tried_now_and_then(monkeypatch, two_threads,
                                                                  costs, best):
    clock = FakeClock(costs)
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    chooser = threads.ThreadChooser()
    ran = _runs(chooser, clock, 1008)
    # Each is timed three times in a row, one thread first, after an untimed call (the
    # first after a change).
    assert ran[:8] == [1, 1, 1, 1, 2, 2, 2, 2]
    steady = ran[8:]
    # The other is retried, two calls at a time, once the time since it last ran is RETRY
    # times what those calls cost more: retrying costs about 1/RETRY of the time.
    retries = steady.count(3 - best) / 2
    extra = retries * 2 * abs(costs[1] - costs[2])
    assert retries >= 2 and extra <= 1000 * costs[best] / chooser.RETRY + 2
    assert chooser.choices() == {("step", 2): best}
    assert numba.get_num_threads() == 2                 # the caller's count is put back


def test_calls_just_after_a_change_of_count_are_not_timed(monkeypatch, two_threads):
    """Calls shorter than SETTLE: after each change of count, those that start within SETTLE
    seconds of it run untimed (the workers the last count woke still spin), then three are
    timed."""
    clock = FakeClock({2: 0.3 * threads.SETTLE, 1: 0.6 * threads.SETTLE})
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    chooser = threads.ThreadChooser()
    ran = _runs(chooser, clock, 12)
    assert ran == [1] * (2 + 3) + [2] * (4 + 3)
    timings = chooser._kinds["step", 2]
    assert {n: list(times) for n, times in timings.samples.items()} == {
        2: pytest.approx([0.3 * threads.SETTLE] * 3), 1: pytest.approx([0.6 * threads.SETTLE] * 3)}


def test_a_change_of_load_is_followed(monkeypatch, two_threads):
    clock = FakeClock({1: 2.0, 2: 1.0})
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    chooser = threads.ThreadChooser()
    _runs(chooser, clock, 50)
    clock.costs = {1: 2.0, 2: 5.0}     # other processes take the cores: threads now wait
    ran = _runs(chooser, clock, 410)
    # Its mean leaves out the longest time, so a lone slow run changes nothing; a few do.
    assert ran[:2] == [2, 2] and set(ran[8:20]) == {1}
    # Still retried, for a lasting change back, but cheaply: what the retries (two calls
    # each) cost more is within 1/RETRY of the time once its old times are out, more while
    # they go out; and each retry is priced at least FLOOR of its calls.
    retried = ran[5:].count(2)
    assert 1 <= retried <= 2 * (405 / (2 * chooser.RETRY * threads.FLOOR) + 1)
    assert retried * (5.0 - 2.0) <= 3 * (400 * 2.0) / chooser.RETRY
    clock.costs = {1: 2.0, 2: 1.0}     # the other processes stop
    ran = _runs(chooser, clock, 200)
    # At the next retry (its old times priced it 5.0 - 2.0 above one thread), which wins
    # TRIAL timed calls after its untimed one: they outdate its old times.
    back = ran.index(2)
    assert back <= 2 * chooser.RETRY * (5.0 - 2.0) / 2.0 + 1
    assert set(ran[back:back + 1 + threads.TRIAL]) == {2}
    assert ran[-100:].count(1) <= 2 * (100 / chooser.RETRY + 1)


@pytest.mark.parametrize("slower", [1.0, 1.05, 1.25])
def test_close_counts_are_retried_ever_more_rarely_and_cheaply(monkeypatch, two_threads,
                                                               slower):
    """Where the two counts take about as long (two threads against one while other processes
    share the cores), every change of count costs more than the means show: a retry (two
    calls) is priced at least FLOOR of its calls, twice that after each retry that does not
    win, up to its whole calls, so that the other is retried about once in 2 RETRY calls in
    the end, and all the retrying costs at most 1/RETRY of the time."""
    clock = FakeClock({1: 1.0, 2: slower})
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    chooser = threads.ThreadChooser()
    ran = _runs(chooser, clock, 408)[8:]
    starts = [i for i in range(1, len(ran)) if ran[i] == 2 and ran[i - 1] == 1]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert gaps == sorted(gaps) and gaps[0] < gaps[-1]
    period = 2 * chooser.RETRY * max(slower - 1, threads.FLOOR_MOST)
    assert len(starts) <= 3 + 400 / period
    assert clock.now - 4 * (1 + slower) <= 400 * (1 + 1 / chooser.RETRY) + 1


def test_a_new_best_runs_trial_timed_calls_before_it_is_judged_again(monkeypatch, two_threads):
    """When the load changes, the count that was not running has only old times: judged on
    one new time at a time, the two would trade places at every call."""
    clock = FakeClock({1: 1.38, 2: 1.38})
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    chooser = threads.ThreadChooser()
    _runs(chooser, clock, 300)
    clock.costs = {1: 1.9, 2: 1.8}
    ran = _runs(chooser, clock, 60)
    stretches = [len(list(group)) for _, group in itertools.groupby(ran)][1:-1]
    assert stretches and min(stretches) >= 1 + threads.TRIAL


@pytest.mark.parametrize("faster, best", [(1 + threads.MARGIN / 2, 1), (1 + 2 * threads.MARGIN, 2)])
def test_several_threads_run_only_when_margin_faster_than_one(monkeypatch, two_threads,
                                                              faster, best):
    clock = FakeClock({1: 1.0, 2: 1.0 / faster})
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    chooser = threads.ThreadChooser()
    ran = _runs(chooser, clock, 208)
    # Each retry of two threads faster than one but within the margin is a whole trial.
    tried = (1 + threads.TRIAL) * (100 / (2 * chooser.RETRY * threads.FLOOR) + 1)
    assert chooser.choices() == {("step", 2): best} and ran[-100:].count(best) >= 100 - tried


def test_a_retry_outdates_the_old_times_only_after_trial_wins_in_a_row():
    """On a busy machine every count has lucky calls that keep their cores: one fast call of
    a retry joins the old times; TRIAL in a row, each faster than every time of the best,
    replace them."""
    for lucky, best in [([0.5, 3.0], 1), ([0.5] * threads.TRIAL, 2)]:
        timings = threads._Timings((2, 1), 12)
        timings.samples[1].extend([1.0] * 12)
        timings.samples[2].extend([3.0] * 12)
        timings.current = 1
        timings.record(2, 1.0)     # the retry's first call, after a change of count: untimed
        for seconds in lucky:
            timings.record(2, seconds)
        assert timings.best() == best
        assert list(timings.samples[2]) == ([3.0] * 10 + lucky if best == 1 else lucky)


def test_calls_of_one_kind_are_compared_per_unit_of_work(monkeypatch, two_threads):
    """fit's last chunk of batches is shorter: timed per batch it tells the same story."""
    clock = FakeClock({1: 2.0, 2: 1.0})
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    chooser = threads.ThreadChooser()
    for units in [1, 1, 1, 1, 1, 1, 5, 5]:
        clock.costs = {1: 2.0 * units, 2: 1.0 * units}
        chooser.call("epoch", clock.work, per=units)
    assert chooser.choices() == {("epoch", 2): 2}


def test_the_kinds_remembered_are_bounded(two_threads):
    chooser = threads.ThreadChooser()
    for m in range(3 * chooser.KINDS):
        chooser.call(("forward", m), lambda: None)
    assert len(chooser.choices()) == chooser.KINDS
    assert (("forward", 3 * chooser.KINDS - 1), 2) in chooser.choices()


def test_the_callers_limit_holds_and_a_failing_call_restores_it(two_threads):
    chooser = threads.ThreadChooser()
    numba.set_num_threads(1)
    assert _runs(chooser, FakeClock({1: 1.0}), 5) == [1] * 5
    assert chooser.choices() == {}                     # nothing to choose from
    numba.set_num_threads(2)

    def interrupted():
        raise KeyboardInterrupt
    for _ in range(8):
        with pytest.raises(KeyboardInterrupt):
            chooser.call("step", interrupted)
        assert numba.get_num_threads() == 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_network_chooses_per_call_and_computes_the_same_on_any_count(two_threads, dtype):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((SIZES[0], M)), rng.integers(0, SIZES[-1], M)
    nets = [ff.Network(SIZES, cost="categorical_cross_entropy", dtype=dtype, seed=1)
            for _ in range(2)]
    numba.set_num_threads(1)   # the fixture puts back 2
    one = [nets[0].step(X, y, 0.05) for _ in range(12)]
    numba.set_num_threads(2)
    assert nets[0]._threads.choices() == {}
    chosen = [nets[1].step(X, y, 0.05) for _ in range(12)]
    assert set(key for (key, m), limit in nets[1]._threads.choices()) == {"train_step"}
    assert one == chosen
    np.testing.assert_array_equal(nets[0].theta, nets[1].theta)
    nets[0].fit(X, y, epochs=2, batch_size=M, seed=0)
    nets[1].fit(X, y, epochs=2, batch_size=M, seed=0)
    np.testing.assert_array_equal(nets[0].theta, nets[1].theta)


def test_small_networks_never_pay_for_choosing():
    net = ff.Network([4, 8, 2], cost="categorical_cross_entropy", seed=0)
    X, y = np.ones((4, 16)), np.array([0, 1] * 8)
    net.step(X, y)
    net.step(X, y)
    net.fit(X, y, epochs=2, batch_size=4)
    assert net._threads.choices() == {}
