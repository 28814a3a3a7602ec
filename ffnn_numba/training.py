"""What ``Network.fit`` needs beyond the equations: optimizers and their settings,
learning-rate schedules, validation splits, and a progress line.

The update rules themselves are kernels (``kernels/optimizers.py``, with twins in
``ffnn_numba.vectorized``); the classes here only carry their settings.
"""
import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import registry, validation


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
