"""A student's functions inside a real network: gradient check, comparison with the library's
kernels, and a short training, all on the "reference" backend (``ffnn_numba.reference``),
which runs one kernel per equation in plain Python and lets any of them be replaced."""
import copy
import inspect
import types

import numpy as np

from ... import datasets, reference, registry, validation
from .. import examples
from ..checks import agreement_tolerance, gradcheck
from ...network import Network
from .catalog import BY_FUNCTION, EXERCISES
from .deadline import TookTooLong, call_within
from .grading import TIMEOUT, Raised, raised_lines, took_too_long
from .result import wrap



def student_functions(functions):
    """{kernel name: function} from a dict (keyed by exercise or kernel names), a module (a
    student's file, see ``load_file``) or a list of functions named like the kernels."""
    if isinstance(functions, types.ModuleType):
        functions = {name: getattr(functions, name) for name in BY_FUNCTION
                     if callable(getattr(functions, name, None))}
    elif not isinstance(functions, dict):
        try:
            functions = {getattr(f, "__name__", repr(f)): f for f in functions}
        except TypeError:
            raise TypeError(f"functions must be a dict of name -> function, a module or a list "
                            f"of functions; got {type(functions).__name__}") from None
    found = {}
    for name, function in functions.items():
        kernel = EXERCISES[name].function if name in EXERCISES else name
        if kernel not in BY_FUNCTION or kernel not in reference.EQUATIONS:
            raise ValueError(f"{name!r} names no exercise or kernel; valid: "
                             f"{', '.join(BY_FUNCTION)} (or the exercise names)")
        if not callable(function):
            raise TypeError(f"{name} must be callable; got {function!r}")
        found[kernel] = function
    if not found:
        raise ValueError("no functions to try: pass at least one, e.g. "
                         "{'relu_backward': relu_backward}")
    return found


def outputs(cost):
    """n^[L]: binary cross-entropy has one output node, the other costs three."""
    return 1 if cost == "binary_cross_entropy" else 3


def lecture_problem(activations, cost, fused=False):
    """The lecture network (``examples.lecture_network``: the derivation's 3-3-3-3 network,
    nonzero biases, four examples) with these activations and cost, on the reference
    backend; binary cross-entropy keeps the first output node only. ``fused`` as in
    ``Network``: by default the chain as derived, so the seed and the output activation's
    backward step run."""
    lecture = examples.lecture_network()
    n = outputs(cost)
    net = Network((*examples.LAYER_SIZES[:-1], n), activations, cost, backend="reference",
                  fused=fused)
    for key, value in lecture.net.params.items():
        net.params[key] = value[:n] if key.endswith(str(net.n_layers)) else value
    return net, lecture.X, lecture.Y[:n]


def spiral_problem(activations, cost, n_per_class, seed, fused=False):
    """A 2-3-3-n^[L] network and (X, Y) from ``datasets.make_spirals``, with the targets
    each cost reads (labels for categorical, one row per class otherwise)."""
    n = outputs(cost)
    X, y = datasets.make_spirals(n_per_class, max(n, 2), seed=seed)
    Y = y if cost == "categorical_cross_entropy" else np.eye(max(n, 2))[:, y][-n:]
    net = Network((2, *examples.LAYER_SIZES[1:-1], n), activations, cost, backend="reference",
                  seed=seed, fused=fused)
    return net, X, Y


class _Counted:
    """A student's function that counts its calls, runs each within ``timeout`` seconds,
    and keeps the first exception it raised (``Raised``) or the first time it was stopped
    (``deadline.TookTooLong``) as ``failure``, for the report."""

    def __init__(self, function, timeout):
        self.function, self.calls, self.timeout, self.failure = function, 0, timeout, None
        self.__signature__ = inspect.signature(function)

    def __call__(self, *args):
        self.calls += 1
        try:
            return call_within(self.timeout, self._run, args)
        except TookTooLong as took:
            self.failure = self.failure or took
            raise

    def _run(self, args):
        try:
            return self.function(*args)
        except Exception as exc:  # read here, within the bound: its __str__ is the student's
            self.failure = self.failure or Raised.read(exc)
            raise


class TrialReport:
    """What ``try_in_network`` found; prints as the report. ``passed`` when every function
    passed its exercise, at least one ran in the network, the gradient check passed and the
    gradients agree with the library's. A function the network never called is named as such
    in the report. ``stopped`` names the student's function that raised or was stopped in a
    network (None when none did); the network checks then have no results."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    @property
    def passed(self):
        return (self.stopped is None and all(r.passed for r in self.exercises.values())
                and any(c.calls for c in self.counted.values()) and self.gradcheck.passed
                and self.difference <= self.tolerance)

    def __str__(self):
        lines = self._functions() + [""]
        lines += self._stopped() if self.stopped is not None else self._checks()
        lines += ["", "passed" if self.passed else "FAILED"]
        return "\n".join(line if len(line) <= 92 or line.startswith(" ") else wrap(line, "")
                         for line in "\n".join(lines).split("\n"))

    def _functions(self):
        sizes = "-".join(map(str, self.net.layer_sizes))
        lines = [f"Your functions in the lecture network "
                 f"(ffnn_numba.teach.examples.lecture_network: layers {sizes}, activations "
                 f"{', '.join(self.net.activations)}, cost {self.net.cost_name}) on the "
                 f"reference backend:", ""]
        width = max(map(len, self.counted))
        for kernel, counted in self.counted.items():
            result = self.exercises[kernel]
            status = ("passed its exercise" if result.passed else
                      f"FAILED its exercise ({result.mistake})")
            if result.hint:
                status += f": it looks like {result.hint}"
            calls = f"called {counted.calls} times" if counted.calls else "not used by this network"
            lines.append(wrap(f"{kernel:<{width}}  ({BY_FUNCTION[kernel].name}): {calls}; "
                              f"{status}", "  "))
        if self.net.fused:
            lines.append(wrap(f"The output pair ({self.net.activations[-1]}, {self.net.cost_name}) "
                         f"is fused: the network computes dJ/dz^[L] = (a - y)/m with "
                         f"output_delta and J from the logits, so the output activation's "
                         f"backward step, the seed and J from a do not run. Leave "
                         f"fused=False (the default) to run them.", "  "))
        if (self.stopped is None and not all(r.passed for r in self.exercises.values())
                and self.gradcheck.passed and self.difference <= self.tolerance):
            lines.append(wrap("A function can fail its exercise and still pass below: the "
                              "network may never meet the case it gets wrong (z exactly 0, "
                              "say). Print ffnn_numba.exercises.check(name, function) for the "
                              "details.", "  "))
        return lines

    def _stopped(self):
        """Why the network runs ended early: the student's function that raised or was
        stopped, in the words of its exercise's feedback."""
        counted = self.counted[self.stopped]
        failure = counted.failure
        lines = (raised_lines(BY_FUNCTION[self.stopped], failure) if isinstance(failure, Raised)
                 else (took_too_long(failure),))
        return ([wrap(f"In the network, on its call {counted.calls}, {self.stopped} "
                      f"{lines[0][3:]}", "")] + [wrap(line, "  ") for line in lines[1:]]
                + ["So the gradient check, the comparison with the library's kernels and the "
                   "training did not run."])

    def _checks(self):
        return ["Backpropagation against central differences of J (gradcheck), with your "
                "functions:", str(self.gradcheck), "",
                f"Against the library's kernels on the same network and examples: J "
                f"{self.J:.6g} (library {self.J_library:.6g}); the gradients differ by at most "
                f"{self.difference:.1e} of their size "
                + ("(rounding: pass)" if self.difference <= self.tolerance else
                   f"(more than rounding, {self.tolerance:.0e}: FAIL)"), "",
                f"Training a {'-'.join(map(str, self.trained.layer_sizes))} network, "
                f"{self.epochs} epochs of gradient descent on {self.m} spiral points, the "
                f"same start and shuffles for both (J of epoch 1 and of epoch {self.epochs}):",
                f"  with your functions:   {self.history[0]:.6g} -> {self.history[-1]:.6g}",
                f"  with the library's:    {self.history_library[0]:.6g} -> "
                f"{self.history_library[-1]:.6g}"]

    __repr__ = __str__


def try_in_network(functions, activations=None, cost="categorical_cross_entropy", epochs=50,
                   learning_rate=1.0, n_per_class=30, seed=0, timeout=TIMEOUT, fused=False):
    """Run networks with some equations replaced by the student's functions.

    Each function is first checked on its own exercise, then plugged into the reference
    backend with ``ffnn_numba.reference.replaced``. On the lecture network (the
    derivation's 3-3-3-3 network of ``ffnn_numba.teach.examples``, whose numbers the docs print),
    ``gradcheck`` compares backpropagation with central differences, and J and every
    gradient are compared with the library's kernels. Then a 2-3-3-n^[L] network trains for
    a few epochs on spirals beside a copy that runs the library's kernels.

    Parameters
    ----------
    functions : dict, module or list of callables
        Kernel name or exercise name -> the student's function (``{"relu_backward": f}`` or
        ``{"dZ_relu": f}``); a module (a student's file) or a list of functions named like
        the kernels.
    activations : sequence of str, optional
        One per layer, three; by default the lecture network's relu, tanh and the cost's
        natural output (softmax for categorical cross-entropy).
    cost : str
        One of ``ffnn_numba.COSTS``.
    fused : bool, default False
        False runs the chain as the derivation writes it (``Network(fused=False)``): J from
        a, the seed and the output activation's backward step, so the student's versions of
        them run. True (or None) lets a fused pair (softmax or sigmoid with a cross-entropy)
        take its shortcut, output_delta, instead.
    epochs, learning_rate, n_per_class, seed
        The training: epochs of plain gradient descent, its α, the spirals' size, and the
        seed of the spirals, the initial weights and the shuffles.
    timeout : float or None, default 3
        Seconds each call of a student's function may take, in its exercise's cases (see
        ``check``) and in the networks. A function that raises, or is stopped, in a network
        ends the network runs; the report says which and why.

    Returns
    -------
    TrialReport
        Prints as the report; ``passed`` says whether everything agreed.
    """
    from . import check, check_timeout
    functions = student_functions(functions)
    cost = validation.check_cost(cost)
    if activations is None:
        activations = ["relu", "tanh", registry.DEFAULT_OUTPUT[cost]]
    epochs = validation.check_positive_int(epochs, "epochs")
    timeout = check_timeout(timeout)
    seed = validation.check_positive_int(seed, "seed", minimum=0)
    if fused is not None:
        validation.check_bool(fused, "fused")
    chain = False if fused is False else None   # True or None: a fused pair's own shortcut
    net, X, Y = lecture_problem(activations, cost, chain)
    trained, X_train, Y_train = spiral_problem(
        activations, cost, validation.check_positive_int(n_per_class, "n_per_class"), seed,
        chain)
    library, library_trained = copy.deepcopy(net), copy.deepcopy(trained)
    exercises = {kernel: check(kernel, f, seed, timeout) for kernel, f in functions.items()}
    counted = {kernel: _Counted(f, timeout) for kernel, f in functions.items()}
    try:
        with reference.replaced(**counted), np.errstate(all="ignore"):
            report = gradcheck(net, X, Y)
            J, grads = net.cost(X, Y), net.gradients(X, Y)
            history = trained.fit(X_train, Y_train, epochs=epochs, learning_rate=learning_rate,
                                  seed=seed, verbose=False)["cost"]
    except (Exception, TookTooLong):
        stopped = next((kernel for kernel, c in counted.items() if c.failure is not None), None)
        if stopped is None:   # not the student's: the library's own error goes through
            raise
        return TrialReport(net=net, counted=counted, exercises=exercises, stopped=stopped)
    J_library, grads_library = library.cost(X, Y), library.gradients(X, Y)
    history_library = library_trained.fit(X_train, Y_train, epochs=epochs,
                                          learning_rate=learning_rate, seed=seed,
                                          verbose=False)["cost"]
    difference = max(float(np.max(np.abs(grads[k] - ref)) / max(float(np.max(np.abs(ref))), 1e-300))
                     for k, ref in grads_library.items())
    tolerance = max(agreement_tolerance(net.layer_sizes, X.shape[1], np.float64), 1e-12)
    return TrialReport(net=net, trained=trained, counted=counted, exercises=exercises,
                       stopped=None, gradcheck=report, J=J, J_library=J_library,
                       difference=difference, tolerance=tolerance, epochs=epochs,
                       m=X_train.shape[1], history=history, history_library=history_library)
