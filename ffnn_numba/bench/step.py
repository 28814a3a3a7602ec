"""One training step on every backend and peer, and the benchmark's one timer.

A training step is what ``Network.fit`` runs for every mini-batch once the batch is in its
buffer: forward propagation, cost, backward propagation and the gradient-descent update.
For loops and numpy it is ``train_step`` of the backend's engine on the network's own buffers,
called past Numba's argument typing (the *core*, see ``direct``), or the public
``Network.step(X, Y)`` a user calls (the *public* call); for the peers, the same network and
update in PyTorch eager (``peer_torch``) or one ``jax.jit`` (``peer_jax``). Before any
timing one step from identical parameters is run on every backend and compared with numpy's.
Compilation is never timed: each callable is warmed up first.
"""
import contextlib
import copy
import statistics
import time
import tracemalloc

import numba
import numpy as np

from . import peers
from ..teach.checks import agreement_tolerance
from ..layout import make_layers, multiply_adds, nodes
from ..network import Network
from ..training import SGD

SIZES = {
    "tiny": ([2, 16, 16, 1], 32),
    "small": ([64, 32, 10], 64),
    "medium": ([784, 128, 64, 10], 128),
    "large": ([1024, 1024, 1024, 10], 256),
}
DTYPES = {"float64": np.float64, "float32": np.float32}
LEARNING_RATE = 1e-3
PEERS = peers.STEP_PEERS


def case(size):
    """(layer sizes, m) of a named size, or of a (layer sizes, m) pair itself."""
    return SIZES[size] if isinstance(size, str) else (list(size[0]), int(size[1]))


def step_flops(sizes, m):
    """Floating-point operations (2 per multiply-add) of the matrix equations in one step
    (``layout.multiply_adds``)."""
    return 2 * multiply_adds(make_layers(sizes, [0] * (len(sizes) - 1)), m)


def network(size, dtype, backend="loops", seed=0):
    """A seeded network of a size (name or (layer sizes, m)), with a batch X and labels y:
    binary cross-entropy for one output, categorical cross-entropy for more."""
    sizes, m = case(size)
    cost = "binary_cross_entropy" if sizes[-1] == 1 else "categorical_cross_entropy"
    net = Network(sizes, cost=cost, backend=backend, dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((sizes[0], m))
    y = rng.integers(0, max(2, sizes[-1]), m)
    return net, X, y


def direct(function, *args):
    """``function`` ready to be called on arguments typed as ``args``, past Numba's typing of
    them: the compiled entry point of a Numba dispatcher for these types (compiled, or loaded
    from the cache, now; as ``Network`` calls its own engine), or the function itself where it
    is plain Python (the NumPy engine). The core of a step is timed this way, so that it
    counts the compiled work and not the few microseconds of typing a NamedTuple argument."""
    if not hasattr(function, "typeof_pyval"):
        return function
    return function.compile(tuple(function.typeof_pyval(a) for a in args))


class Step:
    """One backend's training step on one case, ready to call: ``step()`` returns J.

    ``backend`` is "loops" or "numpy" (``public``: through ``Network.step`` rather than the
    engine's core), or a peer: "torch", "jax". ``threads`` limits Numba's threads for it.
    """

    def __init__(self, size, dtype, backend, seed=0, threads=None, public=False):
        self.size, self.dtype, self.backend, self.threads = size, dtype, backend, threads
        self.net, X, y = network(size, dtype, "numpy" if backend in PEERS else backend, seed)
        X, Y = self.net.validate(X, y)
        if backend in PEERS:
            self.peer = peers.make(backend, self.net, SGD(LEARNING_RATE))
            self._call = self.peer.step(X, Y)
        elif public:
            net = self.net
            self._call = lambda: net.step(X, Y, LEARNING_RATE)
        else:
            m = X.shape[1]
            b, p = self.net.engine_arguments(m, SGD(LEARNING_RATE))
            nodes(b.A, p.layers, 0, m)[...] = X
            train_step = direct(self.net.engine.train_step, b, p, Y)
            self._call = lambda: train_step(b, p, Y)

    def __call__(self):
        return self._call()

    def limited(self, threads):
        """This step, its network and batch shared, with Numba's threads limited to
        ``threads``: the same buffers, so that comparing thread counts does not compare two
        networks' memory (the medium float32 step on one thread: 722-803 µs over eight
        identical networks of one process, each steady within its own calls)."""
        step = copy.copy(self)
        step.threads = threads
        return step

    def parameters(self):
        """{"W1": ..., "b1": ..., ...} as float64 arrays."""
        if self.backend in PEERS:
            return self.peer.parameters()
        return {k: v.astype(np.float64) for k, v in self.net.params.items()}


def compare_updates(start, runs, dtype, reference="numpy"):
    """How far each run's update lands from the reference's.

    ``runs`` = {name: parameters after}, ``start`` the parameters before (dicts of float64
    arrays). Returns ({name: largest |Δθ − Δθ_ref| relative to the reference's largest |Δθ|},
    rounding), where ``rounding`` = ε max|θ| / max|Δθ_ref| (ε the dtype's machine epsilon)
    is what reading an update back as θ_after − θ_before may add: θ_after is stored rounded,
    and two updates that differ by less than an ulp of θ can round to values an ulp apart.
    """
    updates = {name: {k: v - start[k] for k, v in after.items()} for name, after in runs.items()}
    scale = max(float(np.max(np.abs(v))) for v in updates[reference].values())
    largest = max(float(np.max(np.abs(v))) for v in start.values())
    differences = {name: max(float(np.max(np.abs(u[k] - updates[reference][k]))) for k in u)
                   / scale for name, u in updates.items()}
    return differences, float(np.finfo(dtype).eps) * largest / scale


def agreement(size, dtype, backends, steps=None):
    """How far each backend's first step lands from numpy's, from the same parameters and data.

    ``steps`` ({backend: Step}, numpy among them) are fresh steps to check, by default new
    ones; each then has run one step. Returns, per backend, the largest difference of the
    updates Δθ relative to numpy's largest |Δθ| (so the gradients themselves are compared),
    the relative difference of J, and the bound they are held to: the rounding bound of the
    gradients, ``checks.agreement_tolerance``, plus the rounding of θ_after
    (``compare_updates``).
    """
    steps = steps or {b: Step(size, dtype, b) for b in backends}
    start = steps["numpy"].parameters()
    costs = {b: float(steps[b]()) for b in backends}
    updates, rounding = compare_updates(start, {b: steps[b].parameters() for b in backends},
                                        dtype)
    tolerance = agreement_tolerance(*case(size), dtype) + rounding
    return {b: {"updates": updates[b], "cost": abs(costs[b] - costs["numpy"]) / abs(costs["numpy"]),
                "tolerance": tolerance} for b in backends}


BLOCK_SECONDS = 0.01


def block_mean(step, threads=None, calls=3):
    """Mean seconds per call of ``step()`` over a block of consecutive calls lasting at least
    ``BLOCK_SECONDS`` (and ``calls`` calls), with Numba's thread count set to ``threads``
    (None: every thread) around the block. A stall inside the block counts in full, as it
    does in a user's ``fit``. A result JAX computes asynchronously is waited for at the end of
    the block, so that JAX overlaps its calls as in a user's loop but every one is counted."""
    with numba_threads(threads):
        n, start = 0, time.perf_counter()
        while n < calls or time.perf_counter() - start < BLOCK_SECONDS:
            result = step()
            n += 1
        finished(result)
        return (time.perf_counter() - start) / n


def finished(result):
    """Wait until ``result`` is computed where it comes asynchronously (JAX); returns it."""
    getattr(result, "block_until_ready", lambda: None)()
    return result


@contextlib.contextmanager
def numba_threads(threads=None):
    """Numba's thread count set to ``threads`` (None: every thread) for the block."""
    saved = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        yield
    finally:
        numba.set_num_threads(saved)


# Seconds of rest before each turn: OpenBLAS's threads spin for about 0.1 s after their last
# product, and would otherwise slow whichever step follows numpy's (by up to 40% at the
# medium size), which a user running one backend never sees. After the rest, one untimed
# call wakes the turn's own threads (and the virtual machine's idle cores): the first block
# after a rest of 0.15-1 s took up to 2.5x as long at the medium size, which a user's loop,
# calling without pause, never pays either.
SETTLE = 0.15


# Calls of each step before any is timed: the first calls of a network touch its buffers for
# the first time, and the machine's load is not yet measured (``threads.machine_load``), which
# a user's loop pays once and the first round would otherwise count.
WARM_UP_CALLS = 10


def side_by_side(steps, min_time, rounds=5):
    """The one timer of the benchmark: {name: seconds per call} for ``steps`` = {name: step},
    each the median of all its block means (``block_mean``) in ``alternating_rounds``."""
    return medians(alternating_rounds(steps, min_time, rounds))


def medians(rounds):
    """{name: the median of all its block means} from ``alternating_rounds``' result."""
    return {name: statistics.median(t for blocks in per_round for t in blocks)
            for name, per_round in rounds.items()}


def alternating_rounds(steps, min_time, rounds=5, min_blocks=1):
    """{name: one list of block means per round} for ``steps`` = {name: step}, timed in
    ``rounds`` rounds that alternate between the steps, forwards and backwards, so that a
    passing disturbance of the machine falls on all of them alike, each turn after a rest of
    ``SETTLE`` seconds and one untimed call, after ``WARM_UP_CALLS`` calls of each. A turn
    lasts its share of ``min_time`` and at least ``min_blocks`` blocks. A step's ``threads``
    attribute, where it has one, limits Numba's threads for it."""
    samples = {name: [] for name in steps}
    for step in steps.values():
        block_mean(step, getattr(step, "threads", None), WARM_UP_CALLS)   # warm up every one
    per_round = min_time / rounds / len(steps)
    rest = min(SETTLE, min_time / 4)   # the whole rest from 0.6 s of timing; tests time 0.01 s
    names = list(steps)
    for r in range(rounds):
        # Every other round runs backwards, so that no step always follows the same one: BLAS
        # and OpenMP threads keep spinning for a while after their work, and would otherwise
        # always take their cores from the same neighbour.
        for name in (names if r % 2 == 0 else names[::-1]):
            step, blocks = steps[name], []
            time.sleep(rest)
            with numba_threads(getattr(step, "threads", None)):   # untimed: wakes its threads
                finished(step())
            end = time.perf_counter() + per_round
            while True:
                blocks.append(block_mean(step, getattr(step, "threads", None)))
                if time.perf_counter() >= end and len(blocks) >= min_blocks:
                    break
            samples[name].append(blocks)
    return samples


def paired_ratio(per_round, numerator, denominator):
    """The ratio of two steps' times, ``numerator`` / ``denominator``, from
    ``alternating_rounds``: (median, lower quartile, upper quartile) over the rounds of the
    ratio within each round (of the two steps' median blocks there). Each round's two turns
    lie a fraction of a second apart, so a drift of the machine's speed over the run, which
    a ratio of the whole run's medians would take in, cancels."""
    ratios = sorted(statistics.median(a) / statistics.median(b)
                    for a, b in zip(per_round[numerator], per_round[denominator]))
    if len(ratios) < 2:
        return ratios[0], ratios[0], ratios[0]
    q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
    return statistics.median(ratios), q1, q3


def allocated_bytes(step, repeats=20):
    """Peak bytes the Python allocator hands out during one step, in steady state (tracemalloc)."""
    step()
    tracemalloc.start()
    try:
        step()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(repeats):
            step()
        return max(0, tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()


def measure_steps(size, dtype_name, backends, min_time, full=True):
    """Time one case on every backend side by side, after checking that they agree; returns
    one JSON-ready row per backend. ``full``: also time loops and numpy through the public
    ``Network.step`` ("public_seconds"), and measure the bytes a step allocates."""
    dtype = DTYPES[dtype_name]
    sizes, m = case(size)
    flops = step_flops(sizes, m)
    steps = {backend: Step(size, dtype, backend) for backend in backends}
    agree = agreement(size, dtype, backends, steps)
    public = {backend: Step(size, dtype, backend, public=True) for backend in backends
              if full and backend not in PEERS}
    seconds = side_by_side({**steps, **{f"{b} public": s for b, s in public.items()}}, min_time)
    rows = []
    for backend, step in steps.items():
        row = {"size": size if isinstance(size, str) else None, "layers": sizes, "m": m,
               "dtype": dtype_name, "backend": backend, "seconds": seconds[backend],
               "gflops": flops / seconds[backend] / 1e9, "agreement": agree[backend]}
        if full:
            row["allocated_bytes"] = allocated_bytes(step)
        if backend in public:
            row["public_seconds"] = seconds[f"{backend} public"]
        rows.append(row)
    return rows


def public_calls(size, dtype_name, min_time):
    """The public ``forward`` and ``gradients`` of the loops backend against their core
    (the compiled ``forward_propagation``, and ``backward_propagation`` after it, called
    directly on the network's buffers with the batch copied in):
    {call: {"public": s, "core": s}}."""
    net, X, y = network(size, DTYPES[dtype_name], "loops")
    X, Y = net.validate(X, y)
    m = X.shape[1]
    b, p = net.engine_arguments(m)
    A0 = nodes(b.A, p.layers, 0, m)
    forward = direct(net.engine.forward_propagation, b, p, m)
    backward = direct(net.engine.backward_propagation, b, p, Y, True)

    def forward_core():
        A0[...] = X
        forward(b, p, m)

    def gradients_core():
        forward_core()
        backward(b, p, Y, True)
    seconds = side_by_side({"forward public": lambda: net.forward(X), "forward core": forward_core,
                            "gradients public": lambda: net.gradients(X, Y),
                            "gradients core": gradients_core}, min_time)
    return {call: {"public": seconds[f"{call} public"], "core": seconds[f"{call} core"]}
            for call in ("forward", "gradients")}
