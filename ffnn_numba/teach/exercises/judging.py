"""Judge what a student's function left in its outputs (or returned) against the expected
values, entry by entry. Used by ``grading``; ``diagnosis`` names the likely mistake."""
from typing import NamedTuple

import numpy as np

# Relative tolerance per dtype, against |expected| plus the largest |expected| of the output:
# room for another summation order (and for float32, another precision of the sums), far
# below any mistake the checks look for.
TOLERANCE = {np.float64: 1e-9, np.float32: 1e-4}
SHOWN = 3          # wrong entries listed per case
SMALL = 36         # arrays up to this many entries are printed in full


class Case(NamedTuple):
    label: str
    sizes: dict
    dtype: type
    inputs: dict


def starting_values(shape, dtype):
    """What an output holds before the call: nonzero, so that a missing write or a += shows."""
    return ((np.arange(int(np.prod(shape))).reshape(shape) % 7 + 1) * 0.375).astype(dtype)


class Outcome(NamedTuple):
    """What happened on one case. ``problem`` is a key (None when the case passed):
    "error", "not_implemented", "timeout", "not_run", "returned_instead", "not_written",
    "changed_output", "modified_input", "no_value" or "wrong_values"."""
    case: Case
    problem: object
    lines: tuple            # feedback lines for this case
    got: object = None      # the student's output (dict of copies of the arrays, or J)
    expected: object = None
    error: object = None    # the exception the function raised (TookTooLong for "timeout")

    @property
    def passed(self):
        return self.problem is None


def judge_value(case, returned, expected):
    if returned.text is None:
        return Outcome(case, "no_value", ("It returned None: return J as a float.",),
                       expected=expected)
    if returned.value is None or returned.value.size != 1:
        return Outcome(case, "no_value", (f"It returned {returned.text}: return J as a float, "
                                          f"one number.",), expected=expected)
    got = float(returned.value.reshape(()))
    if close(got, expected, case.dtype):
        return Outcome(case, None, (), got=got, expected=expected)
    lines = (f"J {_off_by(got, expected)}",) + ((NOT_FINITE,) if not np.isfinite(got) else ())
    return Outcome(case, "wrong_values", lines, got=got, expected=expected)


def _changed_itself(exercise, outputs, initial):
    """The line for an output whose dtype or shape the function changed, or None."""
    for name in exercise.outputs:
        before, after = initial[name], outputs[name]
        if before.dtype != after.dtype or before.shape != after.shape:
            what = (f"its dtype from {before.dtype} to {after.dtype}" if before.dtype != after.dtype
                    else f"its shape from {before.shape} to {after.shape}")
            return (f"It changed the array {name} itself, {what} ({name}.shape = ..., "
                    f"{name}.dtype = ... or {name}.resize do that). The caller's array keeps "
                    f"the shape {before.shape} and dtype {before.dtype} it came with: write "
                    f"its entries, {name}[...] = ....")
    return None


def judge_arrays(exercise, case, outputs, initial, expected, returned):
    changed = _changed_itself(exercise, outputs, initial)
    if changed:
        return Outcome(case, "changed_output", (changed,), expected=expected)
    outputs = {k: v.copy() for k, v in outputs.items()}   # the student may keep the arrays
    untouched = all(np.array_equal(outputs[k], initial[k]) for k in outputs)
    if untouched and returned.array_like:
        name = exercise.outputs[0]
        right = (returned.value is not None and returned.value.shape == expected[name].shape
                 and close(returned.value, expected[name], case.dtype))
        return Outcome(case, "returned_instead", (
            f"It returned its result instead of writing it into {name}, which it left as it "
            f"came in. Kernels fill the outputs the caller passes (outputs first): write "
            f"{name}[...] = ... and return nothing." + (" The values you returned are right."
                                                        if right else ""),),
            got=outputs, expected=expected)
    if untouched:
        name = exercise.outputs[0]
        return Outcome(case, "not_written", (
            f"It left {name} as it came in. If it says `{name} = ...`, that only rebinds the "
            f"local name and the caller never sees it: write into the array, "
            f"{name}[...] = ... or {name}[j, i] = ....",), got=outputs, expected=expected)
    lines = []
    for name in exercise.outputs:
        lines += _wrong_entries(exercise, name, outputs[name], expected[name], initial[name],
                                case.dtype)
    return Outcome(case, "wrong_values" if lines else None, tuple(lines), got=outputs,
                   expected=expected)


def _wrong_entries(exercise, name, got, expected, initial, dtype):
    wrong = np.argwhere(~close_mask(got, expected, dtype))
    if not wrong.size:
        return []
    letter = {"Z": "z", "A": "a"}.get(name, name)
    letters = exercise.letters
    lines = [f"{len(wrong)} of {expected.size} entries of {name} are wrong "
             f"(indices 1-based, {', '.join(letters)} as in the equation):"]
    for index in wrong[:SHOWN]:
        at = tuple(index)
        shown = entry_name(index[:len(letters)])   # b_j and db_j have one index: the column is 1
        if got[at] == initial[at]:
            lines.append(f"  {letter}{shown} was never written: it still holds "
                         f"{number_text(got[at])}, the value the array came in with "
                         f"(expected {number_text(expected[at])})")
        else:
            lines.append(f"  {letter}{shown} {_off_by(got[at], expected[at])}")
    if len(wrong) > SHOWN:
        lines.append(f"  ... and {len(wrong) - SHOWN} more")
    if not np.isfinite(got[tuple(wrong.T)]).all():
        lines.append(NOT_FINITE)
    return lines


NOT_FINITE = ("nan comes from 0/0, inf − inf, or the log or square root of a negative "
              "number; inf from a division by 0, log(0), or an overflow (exp of a large "
              "number, say).")


def _off_by(got, expected):
    """"differs by 1.0 (expected 1.5, got 0.5; relative error 0.667)"; "is nan (expected 1.5)".
    "differs by", not "off by": the difference is a value, not an index."""
    if not np.isfinite(got):
        return f"is {number_text(got)} (expected {number_text(expected)})"
    expected_text, got_text = distinct_texts(expected, got)
    relative = (f"; relative error {abs(got - expected) / abs(expected):.2g}" if expected != 0
                else "")
    difference = number_text(abs(got - expected))
    if difference.lstrip("-").isdigit():   # "1.0": a float, never read as an index
        difference += ".0"
    return f"differs by {difference} (expected {expected_text}, got {got_text}{relative})"


def distinct_texts(expected, got):
    """Both numbers with as many significant digits (6 at least) as it takes to tell them
    apart: -0.0166096 and -0.0166096 hide a float32 rounding that -0.016609622 and
    -0.016609624 show."""
    for digits in range(6, 18):
        texts = [number_text(x, digits) for x in (expected, got)]
        if texts[0] != texts[1]:
            break
    return tuple(texts)


def entry_name(index):
    """1-based, as the derivation writes it."""
    return "[" + ",".join(str(int(i) + 1) for i in index) + "]"


def number_text(x, digits=6):
    text = f"{float(x):.{digits}g}"
    return "0" if text == "-0" else text


def close_mask(got, expected, dtype):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    scale = np.max(np.abs(expected), initial=0.0)
    return np.abs(got - expected) <= TOLERANCE[dtype] * (np.abs(expected) + scale) + 1e-300


def close(got, expected, dtype):
    return bool(np.all(close_mask(got, expected, dtype)))
