"""Name the mistake behind one failing case, from that case alone (``diagnose``).

The result prints one case and one hint: both come from the same case, so the numbers shown
are the ones the hint explains. For wrong numbers the order is: the exercise's own mistakes
(``mistakes``, each computed as the wrong output it gives), a loop one value short
(``loops``), the mistakes any output can show (an accumulated or transposed output, a flipped
sign), then the patterns a wrong output has as a whole: float32's precision (or a near
miss), a constant factor. For an exception: a shape NumPy could not broadcast.
"""
import re

import numpy as np

from . import loops
from .judging import TOLERANCE, close, number_text, starting_values


def diagnose(exercise, outcome):
    """The mistake (key, message) that explains a failing case's outcome, or None.

    Parameters
    ----------
    exercise : catalog.Exercise
    outcome : judging.Outcome
        One failing case ("wrong_values" or "error"; any other problem has no diagnosis).
    """
    if outcome.problem == "error":
        return _shape_error(exercise, outcome.error)
    if outcome.problem != "wrong_values":
        return None
    case, got, expected = outcome.case, outcome.got, outcome.expected
    inputs = {k: np.asarray(v, np.float64) for k, v in case.inputs.items()}
    if not exercise.outputs:
        actual, right = got, expected
        candidates = exercise.find_mistakes(inputs, expected)
    else:
        name = exercise.outputs[0]
        actual, right = got[name], np.asarray(expected[name], np.float64)
        initial = starting_values(right.shape, case.dtype).astype(np.float64)
        candidates = (exercise.find_mistakes(inputs, right)
                      + loops.skipped_slices(name, exercise.letters, right, initial)
                      + _generic(name, right, initial))
    for key, message, wrong in candidates:
        wrong = np.asarray(wrong, np.float64)
        if (np.shape(wrong) == np.shape(right) and not close(wrong, right, case.dtype)
                and close(actual, wrong, case.dtype)):
            return key, message
    return _precision(case, actual, right) or _factor(actual, right, case.dtype)


def _generic(name, expected, initial):
    found = [("accumulated", f"the function added to {name} (+=) without clearing it first: "
              f"the kernel overwrites its outputs, so start each entry afresh instead of from "
              f"what {name} held", expected + initial),
             ("wrong_sign", "every entry has the wrong sign", -expected)]
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1]:
        found.append(("transposed_output", f"the output is transposed: the entry for row r, "
                      f"column c landed in {name}[c, r]", expected.T))
    return found


def _precision(case, actual, right):
    """A float64 case whose numbers hold to float32's tolerance: float32 arithmetic when
    every number is a float32 one, else a small epsilon or an approximation."""
    if case.dtype != np.float64 or not close(actual, right, np.float32):
        return None
    actual = np.asarray(actual, np.float64)
    tolerances = (f"within {TOLERANCE[np.float32]:g}) but not to float64's "
                  f"({TOLERANCE[np.float64]:g})")
    if np.array_equal(actual.astype(np.float32).astype(np.float64), actual):
        return ("computed_in_float32", f"your numbers agree with the right ones to float32's "
                f"precision (about 7 significant digits, {tolerances}, and every one of them "
                f"is a float32 number: computed in float32? (an array made with "
                f"dtype=np.float32, an astype(np.float32) or a float32 buffer)")
    return ("near_miss", f"your numbers are close to the right ones (to float32's tolerance, "
            f"{tolerances}: a small epsilon (log(a + 1e-8), a clip) or an approximation "
            f"shifts them a little")


def _factor(actual, right, dtype):
    """Every entry the same multiple c of the right one (c ≠ 0, ±1): a constant factor."""
    actual, right = np.asarray(actual, np.float64), np.asarray(right, np.float64)
    nonzero = np.abs(right) > 1e-12 * np.max(np.abs(right), initial=0.0)
    if right.size < 2 or nonzero.sum() < 2:   # one number: any two differ by "a factor"
        return None
    c = float(np.median(actual[nonzero] / right[nonzero]))
    if abs(c) < 1e-12 or not close(actual, c * right, dtype) or close(abs(c), 1.0, dtype):
        return None
    return ("constant_factor", f"every entry is {number_text(c)} times the right one: a "
            f"constant factor is off (a 1/m, a 1/n^[l], a 2 or a 1/2 too many or too few?)")


# numpy's "could not broadcast input array from shape (3,) into shape (3,1)" and
# "operands could not be broadcast together with shapes (2,4) (2,)"
_SHAPES = re.compile(r"shapes? \(([\d,]*)\) (?:into shape )?\(([\d,]*)\)")


def _shape_error(exercise, error):
    """A sum that lost its axis (no keepdims=True): shape (n,) where (n, 1) belongs."""
    found = _SHAPES.search(str(error)) if isinstance(error, ValueError) else None
    if found is None:
        return None
    shapes = [tuple(int(s) for s in part.split(",") if s) for part in found.groups()]
    flat = next((s for s in shapes if len(s) == 1), None)
    other = next((s for s in shapes if len(s) == 2), None)
    if flat is None or other is None or flat[0] != other[0] or other[0] == other[1]:
        return None
    output = exercise.outputs[0] if exercise.outputs else "the output"
    return ("missing_keepdims", f"a sum lost its axis: a result of shape ({flat[0]},) met one "
            f"of shape ({other[0]}, {other[1]}). A sum over axis=1 without keepdims=True has "
            f"shape (n,), which NumPy lines up with the last axis (a row), not with the rows "
            f"of a column: keep the axis, .sum(axis=1, keepdims=True) gives (n, 1) (or write "
            f"{output}[:, 0] = ... for a column)")
