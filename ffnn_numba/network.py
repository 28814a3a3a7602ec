"""The model: a feedforward network that owns its flat buffers and runs on either backend.

Shapes follow the derivation: X = A^[0] is (n^[0], m), one column per example; W^[l] is
(n^[l], n^[l-1]); b^[l] is (n^[l], 1); Y and A^[L] are (n^[L], m). Layers are numbered
1..L, so the parameters are "W1", "b1", ..., "WL", "bL".
"""
import functools
import math
import threading
import warnings

import numpy as np

from . import kernels, reference, registry, training, validation, vectorized, vectorized_step
from .buffers import Parameters, Workspace
from .layout import Buffers, Problem, make_layers, n_params, nodes
from .threads import _run_threaded, threads_from, widest_product

ENGINES = {"loops": kernels, "numpy": vectorized_step.ENGINE, "reference": reference.ENGINE}
EQUATIONS = {"loops": kernels, "numpy": vectorized, "reference": reference.ENGINE.eq}


def _one_call_at_a_time(method):
    """Run ``method`` holding the network's lock: every call computes in the network's one
    set of buffers, so two threads must not interleave on one network. Different networks
    have different locks and run in parallel (the kernels release the GIL)."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            finally:
                self._trim_workspace()
    return locked


def _own_array(value):
    """``value``, or a plain C-contiguous writeable copy where it is an array that is not one
    (a memory map, read-only or not; an unaligned or strided array)."""
    if isinstance(value, np.ndarray) and (type(value) is not np.ndarray
                                          or not value.flags.carray):
        return np.array(value, order="C")
    return value


# Node buffers a network keeps between calls, at most: a call on a larger batch (gradients on
# 60,000 examples, say) gets its workspace for that call only, and forward propagation for
# predictions and costs runs in chunks that fit in it.
WORKSPACE_BYTES = 64 << 20


class Network:
    """A fully connected feedforward network, z = W a + b and a = g(z) in every layer.

    Parameters
    ----------
    layer_sizes : sequence of int
        n^[0], n^[1], ..., n^[L]: the input size, then the number of nodes of each layer.
    activations : str or sequence of str, optional
        One activation name per layer 1..L, or one name for every layer. By default relu in
        the hidden layers and the cost's natural output activation (sigmoid for binary and
        multi-label cross-entropy, softmax for categorical, linear for mean squared error).
    cost : str, default "mean_squared_error"
        One of ``ffnn_numba.COSTS``.
    backend : {"loops", "numpy", "reference"}, default "loops"
        The Numba-compiled loops, the vectorized NumPy path, or the reference loop nests run
        as plain Python, one equation at a time (slow; for teaching and debugging, see
        ``ffnn_numba.reference``: a call that would take more than
        ``reference.MAX_SECONDS``, a minute, raises a ValueError). May be changed at any
        time through the ``backend`` attribute; it changes speed, never results.
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        Precision of parameters, buffers and outputs.
    seed : int or None
        Seeds the initialization and the shuffling of ``fit`` when that is given no seed of
        its own.
    l2 : float, default 0
        λ of the L2 term λ/(2m) Σ_l ||W^[l]||² added to J (weights only, not biases); its
        gradient (λ/m) W^[l] is added to every dW^[l], so gradient checks still hold.
        Assignable at any time through the ``l2`` attribute.
    init : {"auto", "he", "glorot", "small"}, default "auto"
        How W^[l] starts (b^[l] starts at 0): "he" draws N(0, 2/n^[l-1]), "glorot" draws
        U(±√(6/(n^[l-1] + n^[l]))), "small" draws 0.01 N(0, 1) as the deeplearning.ai course
        does; "auto" is "he" for relu-like layers and "glorot" for the others.
    """

    def __init__(self, layer_sizes, activations=None, cost="mean_squared_error", *,
                 backend="loops", dtype=np.float64, seed=None, l2=0.0, init="auto"):
        self.layer_sizes = validation.check_layer_sizes(layer_sizes)
        self.cost_name = validation.check_cost(cost)
        self.activations = validation.check_activations(activations, len(self.layer_sizes) - 1,
                                                        self.cost_name)
        validation.check_output(self.activations[-1], self.cost_name, self.layer_sizes[-1])
        self.dtype = validation.check_dtype(dtype)
        self.backend = backend
        self._sgd_problem = self._step_problem = self._plain_buffers = None
        self.l2 = l2
        self.init = validation.check_choice("init", init, registry.INITIALIZERS)
        self._layers = make_layers(self.layer_sizes,
                                   [registry.ACTIVATIONS[a].code for a in self.activations])
        self._theta = np.zeros(n_params(self._layers), self.dtype)
        self._grad = np.zeros_like(self._theta)
        self._cost_code = registry.COSTS[self.cost_name].code
        self._fused = (self.activations[-1], self.cost_name) in registry.FUSED
        self._workspace_cache = None
        self._blocks = {}   # see _batch
        self._epoch_buffers = None   # see _epoch_copy
        self._lock = threading.RLock()
        self._no_state = np.zeros((2, 0), self.dtype)   # plain gradient descent keeps none
        self._sgd_settings = training.SGD().settings()
        self._step_settings = training.SGD().settings()   # step's, α set on each call
        self._chunk_size = self._chunk_limit = None
        self.optimizer_state = None  # (optimizer, state, steps) of the last fit, to resume
        self.metadata = {}  # JSON-ready notes saved with the network (see save)
        self._rng = np.random.default_rng(validation.check_seed(seed))
        self.params = Parameters(self._theta, self._layers)
        self._gradient_views = Parameters(self._grad, self._layers)
        self._initialize()

    def _initialize(self):
        """W^[l] as ``init`` says, b^[l] = 0; drawn in float64 and cast, so both dtypes start
        from the same numbers."""
        for l, activation in enumerate(self.activations, start=1):
            n_prev, n = self.layer_sizes[l - 1], self.layer_sizes[l]
            init = registry.ACTIVATIONS[activation].init if self.init == "auto" else self.init
            if init == "he":
                W = self._rng.normal(0.0, math.sqrt(2.0 / n_prev), size=(n, n_prev))
            elif init == "glorot":
                limit = math.sqrt(6.0 / (n_prev + n))
                W = self._rng.uniform(-limit, limit, size=(n, n_prev))
            else:
                W = 0.01 * self._rng.standard_normal((n, n_prev))
            self.params[f"W{l}"] = W
            self.params[f"b{l}"] = np.zeros((n, 1))

    @property
    def backend(self):
        """"loops" (compiled loops), "numpy" (vectorized) or "reference" (the reference loops
        as plain Python); assignable at any time."""
        return self._backend

    @backend.setter
    def backend(self, name):
        self._backend = validation.check_backend(name)
        self._engine = ENGINES[name]
        self._entries = {}   # compiled engine functions by name: see _run
        self._threads_from = threads_from(self.layer_sizes) if name == "loops" else math.inf
        self._widest = widest_product(self.layer_sizes)   # see _on_threads

    @property
    def l2(self):
        """λ of the L2 term λ/(2m) Σ ||W^[l]||² of J."""
        return self._l2

    @l2.setter
    def l2(self, value):
        self._l2 = validation.check_real(value, "l2", 0)
        self._sgd_problem = self._step_problem = None

    @property
    def theta(self):
        """θ: every W^[l] and b^[l] in one flat vector (W^[l] row-major, then b^[l], for
        l = 1..L; see ``layout``), the buffer ``params`` views. Writing into it changes the
        network."""
        return self._theta

    @property
    def n_layers(self):
        """L, the number of layers with weights and biases."""
        return len(self.layer_sizes) - 1

    def __getstate__(self):
        """Pickle the parameters once; ``params`` is rebuilt as views of them on unpickling."""
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("params", "_gradient_views", "_workspace_cache", "_engine",
                              "_lock", "_entries", "_plain_buffers", "_sgd_problem",
                              "_step_problem", "_threads_from", "_widest", "_blocks",
                              "_epoch_buffers")}
        state["_workspace_cache"] = None
        return state

    def __setstate__(self, state):
        # joblib.load(..., mmap_mode="r") and joblib's workers hand arrays back as read-only
        # memory maps, which the compiled kernels cannot write (nor take without compiling
        # anew): every array becomes a writeable C-contiguous copy of its own, so training a
        # loaded network never writes into the file it came from.
        state = {k: _own_array(v) for k, v in state.items()}
        if state.get("optimizer_state") is not None:
            optimizer, kept, steps = state["optimizer_state"]
            state["optimizer_state"] = (optimizer, _own_array(kept), steps)
        self.__dict__.update(state)
        self.backend = self._backend   # its compiled entries start afresh
        self._chunk_size = self._chunk_limit = None
        self._plain_buffers = self._sgd_problem = self._step_problem = None
        self._blocks, self._epoch_buffers = {}, None
        self._lock = threading.RLock()
        self.params = Parameters(self._theta, self._layers)
        self._gradient_views = Parameters(self._grad, self._layers)

    def __repr__(self):
        return (f"Network({list(self.layer_sizes)}, activations={list(self.activations)}, "
                f"cost={self.cost_name!r}, backend={self.backend!r}, "
                f"dtype=np.{np.dtype(self.dtype).name})")

    # -- buffers ------------------------------------------------------------------------

    def _workspace(self, m):
        if self._workspace_cache is None or self._workspace_cache.capacity < m:
            self._workspace_cache = Workspace(self._layers, m, self.dtype)
            self._blocks = {}   # views of the old one (_batch)
        return self._workspace_cache

    def _trim_workspace(self):
        if self._workspace_cache is not None and self._workspace_cache.nbytes > WORKSPACE_BYTES:
            self._workspace_cache = self._plain_buffers = None
            self._blocks = {}
        if self._epoch_buffers is not None and self._epoch_buffers[0].nbytes > WORKSPACE_BYTES:
            self._epoch_buffers = None

    def _epoch_copy(self, X, Y):
        """(X_copy, Y_copy, row, identity): buffers for ``fit``'s shuffled copy of (X, Y) each
        epoch (``training.SHUFFLE_COPY_FROM``) and the order of its examples, kept between
        calls like the workspace, and within its bound."""
        kept = self._epoch_buffers
        if kept is None or kept[0].shape != X.shape or kept[1].shape != Y.shape:
            kept = self._epoch_buffers = (np.empty_like(X), np.empty_like(Y),
                                          np.empty(X.shape[1], self.dtype), np.arange(X.shape[1]))
        return kept

    def _chunk(self):
        """Examples per forward pass when only the outputs are wanted (predictions, costs)."""
        if self._chunk_limit != WORKSPACE_BYTES:   # computed once (a bisection)
            self._chunk_size = Workspace.largest(self._layers, self.dtype, WORKSPACE_BYTES)
            self._chunk_limit = WORKSPACE_BYTES
        return self._chunk_size

    def validate_X(self, X):
        """X checked and converted as every method does: a C-contiguous (n^[0], m) array of
        the network's dtype (the caller's array itself where it already is one)."""
        return validation.check_X(X, self.layer_sizes[0], self.dtype)

    def validate(self, X, Y):
        """(X, Y) checked and converted as every method does; 1-D class labels become one-hot
        columns of Y."""
        return validation.check_batch(X, Y, self.layer_sizes[0], self.layer_sizes[-1],
                                      self.cost_name, self.dtype)

    def engine_arguments(self, m, optimizer=None, state=None):
        """The two arguments every engine function takes, for batches of up to m examples.

        Returns ``layout.Buffers`` (this network's θ, its gradient, node buffers, targets and
        scratch, and ``state``: the optimizer's memory, none by default) and
        ``layout.Problem`` (layer table, cost, L2, and the update rule and settings of
        ``optimizer``, an optimizer object of ``ffnn_numba.training``; plain gradient
        descent with α = 0.1 by default). ``state`` is (2, len(theta)) in the network's
        dtype; zeros are allocated for an optimizer that keeps state when it is omitted.
        The buffers are the network's own: an engine call through them changes the network,
        so hold ``lock`` around it where other threads may use the network.
        """
        m = validation.check_positive_int(m, "m")
        if optimizer is not None and not isinstance(optimizer, training.SGD):
            raise TypeError(f"optimizer must be an optimizer object of ffnn_numba.training "
                            f"(SGD, Momentum, Nesterov, Adam) or None; got {optimizer!r}")
        name = "sgd" if optimizer is None else optimizer.name
        if state is None and name != "sgd":   # momentum and Adam keep two numbers per θ
            state = np.zeros((2, len(self._theta)), self.dtype)
        if state is not None and (not isinstance(state, np.ndarray) or state.dtype != self.dtype
                                  or state.shape != (2, len(self._theta))
                                  or not state.flags.c_contiguous):
            raise ValueError(f"state must be a C-contiguous {np.dtype(self.dtype).name} array "
                             f"of shape (2, {len(self._theta)})")
        if optimizer is None:
            return self._buffers(m, state), self._problem()
        return self._buffers(m, state), self._problem(registry.OPTIMIZERS[name],
                                                      optimizer.settings())

    def _buffers(self, m, state=None):
        ws = self._workspace(m)
        if state is None and self._plain_buffers is not None and self._plain_buffers[0] is ws:
            return self._plain_buffers[1]   # built once per workspace: 0.4 µs a call
        b = Buffers(self._theta, self._grad, self._no_state if state is None else state,
                    ws.Z, ws.A, ws.dZ, ws.dA, ws.Y, ws.scratch)
        if state is None:
            self._plain_buffers = ws, b
        return b

    def _batch(self, m):
        """(b, A0, AL, dA0): the buffers for a batch of m examples (``_buffers``) and the blocks
        A^[0], A^[L] and dA^[0] in them, made once per workspace and m (slicing them anew
        cost 1-2 µs of a public ``forward`` whose compiled core takes 3 µs)."""
        blocks = self._blocks.get(m)
        if blocks is None:
            b = self._buffers(m)   # may replace the workspace, and so empty _blocks
            if len(self._blocks) >= 8:   # a few batch sizes recur (fit's last batch, chunks)
                self._blocks.clear()
            L = len(self.layer_sizes) - 1
            blocks = self._blocks[m] = (b, nodes(b.A, self._layers, 0, m),
                                        nodes(b.A, self._layers, L, m),
                                        nodes(b.dA, self._layers, 0, m))
        return blocks

    def _problem(self, optimizer=registry.SGD, settings=None):
        if optimizer == registry.SGD and settings is None:
            if self._sgd_problem is None:   # built once until l2 changes: 0.4 µs a call
                self._sgd_problem = self._problem(registry.SGD, self._sgd_settings)
            return self._sgd_problem
        # Fixed Python types: the compiled engine is typed once per network (see _run).
        return Problem(self._layers, int(self._cost_code), bool(self._fused), float(self._l2),
                       int(optimizer), settings)

    def _run(self, name, *args, m=None):
        """``engine.<name>(*args)`` with this network's own buffers and problem.

        On the loops backend, calls after the first go straight to the compiled function,
        past Numba's typing of the arguments (2 µs of a 9 µs step at the benchmark's tiny
        size): the types cannot change, since the buffers, the problem (``_problem``) and
        the validated arrays (C-contiguous, aligned, writeable, of the network's dtype) are
        typed alike on every call. Other callers use ``engine``, which types every call.
        With ``m``, the batch size, the call runs on threads as in ``_on_threads`` (inlined
        here: one Python call less on every small step).
        """
        entry = self._entries.get(name)
        if entry is not None:
            if m is None or m < self._threads_from:
                return entry(*args)
            return _run_threaded(m * self._widest, entry, *args)
        function = getattr(self._engine, name)
        result = function(*args) if m is None else self._on_threads(m, function, *args)
        overloads = getattr(function, "overloads", None)   # a Numba dispatcher
        if overloads is not None:
            compiled = overloads.get(tuple(function.typeof_pyval(a) for a in args))
            if compiled is not None:
                self._entries[name] = compiled.entry_point
        return result

    def _on_threads(self, m, function, *args):
        """``function(*args)``, where the products of a batch of ``m`` examples run on threads
        (loops backend, ``PARALLEL_MIN_WORK``), on as many as the machine's load leaves them
        (``threads.on_threads``, unchecked)."""
        if m < self._threads_from:
            return function(*args)
        return _run_threaded(m * self._widest, function, *args)

    @property
    def engine(self):
        """The whole-network functions of the current backend (``ffnn_numba.kernels`` or
        ``ffnn_numba.vectorized_step``): ``forward_propagation(b, p, m)``,
        ``output_cost(b, p, Y)``, ``backward_propagation(b, p, Y, to_input)``,
        ``train_step(b, p, Y)``, ``train_epoch(b, p, X, Y, order, batch_size, costs, hits)``,
        with b, p from ``engine_arguments``."""
        return self._engine

    @property
    def fused(self):
        """Whether backpropagation starts from dZ^[L] = (A^[L] - Y)/m directly: softmax with
        categorical cross-entropy, sigmoid with binary or multi-label cross-entropy, whose J
        is also computed from the logits Z^[L]."""
        return self._fused

    @property
    def lock(self):
        """The re-entrant lock every method holds while it computes in the network's buffers."""
        return self._lock

    @property
    def rng(self):
        """The network's random generator: it drew the initial parameters, and draws fit's
        shuffles and validation splits when fit is given no seed."""
        return self._rng

    def _forward(self, X):
        """Run forward propagation on checked X; returns ``_batch``'s (b, A0, AL, dA0), b the
        Buffers holding every Z, A."""
        m = X.shape[1]
        blocks = self._batch(m)
        blocks[1][...] = X
        self._run("forward_propagation", blocks[0], self._problem(), m, m=m)
        return blocks

    # -- the derivation -----------------------------------------------------------------

    @_one_call_at_a_time
    def forward(self, X, trace=False):
        """A^[L] = Ŷ for the inputs X (n^[0], m); returns a new (n^[L], m) array.

        With ``trace=True``, returns instead a dict of every quantity of forward propagation
        under the derivation's names: "A0" (= X), and "Z1", "A1", ..., "ZL", "AL".
        """
        if trace is not False:
            validation.check_bool(trace, "trace")
        X = self.validate_X(X)
        if self._backend == "reference":
            self._check_work("forward", X.shape[1])
        if trace:
            return self._trace(self._forward(X)[0], X.shape[1], ("Z", "A"))
        return self._outputs(X)

    def _trace(self, ws, m, names):
        buffers = {"Z": ws.Z, "A": ws.A, "dZ": ws.dZ, "dA": ws.dA}
        out = {}
        for l in range(self.n_layers + 1):
            for name in names:
                if l > 0 or name in ("A", "dA"):
                    out[f"{name}{l}"] = nodes(buffers[name], self._layers, l, m).copy()
        return out

    @_one_call_at_a_time
    def cost(self, X, Y):
        """J = f(A^[L], Y)  (eq:J), plus the L2 term when l2 > 0, as a float."""
        X, Y = self.validate(X, Y)
        if self._backend == "reference":
            self._check_work("cost", X.shape[1])
        return self._cost_checked(X, Y)

    @_one_call_at_a_time
    def evaluate(self, X, Y):
        """``(cost(X, Y), forward(X))`` from one forward pass: J as a float and A^[L] as a new
        (n^[L], m) array."""
        X, Y = self.validate(X, Y)
        if self._backend == "reference":
            self._check_work("evaluate", X.shape[1])
        A = np.empty((self.layer_sizes[-1], X.shape[1]), self.dtype)
        return self._cost_checked(X, Y, A), A

    @_one_call_at_a_time
    def gradients(self, X, Y, trace=False):
        """dJ/dW^[l], dJ/db^[l] for l = 1..L and dJ/dA^[0] = dJ/dX, as new arrays.

        Returns a dict with keys "dW1".."dWL", "db1".."dbL" (shaped like the parameters)
        and "dA0" (shaped like X). With ``trace=True`` it also holds every quantity of both
        propagations: "A0".."AL", "Z1".."ZL", "dA0".."dAL" and "dZ1".."dZL". For the fused
        output/cost pairs backpropagation starts from dZ^[L] = (A^[L] - Y)/m; the trace
        still shows the seed dA^[L] = dJ/dA^[L], computed from its own formula.
        """
        if trace is not False:
            validation.check_bool(trace, "trace")
        X, Y = self.validate(X, Y)
        m = X.shape[1]
        if self._backend == "reference":
            self._check_work("gradients", m, passes=3)
        ws, _, _, dA0 = self._forward(X)
        self._run("backward_propagation", ws, self._problem(), Y, True, m=m)
        grads = self._gradient_views.copies("d")
        grads["dA0"] = dA0.copy()
        if trace:
            grads.update(self._trace(ws, m, ("Z", "A", "dZ", "dA")))
            if self._fused:
                L = self.n_layers
                with np.errstate(divide="ignore", invalid="ignore"):
                    EQUATIONS[self.backend].cost_backward(grads[f"dA{L}"], grads[f"A{L}"], Y,
                                                          self._cost_code)
        return grads

    def summary(self, m=None):
        """A table of the layers: l, n^[l], activation, the shapes of W^[l], b^[l] and of
        Z^[l], A^[l] for a batch of m examples, and the parameter counts."""
        col = "m" if m is None else str(m)
        rows = [("l", "n^[l]", "activation", "W^[l]", "b^[l]", "Z^[l], A^[l]", "parameters")]
        rows.append(("0", str(self.layer_sizes[0]), "(input X = A^[0])", "", "",
                     f"({self.layer_sizes[0]}, {col})", ""))
        for l, activation in enumerate(self.activations, start=1):
            n, n_prev = self.layer_sizes[l], self.layer_sizes[l - 1]
            rows.append((str(l), str(n), activation, f"({n}, {n_prev})", f"({n}, 1)",
                         f"({n}, {col})", str(n * (n_prev + 1))))
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append(f"cost: {self.cost_name}; {len(self._theta)} parameters; "
                     f"dtype {np.dtype(self.dtype).name}; backend {self.backend}")
        return "\n".join(lines)

    @_one_call_at_a_time
    def step(self, X, Y, learning_rate=0.1):
        """One gradient-descent update θ ← θ - α dJ/dθ on this batch; returns J before it.

        Cheap enough to call in a loop of one's own (online or reinforcement learning): with
        X and Y already C-contiguous arrays of the network's dtype, the checks and copies
        around the compiled step cost about a third of it at small sizes.
        """
        alpha = validation.check_learning_rate(learning_rate)
        X, Y = self.validate(X, Y)
        m = X.shape[1]
        if self._backend == "reference":
            self._check_work("step", m, passes=3)
        b, A0 = self._batch(m)[:2]
        A0[...] = X
        self._step_settings[registry.LEARNING_RATE] = alpha
        if self._step_problem is None:
            self._step_problem = self._problem(registry.SGD, self._step_settings)
        p = self._step_problem
        if self._backend == "loops":   # compiled code raises no NumPy warnings
            J = float(self._run("train_step", b, p, Y, m=m))
        else:
            with np.errstate(over="ignore", invalid="ignore"):   # reported below, once
                J = float(self._run("train_step", b, p, Y, m=m))
        if not math.isfinite(J):
            warnings.warn(f"step: the cost is {J} on this batch, so the update was not a "
                          f"gradient step and the parameters may now hold non-finite values; "
                          f"try a smaller learning_rate", RuntimeWarning, stacklevel=3)
        return J

    @_one_call_at_a_time
    def fit(self, X, Y, epochs=10, batch_size=32, learning_rate=None, seed=None, shuffle=True,
            optimizer="sgd", schedule="constant", validation_data=None, validation_fraction=None,
            patience=None, min_delta=0.0, restore_best=True, callbacks=(), verbose="auto",
            reset_optimizer=True):
        """Mini-batch training.

        Parameters
        ----------
        X, Y : array_like
            Training inputs (n^[0], m) and targets, as for ``cost``.
        epochs, batch_size : int
            Passes over the data, and examples per update (the last batch of an epoch may be
            smaller).
        learning_rate : float, optional
            α; by default the optimizer's own (0.1, or 0.001 for Adam).
        seed : int, optional
            Seeds the shuffles and the validation split; by default the network's generator.
            Both backends draw the same orders.
        shuffle : bool
            Visit the examples in a fresh random order every epoch.
        optimizer : {"sgd", "momentum", "nesterov", "adam"} or an optimizer object
            ``ff.training.SGD``, ``Momentum``, ``Nesterov`` or ``Adam``, carrying its settings.
            Its state (velocity, Adam's moments and step count) starts afresh with every call
            of fit, unless ``reset_optimizer=False`` and the previous call used the same
            optimizer: then training goes on where it stopped (as ``partial_fit`` does).
        schedule : {"constant", "step", "invscaling"} or a schedule object
            The learning rate of each epoch (``ff.training.Constant``, ``StepDecay``,
            ``InverseScaling``, or any object with a method ``rate(alpha, epoch, seen)``;
            each rate it returns must be a finite number > 0).
        validation_data : (X_val, Y_val), optional
        validation_fraction : float, optional
            Or hold out this random fraction of (X, Y) for validation.
        patience : int, optional
            Early stopping: stop after this many epochs without the monitored cost (the
            validation cost where there is validation data, the training cost otherwise)
            improving by more than ``min_delta``; with ``restore_best`` the parameters of the
            best epoch are put back.
        callbacks : sequence of callables, optional
            ``callback(net, epoch, history)`` after each epoch (epoch from 1); returning True
            stops training.
        verbose : bool or "auto"
            A progress line on standard error; "auto" shows it only in a terminal.

        Returns
        -------
        history : dict of lists, one entry per epoch
            "cost" (the mean of the epoch's batch costs, each before its update, weighted by
            batch size), "accuracy" (the fraction of the epoch's examples predicted right, each
            by its batch's outputs before the update; None for regression), "val_cost",
            "val_accuracy" (after the epoch, with validation data), "learning_rate"; and
            "stopped": None when every epoch ran, otherwise why training stopped early (a
            callback, early stopping, or divergence).

        If the cost or the parameters become NaN or infinite, training stops with a
        RuntimeWarning and the reason in ``history["stopped"]``, and the parameters are put
        back to the best epoch's (``restore_best``) or to those before the failed epoch:
        never left non-finite. Every argument is checked before any work.
        """
        options = training.FitOptions(
            epochs, batch_size, learning_rate, seed, shuffle, optimizer, schedule,
            validation_data, validation_fraction, patience, min_delta, restore_best, callbacks,
            verbose, reset_optimizer)
        if self._backend == "reference":   # epochs of 3 passes, and forward on validation data
            X, Y = self.validate(X, Y)
            m, epochs = X.shape[1], options.epochs
            m_val = (0 if options.validation_data is None
                     else self.validate_X(options.validation_data[0]).shape[1])
            batches = epochs * -(-m // min(options.batch_size, m))
            work = (reference.work(self.layer_sizes, epochs * m, 3, batches)
                    + reference.work(self.layer_sizes, epochs * m_val, 1, epochs))
            what = f"fit ({epochs} epoch{'s' * (epochs != 1)} of {m} examples)"
            reference.check_work(what, work, "examples or epochs", stacklevel=3)
        return training.fit(self, X, Y, options)

    def _check_work(self, what, m, passes=1, batches=1, fewer="examples"):
        """On the reference backend: refuse a call that would run for minutes, or warn
        (``reference.check_work``), from its work on m examples (``reference.work``)."""
        reference.check_work(what, reference.work(self.layer_sizes, m, passes, batches),
                             fewer, stacklevel=4)

    def _outputs(self, X):
        """A^[L] for checked X, as a new array, computed in chunks of ``_chunk()`` examples."""
        m, chunk = X.shape[1], self._chunk()
        if m <= chunk:
            return self._forward(X)[2].copy()
        out = np.empty((self.layer_sizes[-1], m), self.dtype)
        for start in range(0, m, chunk):
            end = min(start + chunk, m)
            out[:, start:end] = self._forward(X[:, start:end])[2]
        return out

    def _cost_checked(self, X, Y, outputs=None):
        """J on checked X, Y: each chunk's cost weighted by its share of the m examples,
        and the L2 term (which holds 1/m) added once. Fills ``outputs`` with A^[L] if given."""
        m, chunk = X.shape[1], self._chunk()
        if m <= chunk:
            b, _, AL, _ = self._forward(X)
            if outputs is not None:
                outputs[...] = AL
            return float(self._run("output_cost", b, self._problem(), Y))
        J, no_l2 = 0.0, self._problem()._replace(l2=0.0)
        for start in range(0, m, chunk):
            end = min(start + chunk, m)
            b, _, AL, _ = self._forward(X[:, start:end])
            if outputs is not None:
                outputs[:, start:end] = AL
            Y_chunk = np.ascontiguousarray(Y[:, start:end])
            J += (end - start) / m * float(self._run("output_cost", b, no_l2, Y_chunk))
        return J + float(self._engine.l2_penalty(self._theta, self._layers, self._l2, m))

    @_one_call_at_a_time
    def save(self, path):
        """Save to one ``.npz`` file: the parameters and a JSON header (format version, layer
        sizes, activations, cost, dtype, l2, library version, ``metadata``). No pickle."""
        from . import io
        io.save(self, path)

    @classmethod
    def load(cls, path, backend="loops"):
        """A network from a file written by ``save``, bit for bit.

        Raises ``ffnn_numba.io.ModelFileError`` (a ValueError) for a truncated, damaged,
        foreign, wrong-version or inconsistent file, and for one holding pickled objects,
        which is refused unread.
        """
        from . import io
        return io.load(path, backend)

    def to_torch(self):
        """An equivalent ``torch.nn.Sequential`` in the network's dtype (needs PyTorch).

        Rows are examples in PyTorch: ``seq(torch.from_numpy(X.T))`` is ``forward(X).T``.
        """
        from .pytorch import to_torch
        return to_torch(self)

    @classmethod
    def from_torch(cls, seq, cost="mean_squared_error", *, backend="loops", seed=None):
        """A network from a ``torch.nn.Sequential`` of Linear layers, each followed by at most
        one supported activation (ReLU, Sigmoid, Tanh, SiLU, Identity, LeakyReLU(0.01),
        ELU(1), Softplus(1), Softmax(-1)); parameters are copied bit for bit."""
        from .pytorch import from_torch
        return from_torch(seq, cost, backend, seed)

    def predict(self, X):
        """Predictions: class labels (m,) for categorical and binary cross-entropy, 0/1 labels
        (n^[L], m) for multi-label, and A^[L] itself for mean squared error."""
        A = self.forward(X)
        if self.cost_name == "categorical_cross_entropy":
            return A.argmax(axis=0)
        if self.cost_name == "binary_cross_entropy":
            return (A[0] > 0.5).astype(np.int64)
        if self.cost_name == "multilabel_cross_entropy":
            return (A > 0.5).astype(np.int64)
        return A
