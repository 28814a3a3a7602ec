"""Graded exercises: write each equation of the derivation as a plain Python/NumPy function
and check it, index by index.

Every exercise is one reference kernel of ``ffnn_numba.kernels``, named after the quantity
its equation defines: ``z`` (linear_forward), ``a_<activation>`` and ``dZ_<activation>``,
``J_<cost>`` and ``seed_<cost>``, ``dZ_output`` (output_delta), ``dW``, ``db`` and
``dA_prev``. The student's function takes the kernel's arguments, outputs first, and
overwrites its outputs (J is returned). ``check`` runs it on fixed cases and on random ones,
compares with the kernel's own output and names the common mistakes it recognises. No
solutions are shipped: the expected numbers come from the library's kernels.

>>> import ffnn_numba.teach.exercises as ex
>>> print(ex.describe("z"))                  # doctest: +SKIP
>>> print(ex.check("z", linear_forward))     # doctest: +SKIP
"""
import importlib.util
import os
import sys
import textwrap
import traceback

from ... import validation
from .catalog import BY_FUNCTION, EXERCISES, Exercise
from .deadline import TookTooLong, call_within
from .grading import TIMEOUT, cases, message, took_too_long
from .result import CheckResult

__all__ = ["CheckResult", "Exercise", "check", "check_file", "command", "describe", "exercise",
           "listing", "names", "template", "try_in_network"]

SIZE_NAMES = {"n": "n^[l]", "n_prev": "n^[l-1]", "m": "m"}
LETTER_RANGES = {"j": "j = 1..{n} a node of layer {l}", "k": "k = 1..n^[l-1] a node of layer l-1",
                 "i": "i = 1..m an example", "p": "p = 1..{n} the nodes of the same column"}


def names():
    """Every exercise's name, in the order of the derivation."""
    return list(EXERCISES)


def exercise(name):
    """The ``Exercise`` called ``name``, or whose function (kernel) is called ``name``."""
    if isinstance(name, Exercise):
        return name
    if isinstance(name, str) and name in BY_FUNCTION:
        return BY_FUNCTION[name]
    return EXERCISES[validation.check_choice("exercise", name, tuple(EXERCISES))]


def _last_layer(ex):
    return any(a.name == "Y" for a in ex.arguments)


def _shape(ex, shape):
    n = "n^[L]" if _last_layer(ex) else "n^[l]"
    return "(" + ", ".join(n if s == "n" else SIZE_NAMES.get(s, str(s)) for s in shape) + ")"


def template(name):
    """A Python file with the exercise's function: its signature, a docstring with the
    equation and the shapes, and a body that raises NotImplementedError."""
    ex = exercise(name)
    what = ("Return J as a float" if not ex.outputs else
            f"Overwrite every entry of {' and '.join(ex.outputs)} in place and return nothing")
    lines = ["import numpy as np", "", "", f"def {ex.signature}:", f'    """{ex.equation}', "",
             "    Indices are 1-based in the equation and 0-based in Python.",
             f"    {what}; leave the inputs unchanged.", "", "    Parameters", "    ----------"]
    for a in ex.arguments:
        lines += [f"    {a.name} : ndarray of shape {_shape(ex, a.shape)}", f"        {a.meaning}"]
    if not ex.outputs:
        lines += ["", "    Returns", "    -------", "    J : float"]
    lines += ['    """', f'    raise NotImplementedError("{ex.function}: write your code here")',
              ""]
    return "\n".join(lines)


def describe(name):
    """The task of an exercise, in words, followed by its template."""
    ex = exercise(name)
    n, l = ("n^[L]", "L") if _last_layer(ex) else ("n^[l]", "l")
    letters = [c for c in "jkip" if f"{c}," in ex.equation or f",{c}" in ex.equation
               or f"_{c}" in ex.equation]
    width = max(len(a.name) for a in ex.arguments)
    lines = [f"Exercise {ex.name}: write {ex.signature}" + (
                 "   (an extension: not in the derivation's series)" if ex.extension else ""),
             "", f"    {ex.equation}", ""]
    if letters:
        lines.append(_fill("with " + "; ".join(LETTER_RANGES[c].format(n=n, l=l)
                                               for c in letters) + "."))
    lines += ["", "Arguments, outputs first as in every kernel of the library:"]
    lines += [f"    {a.name:<{width}}  {_shape(ex, a.shape):<18} {a.meaning}" for a in ex.arguments]
    out = ex.outputs[0] if ex.outputs else None
    rules = (f"Overwrite every entry of {out} in place ({out}[j, i] = ... in loops, or "
             f"{out}[...] = ... with NumPy) and return nothing; leave the inputs unchanged."
             if out else "Return J as a float; leave the inputs unchanged.")
    lines += ["", _fill(rules + " Python counts from 0: the entry with 1-based indices "
                        "(j, i) is [j - 1, i - 1].")]
    if ex.notes:
        lines.append(_fill(ex.notes))
    lines += ["", "Check it:", f"    ffnn-numba exercise {ex.name} --check my_{ex.name}.py",
              "or in Python:", "    from ffnn_numba import exercises",
              f'    print(exercises.check("{ex.name}", {ex.function}))',
              "", f"Template (ffnn-numba exercise {ex.name} --template > my_{ex.name}.py):", "",
              template(ex)]
    return "\n".join(lines)


def _fill(text):
    return textwrap.fill(text, 92, break_on_hyphens=False)


def listing():
    """One line per exercise: its name and its equation (in its shortest form)."""
    width = max(map(len, EXERCISES))
    lines = ["Exercises: ffnn-numba exercise NAME prints the task, the function to write and "
             "a template.", "* marks extensions beyond the derivation's series.", ""]
    for ex in EXERCISES.values():
        parts = ex.equation.split(" = ")   # softmax's p-sum: the left side and its last form
        equation = ex.equation if len(parts) < 3 else f"{parts[0]} = {parts[-1]}"
        lines.append(f"  {ex.name:<{width}}  {equation}" + ("  *" if ex.extension else ""))
    return "\n".join(lines)


def check(name, function, seed=0, timeout=TIMEOUT):
    """Check a student's ``function`` against the exercise ``name``.

    Parameters
    ----------
    name : str
        An exercise name (see ``names()``) or its kernel's name ("linear_forward").
    function : callable
        Takes the kernel's arguments, outputs first; overwrites the outputs (or returns J).
    seed : int, default 0
        Seeds the random cases; the fixed cases are always the same.
    timeout : float or None, default 3
        Seconds of wall-clock time each case may take; a call that takes longer is stopped
        and the case fails as "timeout" (an infinite loop cannot hang the check). None
        means no bound. Off the main thread, and on Windows (no SIGALRM), such a call
        cannot be stopped: the check stops waiting for it, it runs on in the background,
        and the later cases are not run ("not_run").

    Returns
    -------
    CheckResult
        ``.passed``, ``.mistake`` (a key such as "sum_over_j") and ``.hint``; prints as the
        feedback, with 1-based indices.
    """
    ex = exercise(name)
    if not callable(function):
        raise TypeError(f"function must be callable, the student's {ex.signature}; got "
                        f"{type(function).__name__}")
    validation.check_seed(seed)
    timeout = check_timeout(timeout)
    from .grading import run_all
    return CheckResult(ex, run_all(ex, cases(ex, seed), function, timeout))


def check_timeout(timeout):
    """None, or a positive number of seconds."""
    return None if timeout is None else validation.check_real(timeout, "timeout", 0,
                                                              low_open=True)


# Seconds a student's file may take to import: far more than a case, since importing numba,
# torch or the like, or compiling at import, takes seconds on a cold machine.
IMPORT_TIMEOUT = 60.0


def load_file(path, timeout=IMPORT_TIMEOUT):
    """Import a student's file as a module, turning any failure into a ValueError that says
    where it failed; the import may take ``timeout`` seconds (None: no bound), so that a
    loop at the file's top level cannot hang the check."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path}")
    module_name = "student_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        call_within(check_timeout(timeout), spec.loader.exec_module, module)
    except TookTooLong as took:
        raise ValueError(f"{path} could not be imported: {took_too_long(took)[3:]} (Code at "
                         f"the top level of the file runs on import.)") from None
    except Exception as exc:  # the student's file: report, do not crash
        frame = (traceback.extract_tb(exc.__traceback__) or [None])[-1]
        where = getattr(exc, "lineno", None) or (frame.lineno if frame else "?")
        raise ValueError(f"{path} could not be imported: {type(exc).__name__} at line "
                         f"{where}: {message(exc)}") from None
    return module


def check_file(path, name=None, seed=0, timeout=TIMEOUT):
    """Check the exercise functions a student's file defines.

    ``name`` chooses one exercise (the file must define its function, e.g. linear_forward
    for "z"); without it, every function of the file named after an exercise's kernel is
    checked. ``seed`` and ``timeout`` as for ``check``. Returns a list of ``CheckResult``.
    """
    module = load_file(path)
    if name is not None:
        ex = exercise(name)
        if not callable(getattr(module, ex.function, None)):
            raise ValueError(f"{path} defines no function {ex.function}, the function of "
                             f"exercise {ex.name}")
        return [check(ex, getattr(module, ex.function), seed, timeout)]
    found = [ex for function, ex in BY_FUNCTION.items()
             if callable(getattr(module, function, None))]
    if not found:
        raise ValueError(f"{path} defines none of the exercises' functions "
                         f"({', '.join(BY_FUNCTION)})")
    return [check(ex, getattr(module, ex.function), seed, timeout) for ex in found]


def command(name=None, check_path=None, template_only=False, in_network=False, seed=0,
            out=None):
    """What ``ffnn-numba exercise [NAME] [--check FILE.py [--network]] [--template]`` does:
    list the exercises, print one (or only its template), or check a student's file (and
    try its functions in a network). Prints to ``out`` (standard output); returns the exit
    status, 0, or 1 when a checked function fails."""
    out = out or sys.stdout
    if in_network and check_path is None:
        raise ValueError("--network needs --check FILE.py: the file with your functions")
    if check_path is not None:
        results = check_file(check_path, name, seed)
        print("\n\n".join(map(str, results)), file=out)
        passed = all(r.passed for r in results)
        if in_network:
            report = try_in_network({r.exercise.function: load_file(check_path).__dict__[
                r.exercise.function] for r in results}, seed=seed)
            print("\n" + str(report), file=out)
            passed = passed and report.passed
        return 0 if passed else 1
    if name is None:
        print(listing(), file=out)
    else:
        print(template(name) if template_only else describe(name), file=out)
    return 0


def try_in_network(functions, **options):
    """Plug a student's functions into a network on the reference backend; see
    ``ffnn_numba.teach.exercises.in_network.try_in_network``."""
    from .in_network import try_in_network as run
    return run(functions, **options)
