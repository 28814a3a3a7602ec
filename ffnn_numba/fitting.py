"""Training a network: its ``step`` and ``fit`` methods (``Trainable``, a base of
``Network``) and the loop of ``fit``, through the network's public engine API.

Each epoch runs in compiled ``train_epoch`` calls of bounded work on the threads the
machine's load leaves (``Network.runner``); between them, the bookkeeping: the epoch's
shuffle, costs and accuracy, validation, early stopping, divergence, callbacks.
Shapes as in ``network``: X is (n^[0], m), Y is (n^[L], m).
"""
import math
import warnings

import numpy as np

from . import reference, registry, validation, vectorized
from .kernels.step import shuffle_columns
from .layout import multiply_adds
from .runner import one_call_at_a_time
from .training import FitOptions, Progress, scheduled_rate, split_validation


class Trainable:
    """The training methods of ``Network``."""

    @one_call_at_a_time
    def step(self, X, Y, learning_rate=0.1):
        """One gradient-descent update θ ← θ - α dJ/dθ on this batch; returns J before it.

        Cheap enough to call in a loop of one's own (online or reinforcement learning): with
        X and Y already C-contiguous arrays of the network's dtype, the checks and copies
        around the compiled step cost about a third of it at small sizes.
        """
        alpha = validation.check_learning_rate(learning_rate)
        X, Y = self.validate(X, Y)
        m = X.shape[1]
        if self._backend == "reference":   # on the hot path: the attribute, not the property
            self._check_work("step", m, passes=3)
        run = self._runner
        b, A0 = run.batch(m)[:2]
        A0[...] = X
        p = run.step_problem_for(alpha)
        if self._backend == "loops":   # compiled code raises no NumPy warnings
            J = float(run.run("train_step", b, p, Y, m=m))
        else:
            with np.errstate(over="ignore", invalid="ignore"):   # reported below, once
                J = float(run.run("train_step", b, p, Y, m=m))
        if not math.isfinite(J):
            warnings.warn(f"step: the cost is {J} on this batch, so the update was not a "
                          f"gradient step and the parameters may now hold non-finite values; "
                          f"try a smaller learning_rate", RuntimeWarning, stacklevel=3)
        return J

    @one_call_at_a_time
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
        options = FitOptions(
            epochs, batch_size, learning_rate, seed, shuffle, optimizer, schedule,
            validation_data, validation_fraction, patience, min_delta, restore_best, callbacks,
            verbose, reset_optimizer)
        return fit(self, X, Y, options)


def fit(net, X, Y, options):
    """The body of ``Network.fit`` (see there)."""
    o = options
    X, Y = net.validate(X, Y)
    X_val = Y_val = None
    if o.validation_data is not None:
        X_val, Y_val = net.validate(*o.validation_data)
    rng = net.rng if o.seed is None else np.random.default_rng(o.seed)
    if o.validation_fraction is not None:
        X, Y, X_val, Y_val = split_validation(X, Y, o.validation_fraction, rng)
    if net.backend == "reference":
        _check_reference_work(net, X.shape[1], 0 if X_val is None else X_val.shape[1], o)

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
    copy = net.runner.epoch_copy(X, Y) if copied else None
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
                    net.runner.on_threads(batch_size, net.engine.train_epoch, b, p, X_epoch,
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


def _check_reference_work(net, m, m_val, o):
    """On the reference backend, refuse a fit of minutes before any work, or warn
    (``reference.check_work``): epochs of 3 passes over m examples, and a forward pass over
    the m_val validation examples after each."""
    batches = o.epochs * -(-m // min(o.batch_size, m))
    work = (reference.work(net.layer_sizes, o.epochs * m, 3, batches)
            + reference.work(net.layer_sizes, o.epochs * m_val, 1, o.epochs))
    what = f"fit ({o.epochs} epoch{'s' * (o.epochs != 1)} of {m} examples)"
    # the warning points at the caller of Network.fit: past this, fit, Trainable.fit, its lock
    reference.check_work(what, work, "examples or epochs", stacklevel=5)


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
