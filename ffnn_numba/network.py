"""The model: a feedforward network that owns its flat buffers and runs on either backend.

Shapes follow the derivation: X = A^[0] is (n^[0], m), one column per example; W^[l] is
(n^[l], n^[l-1]); b^[l] is (n^[l], 1); Y and A^[L] are (n^[L], m). Layers are numbered
1..L, so the parameters are "W1", "b1", ..., "WL", "bL".
"""
import threading

import numpy as np

from . import kernels, reference, registry, validation, vectorized
from .buffers import Parameters, initialize, own_array
from .layout import layer_table, make_layers, n_params
from .fitting import Trainable
from .runner import Runner, one_call_at_a_time

EQUATIONS = {"loops": kernels, "numpy": vectorized, "reference": reference.ENGINE.eq}


class Network(Trainable):
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
    fused : bool or None, default None
        For the pairs whose chain rule simplifies (softmax with categorical cross-entropy,
        sigmoid with binary or multi-label cross-entropy), None or True backpropagate from
        dZ^[L] = (A^[L] - Y)/m and compute J from the logits Z^[L]; False runs the chain the
        derivation writes: J = -(1/m) Σ y log a, the seed dJ/dA^[L] and the activation's own
        backward step (``softmax_backward``), equal to the fused form to rounding. True for
        another pair is an error.
    """

    def __init__(self, layer_sizes, activations=None, cost="mean_squared_error", *,
                 backend="loops", dtype=np.float64, seed=None, l2=0.0, init="auto",
                 fused=None):
        self.layer_sizes = validation.check_layer_sizes(layer_sizes)
        self.cost_name = validation.check_cost(cost)
        self.activations = validation.check_activations(activations, len(self.layer_sizes) - 1,
                                                        self.cost_name)
        validation.check_output(self.activations[-1], self.cost_name, self.layer_sizes[-1])
        self.dtype = validation.check_dtype(dtype)
        self._backend = validation.check_backend(backend)
        self._l2 = validation.check_real(l2, "l2", 0)
        self.init = validation.check_choice("init", init, registry.INITIALIZERS)
        self._layers = make_layers(self.layer_sizes,
                                   [registry.ACTIVATIONS[a].code for a in self.activations])
        self._theta = np.zeros(n_params(self._layers), self.dtype)
        self._grad = np.zeros_like(self._theta)
        self._cost_code = registry.COSTS[self.cost_name].code
        self._fused = validation.check_fused(fused, self.activations[-1], self.cost_name)
        self._bind()
        self.optimizer_state = None  # (optimizer, state, steps) of the last fit, to resume
        self.metadata = {}  # JSON-ready notes saved with the network (see save)
        self._rng = np.random.default_rng(validation.check_seed(seed))
        initialize(self.params, self.layer_sizes, self.activations, self.init, self._rng)

    @property
    def backend(self):
        """"loops" (compiled loops), "numpy" (vectorized) or "reference" (the reference loops
        as plain Python); assignable at any time."""
        return self._backend

    @backend.setter
    def backend(self, name):
        self._backend = validation.check_backend(name)
        self._runner.set_backend(name)

    @property
    def l2(self):
        """λ of the L2 term λ/(2m) Σ ||W^[l]||² of J."""
        return self._l2

    @l2.setter
    def l2(self, value):
        self._l2 = self._runner.l2 = validation.check_real(value, "l2", 0)

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
        return {k: v for k, v in self.__dict__.items()
                if k not in ("params", "_gradient_views", "_runner", "_lock")}

    def __setstate__(self, state):
        # joblib.load(..., mmap_mode="r") and joblib's workers hand arrays back as read-only
        # memory maps, which the compiled kernels cannot write (nor take without compiling
        # anew): every array becomes a writeable C-contiguous copy of its own, so training a
        # loaded network never writes into the file it came from.
        state = {k: own_array(v) for k, v in state.items()}
        if state.get("optimizer_state") is not None:
            optimizer, kept, steps = state["optimizer_state"]
            state["optimizer_state"] = (optimizer, own_array(kept), steps)
        self.__dict__.update(state)
        self._bind()   # compiled entries start afresh

    def _bind(self):
        """What is built from the state rather than stored (so never pickled): the runner
        over θ and its gradient, the lock, and the parameter views."""
        self._runner = Runner(self._layers, self.layer_sizes, self._theta, self._grad,
                              self._cost_code, self._fused)
        self._runner.set_backend(self._backend)
        self._runner.l2 = self._l2
        self._lock = threading.RLock()
        self.params = Parameters(self._theta, self._layers)
        self._gradient_views = Parameters(self._grad, self._layers)

    def __repr__(self):
        return (f"Network({list(self.layer_sizes)}, activations={list(self.activations)}, "
                f"cost={self.cost_name!r}, backend={self.backend!r}, "
                f"dtype=np.{np.dtype(self.dtype).name})")

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
        return self._runner.arguments(m, optimizer, state)

    @property
    def engine(self):
        """The whole-network functions of the current backend (``ffnn_numba.kernels`` or
        ``ffnn_numba.vectorized.step``): ``forward_propagation(b, p, m)``,
        ``output_cost(b, p, Y)``, ``backward_propagation(b, p, Y, to_input)``,
        ``train_step(b, p, Y)``, ``train_epoch(b, p, X, Y, order, batch_size, costs, hits)``,
        with b, p from ``engine_arguments``."""
        return self._runner.engine

    @property
    def runner(self):
        """The ``runner.Runner`` that computes in this network's buffers: what ``fit`` (in
        ``training``) calls between its epochs, on the threads the machine's load leaves."""
        return self._runner

    @property
    def fused(self):
        """Whether backpropagation starts from dZ^[L] = (A^[L] - Y)/m directly: softmax with
        categorical cross-entropy, sigmoid with binary or multi-label cross-entropy, whose J
        is also computed from the logits Z^[L]; False where the pair does not simplify, or
        where the network was made with ``fused=False``."""
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

    # -- the derivation -----------------------------------------------------------------

    @one_call_at_a_time
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
            return self._runner.trace(self._runner.forward(X)[0], X.shape[1], ("Z", "A"))
        return self._runner.outputs(X)

    @one_call_at_a_time
    def cost(self, X, Y):
        """J = f(A^[L], Y)  (eq:J), plus the L2 term when l2 > 0, as a float."""
        X, Y = self.validate(X, Y)
        if self._backend == "reference":
            self._check_work("cost", X.shape[1])
        return self._runner.cost(X, Y)

    @one_call_at_a_time
    def evaluate(self, X, Y):
        """``(cost(X, Y), forward(X))`` from one forward pass: J as a float and A^[L] as a new
        (n^[L], m) array."""
        X, Y = self.validate(X, Y)
        if self._backend == "reference":
            self._check_work("evaluate", X.shape[1])
        A = np.empty((self.layer_sizes[-1], X.shape[1]), self.dtype)
        return self._runner.cost(X, Y, A), A

    @one_call_at_a_time
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
        run = self._runner
        ws, _, _, dA0 = run.forward(X)
        run.run("backward_propagation", ws, run.problem(), Y, True, m=m)
        grads = self._gradient_views.copies("d")
        grads["dA0"] = dA0.copy()
        if trace:
            grads.update(run.trace(ws, m, ("Z", "A", "dZ", "dA")))
            if self._fused:
                L = self.n_layers
                with np.errstate(divide="ignore", invalid="ignore"):
                    EQUATIONS[self.backend].cost_backward(grads[f"dA{L}"], grads[f"A{L}"], Y,
                                                          self._cost_code)
        return grads

    def summary(self, m=None):
        """A table of the layers: l, n^[l], activation, the shapes of W^[l], b^[l] and of
        Z^[l], A^[l] for a batch of m examples, and the parameter counts."""
        table = layer_table(self.layer_sizes, self.activations, m)
        return (f"{table}\ncost: {self.cost_name}; {len(self._theta)} parameters; "
                f"dtype {np.dtype(self.dtype).name}; backend {self.backend}")

    def _check_work(self, what, m, passes=1, batches=1, fewer="examples"):
        """On the reference backend: refuse a call that would run for minutes, or warn
        (``reference.check_work``), from its work on m examples (``reference.work``)."""
        reference.check_work(what, reference.work(self.layer_sizes, m, passes, batches),
                             fewer, stacklevel=4)

    @one_call_at_a_time
    def save(self, path):
        """Save to one ``.npz`` file: the parameters and a JSON header (format version, layer
        sizes, activations, cost, dtype, l2, fused, library version, ``metadata``). No
        pickle."""
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

        def build(sizes, activations, cost, dtype, l2, fused):
            return cls(sizes, activations, cost, backend=backend, dtype=dtype, l2=l2,
                       fused=fused)
        return io.load(path, build)

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
