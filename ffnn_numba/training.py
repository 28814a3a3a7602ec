"""What ``Network.fit`` needs beyond the equations: optimizers and their settings,
learning-rate schedules, validation splits, and a progress line.

The update rules themselves are kernels (``kernels/optimizers.py``, with twins in
``vectorized.py``); the classes here only carry their settings.
"""
import math
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

from . import registry, validation, vectorized
from .kernels.step import shuffle_columns
from .layout import multiply_adds


@dataclass
class SGD:
    """Plain gradient descent: θ ← θ − α g."""
    learning_rate: float = 0.1
    name = "sgd"

    def settings(self):
        s = np.zeros(registry.N_SETTINGS)
        s[registry.LEARNING_RATE] = validation.check_learning_rate(self.learning_rate)
        return s


@dataclass
class Momentum(SGD):
    """Momentum: v ← μ v − α g; θ ← θ + v."""
    momentum: float = 0.9
    name = "momentum"

    def settings(self):
        s = super().settings()
        s[registry.MOMENTUM_COEFFICIENT] = _fraction(self.momentum, "momentum")
        return s


@dataclass
class Nesterov(Momentum):
    """Nesterov momentum: v ← μ v − α g; θ ← θ + μ v − α g."""
    name = "nesterov"


@dataclass
class Adam(SGD):
    """Adam: m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
    θ ← θ − α √(1 − β2^s) / (1 − β1^s) · m / (√v + ε), s the step count."""
    learning_rate: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    name = "adam"

    def settings(self):
        s = super().settings()
        s[registry.BETA_1] = _fraction(self.beta_1, "beta_1")
        s[registry.BETA_2] = _fraction(self.beta_2, "beta_2")
        s[registry.EPSILON] = validation.check_real(self.epsilon, "epsilon", 0, low_open=True)
        return s


OPTIMIZER_CLASSES = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam}


def _fraction(value, name):
    return validation.check_real(value, name, 0, 1, high_open=True)


def make_optimizer(optimizer, learning_rate):
    """An optimizer object from a name (with ``learning_rate``, or its default) or an object."""
    if isinstance(optimizer, SGD):
        if learning_rate is not None:
            raise ValueError("give the learning rate to the optimizer object, not to fit")
        return optimizer
    name = validation.check_choice("optimizer", optimizer, tuple(OPTIMIZER_CLASSES))
    kind = OPTIMIZER_CLASSES[name]
    return kind() if learning_rate is None else kind(learning_rate)


@dataclass
class Constant:
    """α_e = α for every epoch e."""

    def rate(self, alpha, epoch, seen):
        return alpha


@dataclass
class StepDecay:
    """α_e = α γ^⌊e / step_size⌋: multiplied by γ every ``step_size`` epochs (e from 0).

    ``step_size`` is an integer >= 1 and ``gamma`` a number in (0, 1].
    """
    step_size: int = 10
    gamma: float = 0.5

    def __post_init__(self):
        self.step_size = validation.check_positive_int(self.step_size, "step_size")
        self.gamma = validation.check_real(self.gamma, "gamma", 0, 1, low_open=True)

    def rate(self, alpha, epoch, seen):
        return alpha * self.gamma ** (epoch // self.step_size)


@dataclass
class InverseScaling:
    """α_e = α / (t + 1)^power_t, t the examples seen before epoch e (scikit-learn's
    "invscaling"); ``power_t`` >= 0."""
    power_t: float = 0.5

    def __post_init__(self):
        self.power_t = validation.check_real(self.power_t, "power_t", 0)

    def rate(self, alpha, epoch, seen):
        return alpha / (seen + 1) ** self.power_t


SCHEDULES = {"constant": Constant, "step": StepDecay, "invscaling": InverseScaling}


def make_schedule(schedule):
    """A schedule object from a name, or any object with a method
    ``rate(alpha, epoch, seen)`` returning the epoch's learning rate."""
    if isinstance(schedule, str):
        return SCHEDULES[validation.check_choice("schedule", schedule, tuple(SCHEDULES))]()
    if not callable(getattr(schedule, "rate", None)):
        raise TypeError(f"schedule must be one of {', '.join(map(repr, SCHEDULES))} or an object "
                        f"with a method rate(alpha, epoch, seen); got {schedule!r}")
    return schedule


def scheduled_rate(schedule, alpha, epoch, seen):
    """The schedule's learning rate for an epoch, checked before any update uses it."""
    rate = schedule.rate(alpha, epoch, seen)
    try:
        return validation.check_learning_rate(rate)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the schedule {schedule!r} gave the learning rate {rate!r} for "
                         f"epoch {epoch} ({exc})") from None


class Progress:
    """One line per fit, redrawn after every epoch: epoch, costs, accuracy, examples/s."""

    def __init__(self, epochs, verbose, stream=None):
        self.stream = stream or sys.stderr
        if verbose == "auto":
            verbose = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled, self.epochs = bool(verbose), epochs
        self.start = time.perf_counter()

    def update(self, epoch, history, examples):
        if not self.enabled:
            return
        rate = examples / max(time.perf_counter() - self.start, 1e-9)
        done = int(20 * epoch / self.epochs)
        fields = [f"epoch {epoch}/{self.epochs}", "━" * done + "─" * (20 - done)]
        for key in ("cost", "accuracy", "val_cost", "val_accuracy"):
            if history.get(key) and history[key][-1] is not None:
                fields.append(f"{key} {history[key][-1]:.4f}")
        fields.append(f"{rate:,.0f} examples/s")
        self.stream.write("\r" + "  ".join(fields) + " ")
        self.stream.flush()

    def close(self):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def split_validation(X, Y, fraction, rng):
    """A random ``fraction`` of the columns as validation data, the rest for training."""
    m = X.shape[1]
    n_val = int(math.ceil(fraction * m))
    if n_val >= m:
        raise ValueError(f"validation_fraction {fraction} leaves no training examples of m = {m}")
    order = rng.permutation(m)
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    return X[:, train], Y[:, train], X[:, val], Y[:, val]


@dataclass
class FitOptions:
    """Every option of ``Network.fit`` (see there for their meaning), checked on creation,
    before any work: the one object ``fit`` passes on."""
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = None
    seed: int = None
    shuffle: bool = True
    optimizer: object = "sgd"
    schedule: object = "constant"
    validation_data: tuple = None
    validation_fraction: float = None
    patience: int = None
    min_delta: float = 0.0
    restore_best: bool = True
    callbacks: tuple = ()
    verbose: object = "auto"
    reset_optimizer: bool = True

    def __post_init__(self):
        check = validation
        self.epochs = check.check_positive_int(self.epochs, "epochs")
        self.batch_size = check.check_positive_int(self.batch_size, "batch_size")
        self.seed = check.check_seed(self.seed)
        self.shuffle = check.check_bool(self.shuffle, "shuffle")
        self.optimizer = make_optimizer(self.optimizer, self.learning_rate)
        self.optimizer.settings()   # checks the optimizer's own settings
        self.schedule = make_schedule(self.schedule)
        if self.patience is not None:
            self.patience = check.check_positive_int(self.patience, "patience")
        self.min_delta = check.check_real(self.min_delta, "min_delta", 0)
        self.restore_best = check.check_bool(self.restore_best, "restore_best")
        self.callbacks = check.check_callbacks(self.callbacks)
        self.verbose = check.check_verbose(self.verbose)
        self.reset_optimizer = check.check_bool(self.reset_optimizer, "reset_optimizer")
        if self.validation_data is not None and self.validation_fraction is not None:
            raise ValueError("give validation_data or validation_fraction, not both")
        if self.validation_fraction is not None:
            self.validation_fraction = check.check_real(
                self.validation_fraction, "validation_fraction", 0, 1, low_open=True,
                high_open=True)
        if self.validation_data is not None:
            self.validation_data = check.check_validation_data(self.validation_data)


def fit(net, X, Y, options):
    """The body of ``Network.fit`` (see there), through the network's public engine API:
    compiled ``train_epoch`` calls, each on the threads the machine's load leaves it
    (``net._on_threads``), and the bookkeeping between epochs."""
    o = options
    X, Y = net.validate(X, Y)
    X_val = Y_val = None
    if o.validation_data is not None:
        X_val, Y_val = net.validate(*o.validation_data)
    rng = net.rng if o.seed is None else np.random.default_rng(o.seed)
    if o.validation_fraction is not None:
        X, Y, X_val, Y_val = split_validation(X, Y, o.validation_fraction, rng)

    kept = net.optimizer_state
    resume = not o.reset_optimizer and kept is not None and kept[0] == o.optimizer
    state = kept[1] if resume else np.zeros((2, len(net.theta)), net.dtype)
    X, Y = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    m = X.shape[1]
    batch_size = min(o.batch_size, m)
    b, p = net.engine_arguments(batch_size, o.optimizer, state)
    settings = p.settings
    if resume:
        settings[registry.STEPS] = kept[2]
    n_batches = -(-m // batch_size)
    chunk = batches_per_call(p.layers, batch_size)
    batch_costs, batch_hits = np.zeros(n_batches), np.zeros(n_batches, np.int64)
    batch_shares = np.full(n_batches, batch_size / m)
    batch_shares[-1] = (m - (n_batches - 1) * batch_size) / m
    history = {"cost": [], "accuracy": [], "learning_rate": [], "stopped": None}
    if X_val is not None:
        history.update(val_cost=[], val_accuracy=[])
    monitor = "val_cost" if X_val is not None else "cost"
    best, best_theta, waited = math.inf, None, 0
    before_epoch = net.theta.copy()
    progress = Progress(o.epochs, o.verbose)
    copied = o.shuffle and SHUFFLE_COPY_FROM <= X.nbytes <= SHUFFLE_COPY_UP_TO
    copy = net._epoch_copy(X, Y) if copied else None
    net.optimizer_state, resumable = None, True
    try:
        for epoch in range(o.epochs):
            settings[registry.LEARNING_RATE] = scheduled_rate(
                o.schedule, o.optimizer.learning_rate, epoch, epoch * m)
            order = rng.permutation(m) if o.shuffle else np.arange(m)
            X_epoch, Y_epoch, order_epoch = X, Y, order
            if copy is not None:   # the epoch's examples in their order, so batches are slices
                X_epoch, Y_epoch, row, order_epoch = copy
                shuffle_columns(X_epoch, X, order, row)
                shuffle_columns(Y_epoch, Y, order, row)
            # A diverging run is reported below, once; NumPy's overflow warnings add nothing.
            with np.errstate(over="ignore", invalid="ignore"):
                # The epoch runs in calls of bounded work, so that Ctrl-C (which Python sees
                # only between calls into compiled code) stops training within a fraction of
                # a second, after a completed update.
                for b0 in range(0, n_batches, chunk):
                    b1 = min(b0 + chunk, n_batches)
                    net._on_threads(batch_size, net.engine.train_epoch, b, p, X_epoch,
                                    Y_epoch, order_epoch[b0 * batch_size:b1 * batch_size],
                                    batch_size, batch_costs[b0:b1], batch_hits[b0:b1])
                cost = float(batch_costs @ batch_shares)
                diverged = not (math.isfinite(cost) and np.isfinite(net.theta).all())
                if not diverged:
                    _record(net, history, cost, int(batch_hits.sum()) / m, X_val, Y_val)
            if diverged:
                resumable = False
                return _diverged(net, history, epoch, best_theta if o.restore_best else None,
                                 before_epoch)
            history["learning_rate"].append(float(settings[registry.LEARNING_RATE]))
            progress.update(epoch + 1, history, (epoch + 1) * m)
            before_epoch[...] = net.theta
            if history[monitor][-1] < best - o.min_delta:
                best, waited = history[monitor][-1], 0
                if o.restore_best:
                    best_theta = net.theta.copy()
            else:
                waited += 1
            if any([bool(callback(net, epoch + 1, history)) for callback in o.callbacks]):
                history["stopped"] = f"a callback asked to stop after epoch {epoch + 1}"
                break
            if o.patience is not None and waited >= o.patience:
                history["stopped"] = (f"early stopping after epoch {epoch + 1}: {monitor} has not "
                                      f"improved by more than {o.min_delta:g} for {o.patience} "
                                      f"epochs")
                break
    finally:
        # Here, not after each call: Ctrl-C may land between a call and the next statement.
        # Only compiled calls change θ and the optimizer's state, so they always agree.
        if resumable:
            net.optimizer_state = (o.optimizer, state, settings[registry.STEPS])
        progress.close()
    if o.patience is not None and best_theta is not None:
        net.theta[...] = best_theta
    return history


def _diverged(net, history, epoch, best_theta, before_epoch):
    """Stop a diverging fit: parameters back to the best epoch's (or, without one, to those
    before the failed epoch), the reason in history, and a warning."""
    net.optimizer_state = None
    restored = best_theta if best_theta is not None else before_epoch
    net.theta[...] = restored
    which = ("the best epoch's" if best_theta is not None
             else f"those from before epoch {epoch + 1}")
    history["stopped"] = (f"diverged in epoch {epoch + 1}: the cost or the parameters became "
                          f"NaN or infinite; parameters restored to {which}")
    warnings.warn(f"training {history['stopped']}; try a smaller learning_rate",
                  RuntimeWarning, stacklevel=4)
    return history


# The inputs X of a fit, in bytes, for which each epoch's shuffle is copied once
# (``kernels.step.shuffle_columns``) and its batches are then contiguous slices: gathering a
# batch's columns from a C-ordered X reads a cache line per number once X outgrows a core's
# L2 (at the medium size 9 ms of a 25 ms epoch, against 2 ms for the copy). A smaller X stays
# in cache, where the copy costs more than it saves; a larger one would double the memory.
SHUFFLE_COPY_FROM, SHUFFLE_COPY_UP_TO = 1 << 20, 256 << 20


# Multiply-adds per call into a compiled epoch: about 10 ms of work on an idle core, a few
# tenths of a second on a crowded one, and far more than the call's own cost (microseconds).
WORK_PER_CALL = 1 << 27


def batches_per_call(layers, batch_size):
    """How many batches one call into the compiled epoch runs (see ``WORK_PER_CALL``)."""
    return max(1, WORK_PER_CALL // max(1, multiply_adds(layers, batch_size)))


def _record(net, history, cost, accuracy, X_val, Y_val):
    """Append an epoch's training cost and accuracy, and its validation figures."""
    regression = net.cost_name == "mean_squared_error"
    history["cost"].append(cost)
    history["accuracy"].append(None if regression else accuracy)
    if X_val is not None:
        cost, outputs = net.evaluate(X_val, Y_val)   # one forward pass for both
        history["val_cost"].append(cost)
        hits = vectorized.correct_predictions(outputs, Y_val, registry.COSTS[net.cost_name].code)
        history["val_accuracy"].append(None if regression else hits / X_val.shape[1])
