"""Loops that run one value short, each written as the wrong output it produces.

Two kinds: a loop over a summed letter that skips a term (every z_{j,i} then lacks the same
term w_{j,1} a_{1,i} of its sum), and a loop over an output's letter that skips a row or a
column (which then keeps what the output came in with, or the 0 it was cleared to). Each is
tried against the printed case before the grader falls back to "wrong values".
"""
import numpy as np

SIZE_NAMES = {"j": "n^[l]", "k": "n^[l-1]", "i": "m", "p": "n^[l]"}


def _why(letter, t, size):
    """The key and the reason a loop over ``letter`` missed its value ``t`` (0-based)."""
    name = SIZE_NAMES[letter]
    if t == 0:
        return (f"{letter}_loop_starts_at_2", f"your {letter} loop starts at 2 (in Python, "
                f"range(1, {name}) skips {letter} = 1, index 0)")
    if t == size - 1:
        return (f"{letter}_loop_stops_early", f"your {letter} loop stops one short "
                f"(range({name} - 1) ends at {letter} = {name} - 1 = {size - 1})")
    return f"{letter}_loop_skips_one", f"your {letter} loop skips {letter} = {t + 1}"


def skipped_terms(letter, size, owner, term, wrong):
    """Candidates for a sum over ``letter`` (``size`` terms) that lost one term.

    Parameters
    ----------
    letter : str
        The summed letter ("k", "i", "j", "p").
    size : int
        How many values it runs over.
    owner : str
        What lacks the term, e.g. "every z_{j,i}".
    term : callable
        term(t) -> the missing term in the derivation's letters, t 1-based ("w_{j,1} a_{1,i}").
    wrong : callable
        wrong(t) -> the output without the term t (0-based).
    """
    found = []
    for t in range(size):
        key, why = _why(letter, t, size)
        found.append((key, f"{owner} lacks {term(t + 1)}: {why}", wrong(t)))
    return found


def skipped_slices(name, letters, expected, initial):
    """Candidates for an output loop over one of ``letters`` that skipped its first or last
    value: that row (or column) still holds ``initial``, or 0 where the output was cleared."""
    found = []
    for axis, letter in enumerate(letters):
        size = expected.shape[axis]
        if size < 2:
            continue
        for t in (0, size - 1):
            key, why = _why(letter, t, size)
            where = [slice(None)] * expected.ndim
            where[axis] = t
            what = ("row" if axis == 0 else "column") + f" {letter} = {t + 1} of {name}"
            for left in (initial, np.zeros_like(expected)):
                wrong = expected.copy()
                wrong[tuple(where)] = left[tuple(where)]
                found.append((key, f"{what} was never computed: {why}", wrong))
    return found


# ---------------------------------------------------------------------------------------------
# The sums of each exercise, term by term

def z(inputs, expected):
    W, A = inputs["W"], inputs["A_prev"]
    return skipped_terms("k", W.shape[1], "every z_{j,i}", lambda t: f"w_{{j,{t}}} a_{{{t},i}}",
                         lambda t: expected - np.outer(W[:, t], A[t]))


def dW(inputs, expected):
    dZ, A = inputs["dZ"], inputs["A_prev"]
    return skipped_terms("i", dZ.shape[1], "every dJ/dw_{j,k}",
                         lambda t: f"dJ/dz_{{j,{t}}} a_{{k,{t}}}",
                         lambda t: expected - np.outer(dZ[:, t], A[:, t]))


def db(inputs, expected):
    dZ = inputs["dZ"]
    return skipped_terms("i", dZ.shape[1], "every dJ/db_j", lambda t: f"dJ/dz_{{j,{t}}}",
                         lambda t: expected - dZ[:, t:t + 1])


def dA_prev(inputs, expected):
    W, dZ = inputs["W"], inputs["dZ"]
    return skipped_terms("j", W.shape[0], "every dJ/da_{k,i}",
                         lambda t: f"w_{{{t},k}} dJ/dz_{{{t},i}}",
                         lambda t: expected - np.outer(W[t], dZ[t]))


def softmax_backward(inputs, expected):
    dA, A = inputs["dA"], inputs["A"]
    return skipped_terms("p", A.shape[0], "the p-sum of every dJ/dz_{j,i}",
                         lambda t: f"dJ/da_{{{t},i}} a_{{{t},i}}",
                         lambda t: expected + A * (dA[t] * A[t]))


def softmax_forward(inputs, expected):
    Z = inputs["Z"]
    E = np.exp(Z - Z.max(axis=0))
    S = E.sum(axis=0)
    if Z.shape[0] < 2:   # without its only term the denominator is 0
        return []
    return skipped_terms("p", Z.shape[0], "the denominator Σ_p exp(z_{p,i}) of every a_{j,i}",
                         lambda t: f"exp(z_{{{t},i}})", lambda t: E / (S - E[t]))


def cost(entries, J):
    """A cost's sums over the examples i and the nodes j: ``entries`` is each (j, i)'s share
    of J, 1/m included."""
    n, m = entries.shape
    return (skipped_terms("i", m, "J", lambda t: f"the terms of example i = {t}",
                          lambda t: J - entries[:, t].sum())
            + skipped_terms("j", n, "J", lambda t: f"the terms of node j = {t}",
                            lambda t: J - entries[t].sum()))
