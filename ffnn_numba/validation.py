"""Every check of user input, in one place.

Input is checked once, at the public entry points, before any compiled code runs; the
kernels trust their arguments. Each error names the problem: the argument, what it got and
what it accepts. No check modifies the caller's arrays.
"""
import math
import numbers
import sys

import numpy as np

from . import registry
from .kernels import inputs
from .kernels.inputs import all_finite, all_within


def check_choice(kind, name, valid):
    if not isinstance(name, str):
        raise TypeError(f"{kind} must be a string, one of {', '.join(map(repr, valid))}; "
                        f"got {type(name).__name__}")
    if name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid: {', '.join(map(repr, valid))}")
    return name


def check_backend(name):
    return check_choice("backend", name, registry.ALL_BACKENDS)


def check_cost(name):
    return check_choice("cost", name, tuple(registry.COSTS))


def check_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}") from exc
    if dt not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64; got {dt}")
    return dt.type


def check_positive_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    return int(value)


def check_real(value, name, low=-np.inf, high=np.inf, *, low_open=False, high_open=False):
    """A finite real number (Python or NumPy) in the interval [low, high], each end closed
    unless ``low_open``/``high_open``; returned as a Python float."""
    if type(value) is not float and (isinstance(value, bool)
                                     or not isinstance(value, numbers.Real)):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    inside = ((value > low if low_open else value >= low)
              and (value < high if high_open else value <= high))
    if not (math.isfinite(value) and inside):
        if high == np.inf:
            where = (">" if low_open else ">=") + f" {low:g}"
        else:
            where = ("in (" if low_open else "in [") + f"{low:g}, {high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name} must be a finite number {where}; got {value!r}")
    return value


def check_learning_rate(value):
    return check_real(value, "learning_rate", 0, low_open=True)


def check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_seed(seed, name="seed"):
    """None, an integer >= 0, or a ``numpy.random.Generator``."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    return check_positive_int(seed, name, minimum=0)


def check_callbacks(callbacks):
    """A tuple of callables ``callback(net, epoch, history)``; None means none."""
    if callbacks is None:
        return ()
    if callable(callbacks):
        raise TypeError("callbacks must be a list of callables; got one callable "
                        "(wrap it in a list)")
    try:
        callbacks = tuple(callbacks)
    except TypeError:
        raise TypeError(f"callbacks must be a list of callables; got {callbacks!r}") from None
    for n, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"callbacks[{n}] is not callable; got {callback!r}")
    return callbacks


def check_validation_data(data):
    """``(X_val, Y_val)``, checked for its form here and for its values by the network."""
    if isinstance(data, (str, bytes)) or not hasattr(data, "__len__") or len(data) != 2:
        raise TypeError(f"validation_data must be a pair (X_val, Y_val); got "
                        f"{type(data).__name__}" + (f" of length {len(data)}"
                                                    if hasattr(data, "__len__") else ""))
    return tuple(data)


def check_verbose(verbose):
    if verbose == "auto" and isinstance(verbose, str):
        return verbose
    if isinstance(verbose, (bool, np.bool_)):
        return bool(verbose)
    raise TypeError(f"verbose must be True, False or 'auto'; got {verbose!r}")


def check_layer_sizes(sizes):
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError(f"layer_sizes must be a sequence of integers n^[0], ..., n^[L]; "
                        f"got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least the input and output sizes "
                         f"[n^[0], ..., n^[L]]; got {sizes}")
    for l, n in enumerate(sizes):
        check_positive_int(n, f"layer size n^[{l}]")
    return tuple(int(n) for n in sizes)


def check_activations(activations, n_layers, cost):
    """Names of the L activations; None means relu for hidden layers and the cost's natural output."""
    if activations is None:
        activations = ["relu"] * (n_layers - 1) + [registry.DEFAULT_OUTPUT[cost]]
    elif isinstance(activations, str):
        activations = [activations] * n_layers
    try:
        activations = list(activations)
    except TypeError:
        raise TypeError(f"activations must be one name or a sequence of {n_layers} names; "
                        f"got {activations!r}") from None
    if len(activations) != n_layers:
        raise ValueError(f"activations must name one activation per layer l = 1..{n_layers} "
                         f"(or be one name for all); got {len(activations)}: {activations}")
    return tuple(check_choice("activation", a, tuple(registry.ACTIVATIONS)) for a in activations)


def check_output(activation, cost, n_output):
    if cost == "binary_cross_entropy" and n_output != 1:
        raise ValueError(f"binary_cross_entropy needs one output node (n^[L] = 1); got "
                         f"n^[L] = {n_output}. Use categorical_cross_entropy for several "
                         f"classes or multilabel_cross_entropy for several labels")
    if registry.COSTS[cost].cross_entropy and not registry.ACTIVATIONS[activation].probability:
        valid = [a for a, info in registry.ACTIVATIONS.items() if info.probability]
        raise ValueError(f"{cost} needs outputs in [0, 1], which output activation {activation!r} "
                         f"does not guarantee; use one of {valid}")


def check_fused(fused, activation, cost):
    """Whether a network backpropagates from dZ^[L] = (A - Y)/m: by default (None) for the
    pairs that allow it (``registry.FUSED``); False never; True only for those pairs."""
    natural = (activation, cost) in registry.FUSED
    if fused is None:
        return natural
    check_bool(fused, "fused")
    if fused and not natural:
        pairs = ", ".join(f"{a} with {c}" for a, c in sorted(registry.FUSED))
        raise ValueError(f"fused=True needs an output/cost pair whose chain simplifies to "
                         f"(A - Y)/m ({pairs}); got {activation} with {cost}")
    return fused


def check_dense(value, name):
    """Refuse a scipy.sparse matrix or array, by name: the kernels take dense arrays only, and
    NumPy would make a sparse matrix a 0-d array of objects."""
    sparse = sys.modules.get("scipy.sparse")   # none can exist before SciPy is imported
    if sparse is not None and sparse.issparse(value):
        raise TypeError(f"Sparse data was passed for {name} (a scipy.sparse "
                        f"{type(value).__name__}), but dense data is required: sparse input "
                        f"is not supported. Use {name}.toarray() to convert it to a dense "
                        f"NumPy array.")


def _plain(X, dtype):
    """Whether X is an ndarray of the dtype that the kernels can take as it is: C-contiguous,
    aligned and writeable (its entries are checked separately, in one compiled pass)."""
    return type(X) is np.ndarray and X.dtype == dtype and X.flags.carray


def _as_float_array(X, name, dtype):
    """X converted (the slow path of check_X and check_Y, which first try X as it is)."""
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    # Read-only memory (a memmap, say) or unaligned data would compile kernels anew.
    if not (arr.flags.writeable and arr.flags.aligned):
        arr = arr.copy()
    if not all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinite values (as {np.dtype(dtype)})")
    return arr


def check_X(X, n_input, dtype):
    """X = A^[0] as a C-contiguous (n^[0], m) array of the network's dtype: X itself where it
    already is one and finite, checked in about 0.5 µs (the shape first, then one compiled
    pass over the entries), a tenth of NumPy's conversions."""
    if (_plain(X, dtype) and X.ndim == 2 and X.shape[0] == n_input and X.shape[1]
            and all_finite(X)):
        return X
    check_dense(X, "X")
    shape = np.shape(X)
    if len(shape) != 2 or shape[0] != n_input:
        hint = (" (one column per example: did you mean X.T?)"
                if len(shape) == 2 and shape[1] == n_input else "")
        raise ValueError(f"X must have shape (n^[0], m) = ({n_input}, m); got {shape}{hint}")
    if shape[1] == 0:
        raise ValueError("X has no examples (m = 0)")
    return _as_float_array(X, "X", dtype)


# What each cost needs of its targets, as ``kernels.inputs.targets_ready`` takes it (the
# fast path of check_Y and check_batch; their NumPy checks name the problem otherwise).
_TARGETS = {name: inputs.DISTRIBUTIONS if name == "categorical_cross_entropy" else
            inputs.IN_UNIT_INTERVAL if cost.cross_entropy else inputs.FINITE
            for name, cost in registry.COSTS.items()}


def check_Y(Y, n_output, m, cost, dtype):
    """Y as a C-contiguous (n^[L], m) array; 1-D class labels become one-hot columns."""
    if Y is None:
        raise TypeError("Y is required: the targets of the m examples, (n^[L], m) or m labels")
    if (_plain(Y, dtype) and Y.shape == (n_output, m)
            and inputs.targets_ready(Y, _TARGETS[cost])):
        return Y
    check_dense(Y, "Y")
    shape = np.shape(Y)
    if len(shape) == 1 and cost == "categorical_cross_entropy":
        return _one_hot(Y, n_output, m, dtype)
    if len(shape) == 1 and n_output == 1:
        Y = np.reshape(Y, (1, -1))
        shape = Y.shape
    if shape != (n_output, m):
        raise ValueError(f"Y must have shape (n^[L], m) = ({n_output}, {m}), matching X's m; "
                         f"got {shape}")
    Y = _as_float_array(Y, "Y", dtype)
    if registry.COSTS[cost].cross_entropy and not all_within(Y, 0.0, 1.0):
        raise ValueError(f"{cost} needs targets in [0, 1]; Y holds values in "
                         f"[{Y.min():g}, {Y.max():g}]")
    if cost == "categorical_cross_entropy":
        sums = Y.sum(axis=0, dtype=np.float64)
        bad = np.flatnonzero(np.abs(sums - 1) > 1e-4)
        if bad.size:
            raise ValueError(f"categorical_cross_entropy needs every column of Y to sum to 1 "
                             f"(one-hot or probabilities); column {bad[0]} sums to {sums[bad[0]]:g}")
    return Y


def check_batch(X, Y, n_input, n_output, cost, dtype):
    """(check_X(X, ...), check_Y(Y, ...)), in one compiled pass where X and Y are already
    C-contiguous arrays of the dtype and of their shapes, as in a user's own training loop
    (the public ``step`` and ``gradients`` at small sizes: 1.07 µs instead of 1.71)."""
    if (_plain(X, dtype) and _plain(Y, dtype) and X.ndim == 2 and X.shape[0] == n_input
            and X.shape[1] and Y.shape == (n_output, X.shape[1])
            and inputs.batch_ready(X, Y, _TARGETS[cost])):
        return X, Y
    X = check_X(X, n_input, dtype)
    return X, check_Y(Y, n_output, X.shape[1], cost, dtype)


def _one_hot(labels, n_output, m, dtype):
    labels = np.asarray(labels)
    if labels.shape != (m,):
        raise ValueError(f"class labels must have length m = {m}, matching X; got {labels.shape[0]}")
    if labels.dtype.kind not in "biuf" or (labels.dtype.kind == "f" and (
            not np.isfinite(labels).all() or np.any(labels != np.round(labels)))):
        raise TypeError(f"class labels must be integers 0..{n_output - 1}; got dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() >= n_output:
        raise ValueError(f"class labels must lie in 0..{n_output - 1} (n^[L] = {n_output} "
                         f"classes); got values in {labels.min():g}..{labels.max():g}")
    Y = np.zeros((n_output, m), dtype=dtype)
    Y[labels.astype(np.intp), np.arange(m)] = 1
    return Y
