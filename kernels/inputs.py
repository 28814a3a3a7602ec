"""Compiled checks of user input, for the fast path of ``ffnn_numba.validation``.

One pass over an array of any shape, stopping at the first bad entry; about 0.2 µs on a small
batch, where NumPy's ``np.isfinite(a).all()`` costs 1.3 µs of a 9 µs training step. Each
returns only whether the array is fine: on False, validation's NumPy path finds and names
the problem.
"""
import math

from ._jit import jit


@jit
def all_finite(a):
    """True when no entry of ``a`` is NaN or infinite."""
    for x in a.flat:
        if not math.isfinite(x):
            return False
    return True


@jit
def all_within(a, low, high):
    """True when every entry of ``a`` lies in [low, high] (NaN does not)."""
    for x in a.flat:
        if not (low <= x <= high):
            return False
    return True


@jit
def columns_sum_to_one(a, tolerance):
    """True when every column of the 2-D ``a`` lies in [0, 1] and sums to 1 within
    ``tolerance``: probabilities over the rows, as categorical cross-entropy needs."""
    n, m = a.shape
    for i in range(m):
        total = 0.0
        for j in range(n):
            if not (0 <= a[j, i] <= 1):
                return False
            total += a[j, i]
        if abs(total - 1) > tolerance:
            return False
    return True
