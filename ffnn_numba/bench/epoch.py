"""One training epoch, side by side: ``Network.fit`` on the loops and numpy backends against
a JAX ``lax.scan`` epoch, a PyTorch eager epoch and scikit-learn's ``partial_fit`` epoch.

Every implementation trains the same network (the same initial parameters, copied), on the
same data, with the same batch size and update rule (SGD, and Adam), shuffling the examples
afresh every epoch. The loops and numpy figures are the public call a user makes,
``net.fit(X, Y, epochs=1, ...)``, argument checks included. Before any timing, every
implementation's first update from the same parameters on the same batch is compared with
numpy's (``first_updates``). For the digits cases, the accuracy each reaches on held-out
digits after ``ACCURACY_EPOCHS`` epochs from the same start is reported beside its time.
"""
import copy
import dataclasses

import numpy as np

from . import peers
from .step import DTYPES, SIZES, compare_updates, side_by_side, step_flops
from ..teach.checks import agreement_tolerance
from ..datasets import train_test_split
from ..network import Network
from ..training import SGD, Adam

EXAMPLES = 2048   # examples of the synthetic epochs
# name: (layer sizes, batch size, data); "synthetic": EXAMPLES random examples and labels.
CASES = {
    "tiny": (SIZES["tiny"][0], 32, "synthetic"),
    "small": (SIZES["small"][0], 64, "synthetic"),
    "medium": (SIZES["medium"][0], 128, "synthetic"),
    "digits-32": ([64, 32, 10], 32, "digits"),
    "digits-200": ([64, 64, 10], 200, "digits"),
}
OPTIMIZERS = {"sgd": lambda: SGD(0.05), "adam": lambda: Adam(1e-3)}
ACCURACY_EPOCHS = 30
# The first Adam update is α g / (|g| + ε/√(1 − β2)): with the default ε = 1e-8 it is ill
# conditioned where |g| is near ε (a rounding of g becomes a change of the update of order
# α). The first-update check runs Adam with this ε instead, where the update is a smooth
# function of g; the timed runs use the default.
CHECK_EPSILON = 1e-2
IMPLEMENTATIONS = ("loops", "numpy", "jax", "torch", "sklearn")


def data(name, dtype, seed=0):
    """(net, X, Y, X_test, y_test) of an epoch case: the seeded network and its training data
    (validated), and held-out digits (None for the synthetic cases)."""
    sizes, _, source = CASES[name]
    cost = "binary_cross_entropy" if sizes[-1] == 1 else "categorical_cross_entropy"
    net = Network(sizes, cost=cost, dtype=dtype, seed=seed)
    X_test = y_test = None
    if source == "digits":
        from .peer_sklearn import load_digits
        X, X_test, y, y_test = train_test_split(*load_digits(), test_fraction=0.25, seed=seed)
    else:
        rng = np.random.default_rng(seed)
        X, y = rng.standard_normal((sizes[0], EXAMPLES)), rng.integers(0, max(2, sizes[-1]),
                                                                       EXAMPLES)
    X, Y = net.validate(X, y)
    return net, np.ascontiguousarray(X), np.ascontiguousarray(Y), X_test, y_test


def epoch_flops(sizes, m, batch_size):
    """Floating-point operations of the matrix equations in one epoch of m examples."""
    full, rest = divmod(m, batch_size)
    return full * step_flops(sizes, batch_size) + (step_flops(sizes, rest) if rest else 0)


class FitEpoch:
    """``net.fit(X, Y, epochs=1, ...)`` on a copy of ``net`` with ``backend``: one epoch per
    call, the optimizer's state kept from one call to the next as a longer fit keeps it."""

    def __init__(self, net, backend, optimizer, X, Y, batch_size):
        self.net = copy.deepcopy(net)
        self.net.backend = backend
        self._fit = lambda: self.net.fit(X, Y, epochs=1, batch_size=batch_size,
                                         optimizer=optimizer, reset_optimizer=False,
                                         verbose=False)

    def __call__(self):
        return self._fit()

    def parameters(self):
        return {k: v.astype(np.float64) for k, v in self.net.params.items()}


class PeerEpoch:
    """A peer's epoch (``peers``), one per call, on its own copy of the parameters."""

    def __init__(self, name, net, optimizer, X, Y, batch_size, seed=0):
        self.peer = peers.make(name, net, optimizer)
        self._epoch = self.peer.epoch(X, Y, batch_size, seed)

    def __call__(self):
        return self._epoch()

    def parameters(self):
        return self.peer.parameters()


def epochs(net, names, optimizer, X, Y, batch_size, seed=0):
    """{name: callable running one epoch, with ``parameters()``} for the implementations
    ``names``."""
    return {name: FitEpoch(net, name, optimizer, X, Y, batch_size) if name in ("loops", "numpy")
            else PeerEpoch(name, net, optimizer, X, Y, batch_size, seed) for name in names}


def first_updates(net, names, optimizer_name, X, Y):
    """Every implementation's first update from ``net``'s parameters on the batch (X, Y),
    against numpy's: {name: relative difference}, and the bound they are held to.

    The bound is ``checks.agreement_tolerance`` on the gradients, times Adam's conditioning
    1 + max|g| / ε' (ε' = ε/√(1 − β2); the first update's sensitivity to g, relative to its
    own size), plus the rounding of θ_after (``bench_step.compare_updates``).
    """
    if optimizer_name == "adam":
        optimizer = dataclasses.replace(OPTIMIZERS["adam"](), epsilon=CHECK_EPSILON)
        conditioning = 1.0
        twin = copy.deepcopy(net)
        twin.backend = "numpy"
        g = max(float(np.max(np.abs(v))) for k, v in twin.gradients(X, Y).items() if k != "dA0")
        conditioning += g * np.sqrt(1 - optimizer.beta_2) / optimizer.epsilon
    else:
        optimizer, conditioning = OPTIMIZERS[optimizer_name](), 1.0
    after = {}
    for name in names:
        if name in ("loops", "numpy"):
            twin = copy.deepcopy(net)
            twin.backend = name
            twin.fit(X, Y, epochs=1, batch_size=X.shape[1], shuffle=False,
                     optimizer=copy.copy(optimizer), verbose=False)
            after[name] = {k: v.astype(np.float64) for k, v in twin.params.items()}
        else:
            options = {"first_step_eps": True} if name == "torch" else {}
            peer = peers.make(name, net, copy.copy(optimizer), **options)
            peer.step(X, Y)()
            after[name] = peer.parameters()
    start = {k: v.astype(np.float64) for k, v in net.params.items()}
    differences, rounding = compare_updates(start, after, net.dtype)
    tolerance = agreement_tolerance(net.layer_sizes, X.shape[1], net.dtype) * conditioning
    return differences, tolerance + rounding


def accuracy(net, names, optimizer_name, X, Y, batch_size, X_test, y_test):
    """{name: fraction of (X_test, y_test) predicted right after ``ACCURACY_EPOCHS`` epochs
    from ``net``'s parameters}."""
    out = {}
    for name, run in epochs(net, names, OPTIMIZERS[optimizer_name](), X, Y, batch_size,
                            seed=1).items():
        for _ in range(ACCURACY_EPOCHS):
            run()
        trained = copy.deepcopy(net)
        for key, value in run.parameters().items():
            trained.params[key] = value
        out[name] = float(np.mean(trained.predict(X_test) == y_test))
    return out


def measure(name, dtype_name, optimizer_name, names, min_time, log=print):
    """Check, then time one epoch case on the implementations ``names`` (numpy among them);
    returns one JSON-ready row per implementation."""
    sizes, batch_size, source = CASES[name]
    net, X, Y, X_test, y_test = data(name, DTYPES[dtype_name])
    m = X.shape[1]
    first, tolerance = first_updates(net, names, optimizer_name, X[:, :batch_size],
                                     Y[:, :batch_size])
    seconds = side_by_side(epochs(net, names, OPTIMIZERS[optimizer_name](), X, Y, batch_size),
                           min_time)
    accuracies = (accuracy(net, names, optimizer_name, X, Y, batch_size, X_test, y_test)
                  if X_test is not None else {})
    flops = epoch_flops(sizes, m, batch_size)
    rows = []
    for implementation in names:
        rows.append({"case": name, "layers": sizes, "examples": m, "batch_size": batch_size,
                     "data": source, "dtype": dtype_name, "optimizer": optimizer_name,
                     "implementation": implementation, "seconds": seconds[implementation],
                     "gflops": flops / seconds[implementation] / 1e9,
                     "agreement": {"updates": first[implementation], "tolerance": tolerance},
                     "accuracy": accuracies.get(implementation)})
        log(f"  epoch {name:<10} {dtype_name:<7} {optimizer_name:<4} {implementation:<7} "
            f"{seconds[implementation] * 1e3:10.2f} ms")
    return rows


def run(cases, dtypes, names, min_time, log=print):
    """Every epoch case (``cases`` from ``CASES``), dtype and optimizer; numpy is always
    measured, as the reference of the first-update check."""
    names = ["numpy"] + [n for n in names if n != "numpy"]
    return [row for name in cases for dtype_name in dtypes for optimizer_name in OPTIMIZERS
            for row in measure(name, dtype_name, optimizer_name, names, min_time, log)]


# Implementations timed again on a busy machine: the loops fit against JAX's compiled epoch
# (the target of issue 28) and numpy (the first-update check's reference).
BUSY_IMPLEMENTATIONS = ("numpy", "loops", "jax")


def run_busy(cases, dtypes, names, levels, min_time, log=print):
    """The synthetic cases among ``cases`` again at each level of load in ``levels`` above 0,
    with that many processes spinning on the cores (``busy.BusyCores``) while they are
    checked and timed; rows as ``run``'s, with "busy"."""
    from .busy import BusyCores
    names = [n for n in BUSY_IMPLEMENTATIONS if n == "numpy" or n in names]
    synthetic = [name for name in cases if CASES[name][2] == "synthetic"]
    rows = []
    for level in (level for level in levels if level > 0):
        log(f"the synthetic epochs with {level} process(es) spinning on the cores:")
        with BusyCores(level):
            rows += [dict(row, busy=level) for row in run(synthetic, dtypes, names, min_time,
                                                          log)]
    return rows
