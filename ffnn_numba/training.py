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
        if not self.epsilon > 0:
            raise ValueError(f"epsilon must be positive; got {self.epsilon}")
        s[registry.EPSILON] = self.epsilon
        return s


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam}


def _fraction(value, name):
    if not 0 <= value < 1:
        raise ValueError(f"{name} must lie in [0, 1); got {value}")
    return float(value)


def make_optimizer(optimizer, learning_rate):
    """An optimizer object from a name (with ``learning_rate``, or its default) or an object."""
    if isinstance(optimizer, SGD):
        if learning_rate is not None:
            raise ValueError("give the learning rate to the optimizer object, not to fit")
        return optimizer
    name = validation._one_of("optimizer", optimizer, tuple(OPTIMIZERS))
    return OPTIMIZERS[name]() if learning_rate is None else OPTIMIZERS[name](learning_rate)


@dataclass
class Constant:
    """α_e = α for every epoch e."""

    def rate(self, alpha, epoch, seen):
        return alpha


@dataclass
class StepDecay:
    """α_e = α γ^⌊e / step_size⌋: multiplied by γ every ``step_size`` epochs (e from 0)."""
    step_size: int = 10
    gamma: float = 0.5

    def rate(self, alpha, epoch, seen):
        return alpha * self.gamma ** (epoch // self.step_size)


@dataclass
class InverseScaling:
    """α_e = α / (t + 1)^power_t, t the examples seen before epoch e (scikit-learn's
    "invscaling")."""
    power_t: float = 0.5

    def rate(self, alpha, epoch, seen):
        return alpha / (seen + 1) ** self.power_t


SCHEDULES = {"constant": Constant, "step": StepDecay, "invscaling": InverseScaling}


def make_schedule(schedule):
    if isinstance(schedule, (Constant, StepDecay, InverseScaling)):
        return schedule
    return SCHEDULES[validation._one_of("schedule", schedule, tuple(SCHEDULES))]()


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
    if not 0 < fraction < 1:
        raise ValueError(f"validation_fraction must lie in (0, 1); got {fraction}")
    m = X.shape[1]
    n_val = int(math.ceil(fraction * m))
    if n_val >= m:
        raise ValueError(f"validation_fraction {fraction} leaves no training examples of m = {m}")
    order = rng.permutation(m)
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    return X[:, train], Y[:, train], X[:, val], Y[:, val]


def fit(net, X, Y, epochs, batch_size, learning_rate, seed, shuffle, optimizer, schedule,
        validation_data, validation_fraction, patience, min_delta, restore_best, callbacks,
        verbose, reset_optimizer):
    """The body of ``Network.fit`` (see there): one compiled ``train_epoch`` per epoch, and
    the bookkeeping between epochs."""
    epochs = validation.check_positive_int(epochs, "epochs")
    batch_size = validation.check_positive_int(batch_size, "batch_size")
    optimizer = make_optimizer(optimizer, learning_rate)
    schedule = make_schedule(schedule)
    settings = optimizer.settings()
    kept = getattr(net, "_optimizer_memory", None)
    if not reset_optimizer and kept is not None and kept[0] == optimizer:
        state, settings[registry.STEPS] = kept[1], kept[2]
    else:
        state = np.zeros((2, len(net._theta)), net.dtype)
    if patience is not None:
        patience = validation.check_positive_int(patience, "patience")
    X, Y = net._check(X, Y)
    rng = net._rng if seed is None else np.random.default_rng(seed)
    if validation_data is not None and validation_fraction is not None:
        raise ValueError("give validation_data or validation_fraction, not both")
    if validation_fraction is not None:
        X, Y, X_val, Y_val = split_validation(X, Y, validation_fraction, rng)
    elif validation_data is not None:
        X_val, Y_val = net._check(*validation_data)
    else:
        X_val = Y_val = None
    X, Y = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    m = X.shape[1]
    batch_size = min(batch_size, m)
    ws = net._workspace(batch_size)
    n_batches = -(-m // batch_size)
    chunk = batches_per_call(net._layers, batch_size)
    batch_costs, batch_hits = np.zeros(n_batches), np.zeros(n_batches, np.int64)
    batch_shares = np.full(n_batches, batch_size / m)
    batch_shares[-1] = (m - (n_batches - 1) * batch_size) / m
    history = {"cost": [], "accuracy": [], "learning_rate": []}
    if X_val is not None:
        history.update(val_cost=[], val_accuracy=[])
    monitor = "val_cost" if X_val is not None else "cost"
    best, best_theta, waited = math.inf, None, 0
    progress = Progress(epochs, verbose)
    code = registry.OPTIMIZERS[optimizer.name]
    net._optimizer_memory = None
    try:
        for epoch in range(epochs):
            settings[registry.LEARNING_RATE] = schedule.rate(optimizer.learning_rate, epoch,
                                                             epoch * m)
            order = rng.permutation(m) if shuffle else np.arange(m)
            # A diverging run is reported below, once; NumPy's overflow warnings add nothing.
            with np.errstate(over="ignore", invalid="ignore"):
                # The epoch runs in calls of bounded work, so that Ctrl-C (which Python sees
                # only between calls into compiled code) stops training within a fraction of
                # a second, after a completed update.
                for b0 in range(0, n_batches, chunk):
                    b1 = min(b0 + chunk, n_batches)
                    net._engine.train_epoch(
                        batch_costs[b0:b1], batch_hits[b0:b1], net._theta, net._grad, state,
                        settings, ws.Z, ws.A, ws.dZ, ws.dA, ws.scratch, ws.Y, net._layers, X, Y,
                        order[b0 * batch_size:b1 * batch_size], batch_size, net._cost_code,
                        net._fused, net._l2, code)
                    net._optimizer_memory = (optimizer, state, settings[registry.STEPS])
                _record(net, history, float(batch_costs @ batch_shares),
                        int(batch_hits.sum()) / m, X_val, Y_val)
            history["learning_rate"].append(float(settings[registry.LEARNING_RATE]))
            progress.update(epoch + 1, history, (epoch + 1) * m)
            if not math.isfinite(history["cost"][-1]):
                net._optimizer_memory = None
                warnings.warn(f"training diverged in epoch {epoch + 1}: the cost is "
                              f"{history['cost'][-1]}; try a smaller learning_rate",
                              RuntimeWarning, stacklevel=3)
                return history
            if history[monitor][-1] < best - min_delta:
                best, waited = history[monitor][-1], 0
                if patience is not None and restore_best:
                    best_theta = net._theta.copy()
            else:
                waited += 1
            stop = patience is not None and waited >= patience
            if any([bool(callback(net, epoch + 1, history)) for callback in callbacks]) or stop:
                break
    finally:
        progress.close()
    if best_theta is not None:
        net._theta[...] = best_theta
    return history


# Multiply-adds per call into a compiled epoch: about 10 ms of work on an idle core, a few
# tenths of a second on a crowded one, and far more than the call's own cost (microseconds).
WORK_PER_CALL = 1 << 27


def batches_per_call(layers, batch_size):
    """How many batches one call into the compiled epoch runs (see ``WORK_PER_CALL``)."""
    return max(1, WORK_PER_CALL // max(1, multiply_adds(layers, batch_size)))


def _record(net, history, cost, accuracy, X_val, Y_val):
    """Append an epoch's training cost and accuracy, and its validation figures."""
    regression = net._cost_code == registry.MEAN_SQUARED_ERROR
    history["cost"].append(cost)
    history["accuracy"].append(None if regression else accuracy)
    if X_val is not None:
        history["val_cost"].append(net._cost_checked(X_val, Y_val))
        hits = vectorized.correct_predictions(net._forward_checked(X_val), Y_val,
                                              net._cost_code)
        history["val_accuracy"].append(None if regression else hits / X_val.shape[1])
