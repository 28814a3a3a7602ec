"""Compiled checks of user input, for the fast path of ``ffnn_numba.validation``.

One pass over an array of any shape; about 0.2 µs on a small
batch, where NumPy's ``np.isfinite(a).all()`` costs 1.3 µs of a 9 µs training step. Each
returns only whether the array is fine: on False, validation's NumPy path finds and names
the problem.
"""
import math

import numpy as np

from ._jit import jit


@jit
def all_finite(a):
    """True when no entry of ``a`` is NaN or infinite.

    One pass over every entry, without stopping at the first bad one: a loop that can exit
    early is not vectorised, and this one is, 4x (float64) to 8x (float32) faster on a
    784 x 128 batch, where the check was 16% of the public step. Bad input is rare, and is
    then named by NumPy's slower checks anyway.
    """
    v = np.ascontiguousarray(a).reshape(a.size)   # no copy for the C-ordered arrays it gets
    ok = True
    for k in range(v.size):
        ok &= math.isfinite(v[k])
    return ok


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


# What a cost needs of its targets, for ``batch_ready``: finite numbers, numbers in [0, 1]
# (the cross-entropies), or columns that are probability distributions (categorical).
FINITE, IN_UNIT_INTERVAL, DISTRIBUTIONS = 0, 1, 2


@jit
def targets_ready(Y, targets):
    """True when the 2-D Y is what the cost needs (``targets``: ``FINITE``,
    ``IN_UNIT_INTERVAL`` or ``DISTRIBUTIONS``); each of the three implies finite entries."""
    if targets == FINITE:
        return all_finite(Y)
    if targets == IN_UNIT_INTERVAL:
        return all_within(Y, 0.0, 1.0)
    return columns_sum_to_one(Y, 1e-4)


@jit
def batch_ready(X, Y, targets):
    """True when X is finite and Y is what the cost needs (``targets_ready``): the checks of
    a training batch in one call."""
    return all_finite(X) and targets_ready(Y, targets)
