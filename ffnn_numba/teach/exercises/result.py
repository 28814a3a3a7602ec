"""What ``check`` returns: every case's outcome, the mistake recognised, and the feedback."""
import itertools
import textwrap

import numpy as np

from . import grading


class CheckResult:
    """The outcome of checking one student function against one exercise.

    Attributes
    ----------
    exercise : Exercise
    outcomes : list of grading.Outcome
        One per case, fixed cases first.
    mistake : str or None
        The key of the common mistake recognised on a failing case ("sum_over_j",
        "relu_prime_zero", "accumulated", ...), or the kind of failure when no mistake
        explains the numbers ("error", "not_implemented", "timeout", "not_run",
        "returned_instead", "not_written", "changed_output", "modified_input", "no_value",
        "wrong_values"); None when every case passed.
    hint : str or None
        The recognised mistake in words ("the sum ran over j instead of k: ...").
    shown : grading.Outcome or None
        The failing case the feedback prints, the one the hint was read from: the first
        failure that a mistake explains, else the first failure.
    """

    def __init__(self, exercise, outcomes):
        self.exercise, self.outcomes = exercise, outcomes
        self.failures = [o for o in outcomes if not o.passed]
        self.mistake = self.hint = self.shown = None
        if self.failures:
            self.shown = self.failures[0]
            self.mistake = self.shown.problem
            found = self._recognise()
            if found:
                self.shown, (self.mistake, self.hint) = found

    @property
    def passed(self):
        return not self.failures

    def _recognise(self):
        """(the outcome, (key, message)) of the first failing case a mistake explains."""
        for outcome in self.failures:
            found = grading.diagnose(self.exercise, outcome)
            if found:
                return outcome, found
        return None

    def __str__(self):
        ex = self.exercise
        head = f"{ex.name} ({ex.function})"
        if self.passed:
            return wrap(f"{head}: passed all {len(self.outcomes)} cases: "
                        f"{sum(o.case.label.startswith('fixed') for o in self.outcomes)} fixed, "
                        f"the others random with sizes down to 1, in float64 and float32.", "")
        first = self.shown
        where = ("First failure" if first is self.failures[0] else
                 "The first failure a mistake explains")
        lines = [f"{head}: FAILED {len(self.failures)} of {len(self.outcomes)} cases: "
                 f"{_case_ranges(self.failures)}.",
                 f"{where}, {grading.describe_case(first.case)}:"]
        lines += [wrap(line, "  ") for line in first.lines]
        if self.hint:
            lines.append(wrap(f"It looks like {self.hint}.", "  "))
        elif first.problem == "wrong_values":
            lines.append(f"  The equation: {ex.equation}")
        lines += [wrap(line, "  ") for line in patterns(self.outcomes, self.hint and
                                                         self.mistake)]
        # an exception or a stopped call elsewhere says more than "FAILED" alone
        raised = next((o for o in self.failures if o.problem in ("error", "timeout")), None)
        if raised is not None and raised is not first:
            lines.append(wrap(f"Elsewhere, {grading.describe_case(raised.case)}: "
                              f"{raised.lines[0][3:]}", "  "))
            lines += [wrap(line, "  ") for line in raised.lines[1:]]
        lines += self._show_case(first)
        return "\n".join(lines)

    __repr__ = __str__

    def _show_case(self, outcome):
        """The failing case's arrays, when they are small enough to read."""
        arrays = dict(outcome.case.inputs)
        if isinstance(outcome.expected, dict):
            for name, value in outcome.expected.items():
                arrays[f"expected {name}"] = value
                if isinstance(outcome.got, dict):
                    arrays[f"{name} after the call"] = outcome.got[name]
        if any(np.size(v) > grading.SMALL for v in arrays.values()):
            return []
        digits = _digits(outcome)
        lines = ["The case:"]
        for name, value in arrays.items():
            output = name not in outcome.case.inputs   # expected X, X after the call
            text = _array_text(value, digits if output else 4)
            pad = " " * (len(name) + 5)
            lines.append(f"  {name} = " + text.replace("\n", "\n" + pad))
        return lines


def _array_text(value, digits):
    return np.array2string(np.asarray(value, np.float64), precision=digits,
                           suppress_small=digits == 4, separator=", ")


def _digits(outcome):
    """Decimals enough (4 at least) for the expected and the wrong output to print apart:
    a float32 rounding must not print as two equal arrays."""
    if not isinstance(outcome.expected, dict) or not isinstance(outcome.got, dict):
        return 4
    for digits in range(4, 13):
        if all(_array_text(outcome.expected[k], digits) != _array_text(outcome.got[k], digits)
               or np.array_equal(outcome.expected[k], outcome.got[k]) for k in outcome.got):
            return digits
    return 12


SIZE_NAMES = {"n": "n^[l]", "n_prev": "n^[l-1]", "m": "m"}


def patterns(outcomes, mistake=None):
    """What the failing cases have in common against the passing ones, when some pass: the
    dtype (float32 alone: a fixed dtype or tolerance; float64 alone: float32 arithmetic), a
    size of 1, or a size above 1 that every passing case has at 1. ``mistake``: the key of
    the mistake recognised, if any."""
    failed = [o.case for o in outcomes if not o.passed and o.problem != "not_run"]
    passed = [o.case for o in outcomes if o.passed]
    if not passed or not failed:
        return []
    if all(c.dtype == np.float32 for c in failed):
        return ["Only the float32 cases fail: is a dtype or a tolerance fixed somewhere?"]
    if all(c.dtype == np.float64 for c in failed) and any(c.dtype == np.float32 for c in passed):
        why = ("a difference float32's tolerance does not see" if mistake == "near_miss"
               else "computed in float32?")
        return [f"Only the float64 cases fail: {why} (float64 is checked to 1e-9 of the "
                f"values, float32 to 1e-4.)"]
    if all(1 in c.sizes.values() for c in failed):
        return ["Only cases with a size of 1 fail: check shapes such as (n,) against "
                "(n, 1), and any squeeze or reshape."]
    for letter, name in SIZE_NAMES.items():
        if (all(c.sizes.get(letter, 1) > 1 for c in failed)
                and all(c.sizes.get(letter) == 1 for c in passed)):
            return [f"Only cases with {name} > 1 fail: every case with {name} = 1 passes."]
    square = [all(v == next(iter(c.sizes.values())) for v in c.sizes.values()) for c in failed]
    if not any(square) and not mistake:
        return ["Only cases whose sizes differ fail, so an index letter may be in the wrong "
                "place (w[k, j] for w_{j,k}, say): that works only while the sizes it mixes up "
                "are equal."]
    return []


def wrap(line, indent):
    """A feedback line wrapped at 92 columns; an indented entry line keeps its indentation."""
    inner = indent + " " * (len(line) - len(line.lstrip()))
    return textwrap.fill(line.strip(), 92, initial_indent=inner,
                         subsequent_indent=inner + "  ", break_on_hyphens=False)


def _case_ranges(outcomes):
    """"fixed cases 1-2, random cases 3-10": the failing cases by kind, numbers in runs."""
    parts = []
    for kind, group in itertools.groupby(outcomes, lambda o: o.case.label.split(" case ")[0]):
        numbers = [int(o.case.label.split(" case ")[1]) for o in group]
        runs = []
        for _, run in itertools.groupby(enumerate(numbers), lambda t: t[1] - t[0]):
            run = [n for _, n in run]
            runs.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        parts.append(f"{kind} case{'s' if len(numbers) > 1 else ''} {', '.join(runs)}")
    return ", ".join(parts)
