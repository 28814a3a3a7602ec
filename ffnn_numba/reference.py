"""The "reference" backend: the reference loop nests of ``ffnn_numba.kernels``, run as plain
Python, one equation at a time.

Every number a network computes on this backend comes from the Python source of the kernels
in ``kernels/linear.py``, ``kernels/activations.py``, ``kernels/costs.py`` and
``kernels/optimizers.py`` (each kernel's ``py_func``, the function Numba compiles), so a
breakpoint or a print in those loops is hit, and a student reads exactly the code that
runs. It is slow (about 0.25 µs per multiply-add, ``SPEED``): a backend for teaching,
debugging and checking, not for training large networks, and a call whose work would take
longer than ``MAX_SECONDS`` is refused (``check_work``). The loops backend compiles the
same kernels, except that for the three products it uses the faster forms of
``kernels/blocked.py`` (the blocked one where ``kernels.step.blocked_pays``).

``EQUATIONS`` maps each kernel's name to the function that runs for it; ``replaced``
substitutes functions of the same signatures for a while (``ffnn_numba.teach.exercises`` plugs a
student's functions into a network this way).
"""
import contextlib
import threading
import warnings

from . import kernels, registry
from .kernels import costs, linear, optimizers, step
from .vectorized.step import PythonEngine


def python(kernel):
    """The Python function a Numba kernel compiles (itself when the JIT is disabled)."""
    return getattr(kernel, "py_func", kernel)


_KERNELS = [linear.linear_forward, linear.weight_gradient, linear.bias_gradient,
            linear.prev_activation_gradient, costs.output_delta, costs.correct_predictions,
            costs.sigmoid_cross_entropy_from_logits, costs.softmax_cross_entropy_from_logits,
            *(f for pair in kernels.ACTIVATION_FUNCTIONS.values() for f in pair),
            *(f for pair in kernels.COST_FUNCTIONS.values() for f in pair),
            *optimizers.UPDATE_RULES.values()]

EQUATIONS = {python(f).__name__: python(f) for f in _KERNELS}
"""Kernel name -> the plain Python function the reference backend calls for it: e.g.
"linear_forward" (Z, W, A_prev, b), "weight_gradient" (dW, dZ, A_prev), "bias_gradient"
(db, dZ), "prev_activation_gradient" (dA_prev, W, dZ), "relu_forward" (A, Z),
"relu_backward" (dZ, dA, Z, A) (the linear activation's are "identity_forward" and
"identity_backward"), "mean_squared_error_cost" (A, Y) -> J, "mean_squared_error_seed"
(dA, A, Y), "output_delta" (dZ, A, Y), "sgd_update" (theta, grad, state, settings)."""

_LOGITS_COST = {registry.CATEGORICAL_CROSS_ENTROPY: "softmax_cross_entropy_from_logits"}
_replacing = threading.RLock()


def _name(kernel):
    return python(kernel).__name__


class _ReferenceEquations:
    """The equations the engine calls, by the names and signatures of ``vectorized``, each
    looked up in ``EQUATIONS`` at the moment it runs."""

    def __getattr__(self, name):   # the four products: linear_forward, weight_gradient, ...
        return EQUATIONS[name]

    def activation_forward(self, A, Z, code):
        forward, _ = kernels.ACTIVATION_FUNCTIONS[registry.ACTIVATION_NAMES[code]]
        EQUATIONS[_name(forward)](A, Z)

    def activation_backward(self, dZ, dA, Z, A, code):
        _, backward = kernels.ACTIVATION_FUNCTIONS[registry.ACTIVATION_NAMES[code]]
        EQUATIONS[_name(backward)](dZ, dA, Z, A)

    def cost_forward(self, Z, A, Y, code, from_logits):
        if from_logits:   # the fused pairs: J from the logits, as the loops backend does
            return EQUATIONS[_LOGITS_COST.get(code, "sigmoid_cross_entropy_from_logits")](Z, A, Y)
        cost, _ = kernels.COST_FUNCTIONS[registry.COST_NAMES[code]]
        return EQUATIONS[_name(cost)](A, Y)

    def cost_backward(self, dA, A, Y, code):
        _, seed = kernels.COST_FUNCTIONS[registry.COST_NAMES[code]]
        EQUATIONS[_name(seed)](dA, A, Y)

    def parameter_update(self, theta, grad, state, settings, code):
        EQUATIONS[_name(optimizers.UPDATE_RULES[registry.OPTIMIZER_NAMES[code]])](theta, grad, state,
                                                                          settings)


# -- how long a call may run ------------------------------------------------------------

SPEED = 4e6
"""Multiply-adds a second on this backend: gradients of a [64, 32, 10] network on 1024
examples ran at 3.8 to 4.2 million a second (forward 3.8, a fit epoch in batches of 32 5.6;
Python 3.11, one core of a 2-core machine), 10,000 times fewer than the loops backend."""

PER_BATCH = 250
"""The Python calls of one layer's equations on one batch, in multiply-adds of time (about
60 µs a layer a batch): what dominates batches of a few examples."""

WARN_SECONDS, MAX_SECONDS = 10.0, 60.0
"""A call estimated (``work``/``SPEED``) to run longer than ``WARN_SECONDS`` warns, and one
longer than ``MAX_SECONDS`` is refused before any work. Raise ``MAX_SECONDS`` (to
``math.inf``, say) to run it anyway."""


def work(layer_sizes, m, passes=1, batches=1):
    """The work of ``passes`` passes through a network of ``layer_sizes`` over m examples in
    ``batches`` batches, in multiply-adds: per pass, m Σ_l n^[l] (n^[l-1] + 1) (the bias
    counted as one), plus each batch's loop overhead, Σ_l n^[l] (n^[l-1] + 1) + ``PER_BATCH``
    per layer. A forward pass is one pass, gradients and a step three (forward, then dW^[l]
    and dA^[l-1] backward), an epoch of fit three over every example."""
    per_example = sum(n * (n_prev + 1) for n_prev, n in zip(layer_sizes, layer_sizes[1:]))
    per_batch = per_example + PER_BATCH * (len(layer_sizes) - 1)
    return passes * (per_example * m + per_batch * batches)


def _duration(seconds):
    for unit, size in (("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} seconds"


def check_work(what, work, fewer="examples", stacklevel=2):
    """Refuse the call ``what`` ("fit", say) with a ValueError when its ``work``
    (multiply-adds, see ``work``) would take more than ``MAX_SECONDS`` at ``SPEED``, naming
    the estimate and the alternatives; warn (RuntimeWarning) above ``WARN_SECONDS``."""
    seconds = work / SPEED
    if seconds <= WARN_SECONDS:
        return
    estimate = (f"{what} on backend='reference' would take about {_duration(seconds)} "
                f"(about {work:.2g} multiply-adds at {SPEED:,.0f} a second, in plain Python)")
    faster = "backend='loops' or backend='numpy' (the same results, thousands of times faster)"
    if seconds > MAX_SECONDS:
        raise ValueError(f"{estimate}, more than ffnn_numba.reference.MAX_SECONDS = "
                         f"{MAX_SECONDS:g}. Use {faster}, or fewer {fewer}; or set "
                         f"ffnn_numba.reference.MAX_SECONDS = math.inf to run it anyway")
    warnings.warn(f"{estimate}; use {faster}", RuntimeWarning, stacklevel=stacklevel + 1)


# L2 too through the loops of kernels/step.py, run as Python.
ENGINE = PythonEngine(_ReferenceEquations(), python(step.l2_penalty), python(step.l2_gradient))


@contextlib.contextmanager
def replaced(**functions):
    """Run the reference backend with some kernels replaced, for the ``with`` block.

    Parameters
    ----------
    **functions : callable
        Keyword names are kernel names (keys of ``EQUATIONS``); each function takes the
        kernel's arguments, outputs first, and must overwrite its outputs as the kernel does.

    Examples
    --------
    >>> def my_bias_gradient(db, dZ):
    ...     db[:, 0] = dZ.sum(axis=1)
    >>> with replaced(bias_gradient=my_bias_gradient):   # doctest: +SKIP
    ...     ff.gradcheck(Network([3, 3, 1], backend="reference"), X, Y)
    """
    unknown = sorted(set(functions) - set(EQUATIONS))
    if unknown:
        raise ValueError(f"unknown kernel name(s) {', '.join(unknown)}; valid: "
                         f"{', '.join(sorted(EQUATIONS))}")
    for name, function in functions.items():
        if not callable(function):
            raise TypeError(f"{name} must be callable; got {function!r}")
    with _replacing:   # one replacement at a time: the table is shared by every network
        saved = {name: EQUATIONS[name] for name in functions}
        EQUATIONS.update(functions)
        try:
            yield
        finally:
            EQUATIONS.update(saved)
