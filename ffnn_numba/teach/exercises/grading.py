"""Run a student's function on an exercise's cases and say, index by index, what is wrong.

Each case hands the function fresh copies of its inputs and outputs that hold other numbers
(so that an output left unwritten, or accumulated into, shows), exactly as the kernel is
called. The expected outputs come from the reference kernel's own Python source, on the
case's own inputs, which the function never sees. Whatever the function does (raise, loop
forever under its time bound, return or write something else, change its arguments) is
feedback on that case, never an error of the grader's; only what is not an Exception
(KeyboardInterrupt, SystemExit) goes through.
"""
import os
import traceback
from typing import NamedTuple

import numpy as np

from ..formulas import python
from .deadline import TookTooLong, call_within
from .diagnosis import diagnose  # noqa: F401 - grading.diagnose, for result and the tests
from .judging import (SMALL, Case, Outcome, entry_name, judge_arrays,  # noqa: F401 - SMALL
                      judge_value, number_text, starting_values)

TIMEOUT = 3.0      # seconds a case may take by default: these kernels take microseconds
MESSAGE = 300      # characters of an exception's message or a returned value's repr shown
_HERE = os.path.dirname(os.path.abspath(__file__))

FIXED_SIZES = {3: [(3, 3, 3), (2, 3, 4)], 2: [(3, 3), (2, 4)]}
RANDOM_SIZES = {3: [(1, 1, 1), (1, 3, 2), (4, 1, 3), (3, 2, 1), (5, 4, 6)],
                2: [(1, 1), (1, 5), (4, 1), (3, 5), (6, 2)]}


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


class Raised(NamedTuple):
    """An exception of the student's, read where it was caught, while the time bound ran:
    its message (its ``__str__`` is the student's code too) and the frames it went through
    up to there (the traceback grows as the exception travels on)."""
    error: Exception
    message: str
    frames: list

    @classmethod
    def read(cls, exc):
        return cls(exc, message(exc), traceback.extract_tb(exc.__traceback__))


class Returned(NamedTuple):
    """What the function returned, read at once, while the time bound ran: ``value`` a
    float64 copy of its numbers (None when it holds anything else: strings, objects, a
    ragged list, complex numbers), ``text`` its repr, shortened (None when the function
    returned None), ``array_like`` whether it was an array, a list or a tuple."""
    value: object
    text: object
    array_like: bool


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


def run_all(exercise, cases, student, timeout=TIMEOUT):
    """``run`` on each case in turn. After a call that could not be stopped (no SIGALRM),
    the later cases are not run: each would leave one more call running in the background."""
    outcomes = []
    for case in cases:
        left = next((o for o in outcomes if o.problem == "timeout" and not o.error.stopped),
                    None)
        outcomes.append(run(exercise, case, student, timeout) if left is None else Outcome(
            case, "not_run", (f"Not run: the call on {describe_case(left.case)} still runs in "
                              f"the background.",)))
    return outcomes


def run(exercise, case, student, timeout=TIMEOUT):
    """Call ``student`` like the kernel on ``case``, within ``timeout`` seconds (None: no
    bound), and judge its outputs."""
    expected = expected_outputs(exercise, case)
    inputs = {k: v.copy() for k, v in case.inputs.items()}
    outputs = {a.name: starting_values(shape_of(a, case.sizes), case.dtype)
               for a in exercise.arguments if a.name in exercise.outputs}
    initial = {k: v.copy() for k, v in outputs.items()}
    arguments = {**outputs, **inputs}
    try:
        with np.errstate():   # a np.seterr of the student's ends with its call
            returned, raised = call_within(timeout, call, student,
                                           [arguments[a.name] for a in exercise.arguments])
    except TookTooLong as took:
        return Outcome(case, "timeout", (took_too_long(took),), expected=expected, error=took)
    changed = [_first_change(name, case.inputs[name], inputs[name]) for name in inputs
               if _differs(case.inputs[name], inputs[name])]
    if raised is not None:
        outcome = _raised(exercise, case, raised, expected)
    elif not exercise.outputs:
        outcome = judge_value(case, returned, expected)
    else:
        outcome = judge_arrays(exercise, case, outputs, initial, expected, returned)
    if not changed:
        return outcome
    modified = (f"It modified its input: {'; '.join(changed)}. A kernel only writes its "
                f"outputs ({', '.join(exercise.outputs) or 'it returns J'}); compute into a "
                f"new array or into the output instead of changing an input in place.")
    if raised is not None:   # the exception stays the problem; the change is said after it
        return outcome._replace(lines=outcome.lines + (modified,))
    # reported first: a changed input may well explain wrong outputs too
    return outcome._replace(problem="modified_input", lines=(modified,) + outcome.lines)


def call(student, arguments):
    """Run the student's function and read what it gave back: (Returned, None), or (None,
    Raised) for any exception of its code. Meant to run inside the time bound: reading the
    result runs the student's code too (a returned object's ``__array__`` or ``__repr__``,
    an exception's ``__str__``)."""
    try:
        returned = student(*arguments)
    except Exception as exc:  # any exception of the student's code is feedback, not a crash
        return None, Raised.read(exc)
    if returned is None:
        return Returned(None, None, False), None
    return Returned(_numbers(returned), _repr(returned),
                    isinstance(returned, (np.ndarray, list, tuple))), None


def _numbers(value):
    """A float64 copy of the numbers ``value`` holds, or None if it holds anything else."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        array = np.asarray(value)
        return array.astype(np.float64) if array.dtype.kind in "biuf" else None
    except Exception:  # a ragged list, an object of the student's that refuses: not numbers
        return None


def message(exc):
    """An exception's message, shortened; its ``__str__`` may itself fail."""
    try:
        return shortened(str(exc))
    except Exception as failure:  # the student's own __str__
        return f"(its message could not be read: str() raised {type(failure).__name__})"


def _repr(value):
    try:
        return shortened(repr(value))
    except Exception as failure:  # the student's own __repr__
        return f"a {type(value).__name__} (whose repr() raised {type(failure).__name__})"


def shortened(text):
    if len(text) <= MESSAGE:
        return text
    return f"{text[:MESSAGE]}… ({len(text)} characters in all)"


def took_too_long(took):
    """The feedback line of a call stopped by its time bound (``deadline.TookTooLong``)."""
    where = ("and was stopped" if took.stopped else
             "and still runs in the background: without SIGALRM (on Windows, or off the "
             "main thread) a call cannot be stopped")
    return (f"It took longer than {took.seconds:g} s {where}. An infinite loop? (A while "
            f"loop whose condition never changes, say. If it is only slow, as a first "
            f"compilation with Numba can be, give a larger timeout.)")


def _differs(before, after):
    return (before.dtype != after.dtype or before.shape != after.shape
            or not np.array_equal(before, after, equal_nan=True))


def _first_change(name, before, after):
    """"W[1,2] changed from 0.5 to 0": the first entry of an input the function changed."""
    if before.dtype != after.dtype:   # W.dtype = ..., which may change the shape as well
        return f"{name} changed dtype from {before.dtype} to {after.dtype}"
    if before.shape != after.shape:
        return f"{name} changed shape from {before.shape} to {after.shape}"
    index = tuple(np.argwhere(~((before == after) | (np.isnan(before) & np.isnan(after))))[0])
    return (f"{name}{entry_name(index)} changed from {number_text(before[index])} to "
            f"{number_text(after[index])}")


def _raised(exercise, case, raised, expected):
    exc = raised.error
    if isinstance(exc, NotImplementedError):
        return Outcome(case, "not_implemented", (
            f"Not implemented yet: {exercise.function} raises NotImplementedError (the "
            f"template's placeholder). Replace that line with your code.",),
            expected=expected, error=exc)
    return Outcome(case, "error", raised_lines(exercise, raised), expected=expected, error=exc)


def raised_lines(exercise, raised):
    """The feedback on an exception (``Raised``): its type and message, and the student's
    own last lines it went through (the grader's frames left out)."""
    exc = raised.error
    frames = [f for f in raised.frames if not os.path.abspath(f.filename).startswith(_HERE)]
    lines = [f"It raised {type(exc).__name__}: {raised.message}"]
    if not frames and isinstance(exc, TypeError):
        lines.append(f"It could not be called as {exercise.signature}: take the kernel's "
                     f"arguments in that order, outputs first.")
    for frame in frames[-2:]:
        lines.append(f"  at line {frame.lineno} of {os.path.basename(frame.filename)}, in "
                     f"{frame.name}" + (f": {shortened(frame.line)}" if frame.line else ""))
    return tuple(lines)
