"""How a network runs its engine: the buffers it computes in, and the calls into them.

A ``Network`` owns one ``Runner``. The runner holds the node buffers of the largest batch
seen so far (within ``WORKSPACE_BYTES``), the engine's two arguments built once (``Buffers``,
``Problem``: see ``layout``), the compiled entry points of the loops backend, and the thread
count of each call. Shapes as in ``network``: X = A^[0] is (n^[0], m), A^[L] is (n^[L], m).
"""
import functools
import math

import numpy as np

from . import kernels, reference, registry, training, validation
from .buffers import Workspace
from .kernels import calls
from .layout import Buffers, Problem, nodes
from .threads import run_threaded, threads_from, widest_product
from .vectorized import step as vectorized_step

ENGINES = {"loops": kernels, "numpy": vectorized_step.ENGINE, "reference": reference.ENGINE}

# Node buffers a network keeps between calls, at most: a call on a larger batch (gradients on
# 60,000 examples, say) gets its workspace for that call only, and forward propagation for
# predictions and costs runs in chunks that fit in it.
WORKSPACE_BYTES = 64 << 20


def one_call_at_a_time(method):
    """Run a network's ``method`` holding its lock: every call computes in the network's one
    set of buffers, so two threads must not interleave on one network. Different networks
    have different locks and run in parallel (the kernels release the GIL)."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):   # a method of Network: its lock, its runner
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            finally:
                self._runner.trim()
    return locked


class Runner:
    """The engine of one backend, run in one network's buffers (``theta``, ``grad``)."""

    def __init__(self, layers, layer_sizes, theta, grad, cost_code, fused):
        self.layers, self.layer_sizes = layers, layer_sizes
        self.theta, self.grad, self.dtype = theta, grad, theta.dtype.type
        self.cost_code, self.fused = int(cost_code), bool(fused)
        self.no_state = np.zeros((2, 0), self.dtype)   # plain gradient descent keeps none
        self.no_table = np.zeros((len(layer_sizes), 3), np.int64)
        self.sgd_settings = training.SGD().settings()
        self.step_settings = training.SGD().settings()   # step's, α set on each call
        self.widest = widest_product(layer_sizes)
        self._l2 = 0.0
        self.workspace_cache = self.plain_buffers = self.epoch_buffers = None
        self.sgd_problem = self.step_problem = None
        self.blocks, self.entries, self.tables = {}, {}, {}
        self.chunk_size = self.chunk_limit = None

    def set_backend(self, name):
        self.engine = ENGINES[name]
        self.entries = {}   # compiled engine functions by name: see run
        self.sgd_problem = self.step_problem = None   # their kernel table is the backend's
        self.threads_from = threads_from(self.layer_sizes) if name == "loops" else math.inf

    @property
    def l2(self):
        return self._l2

    @l2.setter
    def l2(self, value):
        self._l2 = value
        self.sgd_problem = self.step_problem = None

    # -- buffers ------------------------------------------------------------------------

    def workspace(self, m):
        if self.workspace_cache is None or self.workspace_cache.capacity < m:
            if m >= self.threads_from:   # products large enough for threads: compile them
                kernels.gemm.use_threads(self.dtype)
            self.workspace_cache = Workspace(self.layers, m, self.dtype)
            self.blocks = {}   # views of the old one (batch)
        return self.workspace_cache

    def trim(self):
        """Drop buffers above ``WORKSPACE_BYTES``, after each public call."""
        if self.workspace_cache is not None and self.workspace_cache.nbytes > WORKSPACE_BYTES:
            self.workspace_cache = self.plain_buffers = None
            self.blocks = {}
        if self.epoch_buffers is not None and self.epoch_buffers[0].nbytes > WORKSPACE_BYTES:
            self.epoch_buffers = None

    def epoch_copy(self, X, Y):
        """(X_copy, Y_copy, row, identity): buffers for ``fit``'s shuffled copy of (X, Y) each
        epoch (``fitting.SHUFFLE_COPY_FROM``) and the order of its examples, kept between
        calls like the workspace, and within its bound."""
        kept = self.epoch_buffers
        if kept is None or kept[0].shape != X.shape or kept[1].shape != Y.shape:
            kept = self.epoch_buffers = (np.empty_like(X), np.empty_like(Y),
                                         np.empty(X.shape[1], self.dtype), np.arange(X.shape[1]))
        return kept

    def chunk(self):
        """Examples per forward pass when only the outputs are wanted (predictions, costs)."""
        if self.chunk_limit != WORKSPACE_BYTES:   # computed once (a bisection)
            self.chunk_size = Workspace.largest(self.layers, self.dtype, WORKSPACE_BYTES)
            self.chunk_limit = WORKSPACE_BYTES
        return self.chunk_size

    def buffers(self, m, state=None):
        ws = self.workspace(m)
        if state is None and self.plain_buffers is not None and self.plain_buffers[0] is ws:
            return self.plain_buffers[1]   # built once per workspace: 0.4 µs a call
        b = Buffers(self.theta, self.grad, self.no_state if state is None else state,
                    ws.Z, ws.A, ws.dZ, ws.dA, ws.Y, ws.scratch)
        if state is None:
            self.plain_buffers = ws, b
        return b

    def batch(self, m):
        """(b, A0, AL, dA0): the buffers for a batch of m examples (``buffers``) and the blocks
        A^[0], A^[L] and dA^[0] in them, made once per workspace and m (slicing them anew
        cost 1-2 µs of a public ``forward`` whose compiled core takes 3 µs)."""
        blocks = self.blocks.get(m)
        if blocks is None:
            b = self.buffers(m)   # may replace the workspace, and so empty blocks
            if len(self.blocks) >= 8:   # a few batch sizes recur (fit's last batch, chunks)
                self.blocks.clear()
            L = len(self.layer_sizes) - 1
            blocks = self.blocks[m] = (b, nodes(b.A, self.layers, 0, m),
                                       nodes(b.A, self.layers, L, m),
                                       nodes(b.dA, self.layers, 0, m))
        return blocks

    def problem(self, optimizer=registry.SGD, settings=None):
        if optimizer == registry.SGD and settings is None:
            if self.sgd_problem is None:   # built once until l2 changes: 0.4 µs a call
                self.sgd_problem = self.problem(registry.SGD, self.sgd_settings)
            return self.sgd_problem
        # Fixed Python types: the compiled engine is typed once per network (see run).
        return Problem(self.layers, self.cost_code, self.fused, float(self._l2),
                       int(optimizer), settings, self.kernel_table(int(optimizer)))

    def kernel_table(self, optimizer):
        """The loops backend's table of this network's kernels for ``optimizer``
        (``kernels.calls``), compiled on first use; zeros for the other engines."""
        table = self.tables.get(optimizer) if self.engine is kernels else self.no_table
        if table is None:
            table = self.tables[optimizer] = calls.table(self.layers, self.cost_code,
                                                         self.fused, optimizer, self.dtype)
        return table

    def arguments(self, m, optimizer=None, state=None):
        """``Network.engine_arguments`` (see there), its arguments checked."""
        m = validation.check_positive_int(m, "m")
        if optimizer is not None and not isinstance(optimizer, training.SGD):
            raise TypeError(f"optimizer must be an optimizer object of ffnn_numba.training "
                            f"(SGD, Momentum, Nesterov, Adam) or None; got {optimizer!r}")
        name = "sgd" if optimizer is None else optimizer.name
        n = len(self.theta)
        if state is None and name != "sgd":   # momentum and Adam keep two numbers per θ
            state = np.zeros((2, n), self.dtype)
        if state is not None and (not isinstance(state, np.ndarray) or state.dtype != self.dtype
                                  or state.shape != (2, n) or not state.flags.c_contiguous):
            raise ValueError(f"state must be a C-contiguous {np.dtype(self.dtype).name} array "
                             f"of shape (2, {n})")
        if optimizer is None:
            return self.buffers(m, state), self.problem()
        return self.buffers(m, state), self.problem(registry.OPTIMIZERS[name],
                                                    optimizer.settings())

    def step_problem_for(self, alpha):
        """The problem of ``Network.step``: plain gradient descent with learning rate α."""
        self.step_settings[registry.LEARNING_RATE] = alpha
        if self.step_problem is None:
            self.step_problem = self.problem(registry.SGD, self.step_settings)
        return self.step_problem

    # -- calls --------------------------------------------------------------------------

    def run(self, name, *args, m=None):
        """``engine.<name>(*args)`` in this network's buffers.

        On the loops backend, calls after the first go straight to the compiled function,
        past Numba's typing of the arguments (2 µs of a 9 µs step at the benchmark's tiny
        size): the types cannot change, since the buffers, the problem and the validated
        arrays (C-contiguous, aligned, writeable, of the network's dtype) are typed alike on
        every call. With ``m``, the batch size, the call runs on threads as in ``on_threads``
        (inlined here: one Python call less on every small step).
        """
        entry = self.entries.get(name)
        if entry is not None:
            if m is None or m < self.threads_from:
                return entry(*args)
            return run_threaded(m * self.widest, entry, *args)
        function = getattr(self.engine, name)
        result = function(*args) if m is None else self.on_threads(m, function, *args)
        overloads = getattr(function, "overloads", None)   # a Numba dispatcher
        if overloads is not None:
            compiled = overloads.get(tuple(function.typeof_pyval(a) for a in args))
            if compiled is not None:
                self.entries[name] = compiled.entry_point
        return result

    def on_threads(self, m, function, *args):
        """``function(*args)``, where the products of a batch of ``m`` examples run on threads
        (loops backend, ``PARALLEL_MIN_WORK``), on as many as the machine's load leaves them
        (``threads.on_threads``, unchecked)."""
        if m < self.threads_from:
            return function(*args)
        return run_threaded(m * self.widest, function, *args)

    def forward(self, X):
        """Run forward propagation on checked X; returns ``batch``'s (b, A0, AL, dA0), b the
        Buffers holding every Z, A."""
        m = X.shape[1]
        blocks = self.batch(m)
        blocks[1][...] = X
        self.run("forward_propagation", blocks[0], self.problem(), m, m=m)
        return blocks

    def outputs(self, X):
        """A^[L] for checked X, as a new array, computed in chunks of ``chunk()`` examples."""
        m, chunk = X.shape[1], self.chunk()
        if m <= chunk:
            return self.forward(X)[2].copy()
        out = np.empty((self.layer_sizes[-1], m), self.dtype)
        for start in range(0, m, chunk):
            end = min(start + chunk, m)
            out[:, start:end] = self.forward(X[:, start:end])[2]
        return out

    def cost(self, X, Y, outputs=None):
        """J on checked X, Y: each chunk's cost weighted by its share of the m examples,
        and the L2 term (which holds 1/m) added once. Fills ``outputs`` with A^[L] if given."""
        m, chunk = X.shape[1], self.chunk()
        if m <= chunk:
            b, _, AL, _ = self.forward(X)
            if outputs is not None:
                outputs[...] = AL
            return float(self.run("output_cost", b, self.problem(), Y))
        J, no_l2 = 0.0, self.problem()._replace(l2=0.0)
        for start in range(0, m, chunk):
            end = min(start + chunk, m)
            b, _, AL, _ = self.forward(X[:, start:end])
            if outputs is not None:
                outputs[:, start:end] = AL
            Y_chunk = np.ascontiguousarray(Y[:, start:end])
            J += (end - start) / m * float(self.run("output_cost", b, no_l2, Y_chunk))
        return J + float(self.engine.l2_penalty(self.theta, self.layers, self._l2, m))

    def trace(self, b, m, names):
        """Copies of the named node buffers ("Z", "A", "dZ", "dA") of every layer, keyed as
        the derivation names them ("Z1", "A0", ...)."""
        buffers = {"Z": b.Z, "A": b.A, "dZ": b.dZ, "dA": b.dA}
        out = {}
        for l in range(len(self.layer_sizes)):
            for name in names:
                if l > 0 or name in ("A", "dA"):
                    out[f"{name}{l}"] = nodes(buffers[name], self.layers, l, m).copy()
        return out
