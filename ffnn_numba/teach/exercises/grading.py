"""Run a student's function on an exercise's cases and say, index by index, what is wrong.

Each case hands the function fresh copies of its inputs and outputs that hold other numbers
(so that an output left unwritten, or accumulated into, shows), exactly as the kernel is
called. The expected outputs come from the reference kernel's own Python source.
"""
import os
import traceback
from typing import NamedTuple

import numpy as np

from ..formulas import python

# Relative tolerance per dtype, against |expected| plus the largest |expected| of the output:
# room for another summation order (and for float32, another precision of the sums), far
# below any mistake the checks look for.
TOLERANCE = {np.float64: 1e-9, np.float32: 1e-4}
SHOWN = 3          # wrong entries listed per case
SMALL = 36         # arrays up to this many entries are printed in full
_HERE = os.path.dirname(os.path.abspath(__file__))

FIXED_SIZES = {3: [(3, 3, 3), (2, 3, 4)], 2: [(3, 3), (2, 4)]}
RANDOM_SIZES = {3: [(1, 1, 1), (1, 3, 2), (4, 1, 3), (3, 2, 1), (5, 4, 6)],
                2: [(1, 1), (1, 5), (4, 1), (3, 5), (6, 2)]}


class Case(NamedTuple):
    label: str
    sizes: dict
    dtype: type
    inputs: dict


def cases(exercise, seed=0):
    """The fixed cases (the same for every seed, numbers a student can redo by hand), then
    random ones drawn from ``seed``, every size down to 1, in float64 and float32."""
    letters = exercise.size_letters
    fixed = FIXED_SIZES[len(letters)]
    if exercise.function.startswith("binary_cross_entropy"):
        fixed = [(1, 4), (3, 3)]   # binary first, then multi-label
    fixed_rng, rng = np.random.default_rng(2021), np.random.default_rng(seed)
    found = []
    for number, shape in enumerate(fixed, 1):
        found.append(_case(exercise, f"fixed case {number}", letters, shape, np.float64,
                           fixed_rng, True))
    for number, (shape, dtype) in enumerate(
            [(s, d) for s in RANDOM_SIZES[len(letters)] for d in (np.float64, np.float32)], 1):
        found.append(_case(exercise, f"random case {number}", letters, shape, dtype, rng, False))
    return found


def _case(exercise, label, letters, shape, dtype, rng, by_hand):
    sizes = dict(zip(letters, shape))
    return Case(label, sizes, dtype, exercise.draw(rng, sizes, dtype, by_hand))


def describe_case(case):
    names = {"n": "n^[l]", "n_prev": "n^[l-1]", "m": "m"}
    sizes = ", ".join(f"{names[k]} = {v}" for k, v in case.sizes.items())
    return f"{case.label} ({sizes}, {np.dtype(case.dtype).name})"


class Outcome(NamedTuple):
    """What happened on one case. ``problem`` is a key (None when the case passed):
    "error", "not_implemented", "returned_instead", "not_written", "modified_input",
    "no_value" or "wrong_values"."""
    case: Case
    problem: object
    lines: tuple            # feedback lines for this case
    got: object = None      # the student's output (dict of arrays, or J)
    expected: object = None
    error: object = None    # the exception the function raised

    @property
    def passed(self):
        return self.problem is None


def shape_of(argument, sizes):
    return tuple(sizes.get(s, s) for s in argument.shape)


def expected_outputs(exercise, case):
    inputs = {k: v.copy() for k, v in case.inputs.items()}
    if not exercise.outputs:
        return float(python(exercise.kernel)(**inputs))
    outputs = {a.name: np.zeros(shape_of(a, case.sizes), case.dtype)
               for a in exercise.arguments if a.name in exercise.outputs}
    python(exercise.kernel)(**outputs, **inputs)
    return outputs


def starting_values(shape, dtype):
    """What an output holds before the call: nonzero, so that a missing write or a += shows."""
    return ((np.arange(int(np.prod(shape))).reshape(shape) % 7 + 1) * 0.375).astype(dtype)


def run(exercise, case, student):
    """Call ``student`` like the kernel on ``case`` and judge its outputs."""
    expected = expected_outputs(exercise, case)
    inputs = {k: v.copy() for k, v in case.inputs.items()}
    outputs = {a.name: starting_values(shape_of(a, case.sizes), case.dtype)
               for a in exercise.arguments if a.name in exercise.outputs}
    initial = {k: v.copy() for k, v in outputs.items()}
    arguments = {**outputs, **inputs}
    try:
        returned = student(*(arguments[a.name] for a in exercise.arguments))
    except Exception as exc:  # any exception of the student's code is feedback, not a crash
        return _raised(exercise, case, exc, expected)
    changed = [_first_change(name, case.inputs[name], inputs[name]) for name in inputs
               if not np.array_equal(inputs[name], case.inputs[name], equal_nan=True)]
    if not exercise.outputs:
        outcome = _judge_value(case, returned, expected)
    else:
        outcome = _judge_arrays(exercise, case, outputs, initial, expected, returned)
    if changed:   # reported first: a changed input may well explain wrong outputs too
        return outcome._replace(problem="modified_input", lines=(
            f"It modified its input: {'; '.join(changed)}. A kernel only writes its outputs "
            f"({', '.join(exercise.outputs) or 'it returns J'}); compute into a new array or "
            f"into the output instead of changing an input in place.",) + outcome.lines)
    return outcome


def _first_change(name, before, after):
    """"W[1,2] changed from 0.5 to 0": the first entry of an input the function changed."""
    if before.shape != after.shape:
        return f"{name} changed shape from {before.shape} to {after.shape}"
    index = tuple(np.argwhere(~((before == after) | (np.isnan(before) & np.isnan(after))))[0])
    return (f"{name}{_index(index)} changed from {_number(before[index])} to "
            f"{_number(after[index])}")


def _raised(exercise, case, exc, expected):
    if isinstance(exc, NotImplementedError):
        return Outcome(case, "not_implemented", (
            f"Not implemented yet: {exercise.function} raises NotImplementedError (the "
            f"template's placeholder). Replace that line with your code.",),
            expected=expected, error=exc)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(_HERE)]
    lines = [f"It raised {type(exc).__name__}: {exc}"]
    if not frames and isinstance(exc, TypeError):
        lines.append(f"It could not be called as {exercise.signature}: take the kernel's "
                     f"arguments in that order, outputs first.")
    for frame in frames[-2:]:
        lines.append(f"  at line {frame.lineno} of {os.path.basename(frame.filename)}, in "
                     f"{frame.name}" + (f": {frame.line}" if frame.line else ""))
    return Outcome(case, "error", tuple(lines), expected=expected, error=exc)


def _judge_value(case, returned, expected):
    if returned is None:
        return Outcome(case, "no_value", ("It returned None: return J as a float.",),
                       expected=expected)
    try:
        got = float(np.asarray(returned, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return Outcome(case, "no_value", (f"It returned {returned!r}: return J, one number.",),
                       expected=expected)
    if _close(got, expected, case.dtype):
        return Outcome(case, None, (), got=got, expected=expected)
    return Outcome(case, "wrong_values", (f"J is off by {_number(abs(got - expected))} "
                                          f"(expected {_number(expected)}, got {_number(got)})",),
                   got=got, expected=expected)


def _judge_arrays(exercise, case, outputs, initial, expected, returned):
    untouched = all(np.array_equal(outputs[k], initial[k]) for k in outputs)
    if untouched and isinstance(returned, (np.ndarray, list, tuple)):
        name = exercise.outputs[0]
        right = (np.shape(returned) == expected[name].shape
                 and _close(np.asarray(returned, np.float64), expected[name], case.dtype))
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
    wrong = np.argwhere(~_close_mask(got, expected, dtype))
    if not wrong.size:
        return []
    letter = {"Z": "z", "A": "a"}.get(name, name)
    letters = exercise.letters
    lines = [f"{len(wrong)} of {expected.size} entries of {name} are wrong "
             f"(indices 1-based, {', '.join(letters)} as in the equation):"]
    for index in wrong[:SHOWN]:
        at = tuple(index)
        shown = _index(index[:len(letters)])   # b_j and db_j have one index: the column is 1
        if got[at] == initial[at]:
            lines.append(f"  {letter}{shown} was never written: it still holds "
                         f"{_number(got[at])}, the value the array came in with "
                         f"(expected {_number(expected[at])})")
        else:
            lines.append(f"  {letter}{shown} is off by {_number(abs(got[at] - expected[at]))} "
                         f"(expected {_number(expected[at])}, got {_number(got[at])})")
    if len(wrong) > SHOWN:
        lines.append(f"  ... and {len(wrong) - SHOWN} more")
    return lines


def _index(index):
    """1-based, as the derivation writes it."""
    return "[" + ",".join(str(int(i) + 1) for i in index) + "]"


def _number(x):
    text = f"{float(x):.6g}"
    return "0" if text == "-0" else text


def _close_mask(got, expected, dtype):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    scale = np.max(np.abs(expected), initial=0.0)
    return np.abs(got - expected) <= TOLERANCE[dtype] * (np.abs(expected) + scale) + 1e-300


def _close(got, expected, dtype):
    return bool(np.all(_close_mask(got, expected, dtype)))


def diagnose(exercise, outcome):
    """The mistake (key, message) the student's output of a failing case matches, if any:
    the exercise's own list first, then the ones any output can show."""
    case, got, expected = outcome.case, outcome.got, outcome.expected
    inputs = {k: np.asarray(v, np.float64) for k, v in case.inputs.items()}
    if not exercise.outputs:
        candidates = exercise.find_mistakes(inputs, expected)
        actual, right = got, expected
    else:
        name = exercise.outputs[0]
        actual, right = got[name], np.asarray(expected[name], np.float64)
        initial = starting_values(right.shape, case.dtype).astype(np.float64)
        candidates = exercise.find_mistakes(inputs, right) + _generic(name, right, initial)
    for key, message, wrong in candidates:
        wrong = np.asarray(wrong, np.float64)
        if (np.shape(wrong) == np.shape(right) and not _close(wrong, right, case.dtype)
                and _close(actual, wrong, case.dtype)):
            return key, message
    return None


def _generic(name, expected, initial):
    found = [("accumulated", f"the function added to {name} (+=) without clearing it first: "
              f"the kernel overwrites its outputs, so start each entry afresh instead of from "
              f"what {name} held", expected + initial),
             ("wrong_sign", "every entry has the wrong sign", -expected)]
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1]:
        found.append(("transposed_output", f"the output is transposed: the entry for row r, "
                      f"column c landed in {name}[c, r]", expected.T))
    return found
