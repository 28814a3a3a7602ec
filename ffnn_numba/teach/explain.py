"""``explain``: any scalar equation of the derivation, with its numbers.

Indices are 1-based here, as the derivation writes them: layers l = 1..L, nodes j, k, p from
1, examples i from 1. Every value shown is the one the network's backend computed, and each
explanation names the kernel that computed it. The equation is built once
(``ffnn_numba.teach.equation``) and rendered as plain text or LaTeX; its numbers are recomputed by
the reference kernels (``ffnn_numba.teach.formulas``) and compared with the backend's.
"""
import html

import numpy as np

from . import equation, formulas
from .. import validation
from ..kernels import step
from .quantities import BUILDERS, Context

QUANTITIES = ("z", "a", "J", "dA", "dZ", "dW", "db", "dA_prev")
NEEDS = {"z": "lji", "a": "lji", "dZ": "lji", "dA": "lji", "dW": "ljk", "db": "lj",
         "dA_prev": "lki", "J": ""}
ROWS_SHOWN = 24   # labelled terms listed before the rest are counted instead
ECHO = ("(“matches” re-adds this call's own intermediate numbers: it checks this equation's "
        "arithmetic, not the numbers it starts from; ff.gradcheck checks gradients independently.)")


def _value(x):
    return f"{float(x) + 0.0:.8g}"   # + 0.0: never "-0"


class Explanation:
    """One scalar equation of the derivation, with its numbers.

    Attributes
    ----------
    quantity : str
    indices : dict
        The 1-based indices, by letter.
    value : float
        The value the network's backend computed.
    terms : list of float
        The summands of the equation's sum, each already multiplied out (for an element-wise
        activation a, the one value g(z); for softmax a, the summands exp(z_{p,i}) of its
        denominator).
    recomputed : float
        The equation evaluated again, in float64, by the reference kernels on the numbers shown.
    lhs, steps : equation nodes
        The left-hand side and the right-hand sides, from symbols to numbers
        (``ffnn_numba.teach.equation``). ``symbolic`` is "lhs = the first step" as text and
        ``substituted`` the step that shows ``terms`` with their numbers.
    rows : list of (str, node, float)
        Labelled terms (J's, by (j, i)).
    backend : str
    kernel : str or None
        The file and name of the function that computed ``value`` on that backend (None for
        a backend this module does not know).
    highlights : dict
        What the equation touches in the network's figure, for ``ffnn_numba.teach.figure``:
        ``{"target": elem, "terms": [(elem, value), ...], "example": i}`` with elem
        ``("node", l, j)`` (layer 0 holds the inputs) or ``("edge", l, j, k)`` (the weight
        w_{j,k}^[l]), all 1-based; target and example are None where the quantity has none.
    layer_sizes : list of int
    """

    def __init__(self, quantity, indices, built, net, kernel, verbose=False):
        self.quantity, self.indices, self.backend = quantity, indices, net.backend
        layer_sizes, dtype = net.layer_sizes, net.dtype
        # what the figure shows beside the equation: the activations and the weights
        self.activations = list(net.activations)
        self.weights = {f"W{l}": net.params[f"W{l}"].copy() for l in range(1, len(layer_sizes))}
        self.lhs, self.steps, self.rows = built.lhs, built.steps, built.rows
        self._numbers = built.numbers
        self.value, self.recomputed = float(built.value), float(built.recomputed)
        self.terms = [float(x) for x in built.terms]
        self.notes, self.highlights = list(built.notes), built.highlights
        (self.kernel, self.remark), self.layer_sizes = kernel, list(layer_sizes)
        self.verbose = verbose
        self.tolerance = 1e-9 if dtype == np.float64 else 1e-4

    @property
    def symbolic(self):
        return f"{equation.text(self.lhs)} = {equation.text(self.steps[0])}"

    @property
    def substituted(self):
        return equation.text(self.steps[self._numbers])

    @property
    def matches(self):
        """Whether the recomputed value agrees with the backend's, to the dtype's precision."""
        return abs(self.recomputed - self.value) <= self.tolerance * max(1.0, abs(self.value))

    def _row_lines(self, render):
        shown = self.rows[:ROWS_SHOWN]
        lines = [f"    {label}:  {render(node)} = {equation.number(v)}" for label, node, v in shown]
        if len(self.rows) > len(shown):
            lines.append(f"    … and {len(self.rows) - len(shown)} more terms")
        return lines

    def __str__(self):
        where = ", ".join(f"{k} = {v}" for k, v in self.indices.items())
        lines = [self.symbolic] + [f"    = {equation.text(s)}" for s in self.steps[1:]]
        lines += [f"    = {_value(self.recomputed)}", ""]
        lines += self.notes[:1] + self._row_lines(equation.text) + self.notes[1:]
        lines.append("Indices are 1-based, as in the derivation"
                     + (f": {where}." if where else "."))
        if self.verbose or not self.matches:   # a mismatch is always said
            lines += self._engine_lines()
        return "\n".join(lines)

    def _engine_lines(self):
        """Which kernel of the backend computed the value, why that one, and whether the
        equation's own numbers give it: for ``verbose``, and for a mismatch."""
        if self.matches:
            verdict = f"matches (to {self.tolerance:.0e} relative)"
        else:
            verdict = f"DOES NOT MATCH (difference {abs(self.recomputed - self.value):.1e})"
        who = f"The {self.backend} backend" if self.kernel else f"The backend {self.backend}"
        how = f" with {self.kernel}" if self.kernel else ""
        return ([self.remark] if self.remark else []) + [
            f"{who} computed {_value(self.value)}{how}: {verdict}.", ECHO]

    def __repr__(self):
        return f"<Explanation {equation.text(self.lhs)} = {self.value:.6g}>"

    def latex(self):
        """The equation, its numbers and its value as a LaTeX ``aligned`` block."""
        body = [f"{equation.latex(self.lhs)} &= {equation.latex(self.steps[0])}"]
        body += [f"&= {equation.latex(s)}" for s in self.steps[1:]]
        body.append(f"&= {_value(self.recomputed)}")
        return "\\begin{aligned}\n" + " \\\\\n".join(body) + "\n\\end{aligned}"

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    def draw(self, path=None, format=None):
        """The network's figure with this equation's target and terms highlighted.

        Calls ``ffnn_numba.teach.figure.draw(self.layer_sizes, highlight=self, path=path,
        format=format, edges=self.weights)``, so every number is labelled with its symbol and
        the edges show the network's weights: with ``path`` None it returns the SVG text.
        """
        from .figure import draw   # imported here: the figure is optional
        return draw(self.layer_sizes, highlight=self, path=path, format=format,
                    edges=self.weights)

    def _repr_html_(self):
        """The figure above the equation, for notebooks (None, so that the LaTeX form shows,
        when the drawing module is missing)."""
        try:
            svg = self.draw()
        except ImportError:
            return None
        notes = html.escape("\n".join(str(self).splitlines()[len(self.steps) + 2:]))
        return f"<div>{svg}</div><div>{self._repr_latex_()}</div><pre>{notes}</pre>"


def _index(name, value, size, what):
    if value is None:
        raise ValueError(f"this quantity needs the index {name} ({what}: 1..{size})")
    validation.check_positive_int(value, name)
    if value > size:
        raise ValueError(f"{name} = {value} is out of range: {what} runs 1..{size}")
    return value - 1


def explain(net, X, Y, quantity, l=None, j=None, k=None, i=None, *, fused=None,
            verbose=False):
    """Show one scalar equation of forward or backward propagation with its numbers.

    Parameters
    ----------
    net : Network
    X, Y : array_like
        Inputs (n^[0], m) and targets, as for ``net.gradients``.
    quantity : {"z", "a", "J", "dA", "dZ", "dW", "db", "dA_prev"}
        ``dA`` is the seed dJ/dA^[L] of the last layer; ``dA_prev`` is dJ/da_{k,i}^[l-1].
    l, j, k, i : int
        1-based indices, as the derivation writes them: layer l, node j of layer l, node k
        of layer l - 1, example i. Each quantity needs its own: z, a, dZ need l, j, i;
        dW needs l, j, k; db needs l, j; dA_prev needs l, k, i; dA needs j, i; J none.
    fused : bool or None, default None
        Only for dZ of the output layer of a fused pair (softmax with categorical
        cross-entropy, sigmoid with binary or multi-label cross-entropy): False shows the
        full chain (the seed dJ/da_p, the sum over p with each ∂a_p/∂z_j written out, and
        that it equals (a − y)/m); None or True the shortcut (a − y)/m the network takes.
        Every other equation has one form and ignores False; True there is an error.
    verbose : bool, default False
        Also say which kernel of the backend computed the value (and why that one, e.g.
        its work against ``BLOCKED_MIN_WORK``) and that the equation's numbers give it.
        Without it those lines appear only when the value does not match.

    Returns
    -------
    Explanation
        Prints as the equation in symbols, then with numbers, then its value (with
        ``verbose``, also the backend's kernel and whether it matches).
    """
    validation.check_choice("quantity", quantity, QUANTITIES)
    if fused is not None:
        validation.check_bool(fused, "fused")
    validation.check_bool(verbose, "verbose")
    L = net.n_layers
    if quantity == "dA":
        if l not in (None, L):
            raise ValueError(f"dA is the seed dJ/dA^[L] of the last layer, l = {L}; got l = {l}. "
                             f"For dJ/da_{{k,i}}^[{l}] of a hidden layer ask for 'dA_prev' with "
                             f"l = {l + 1 if isinstance(l, int) else 'l + 1'} and k = j.")
        l = L
    t = net.gradients(X, Y, trace=True)
    X, Y = net.validate(X, Y)
    m, sizes = X.shape[1], net.layer_sizes
    l0 = _index("l", l, L, "layers") if quantity != "J" else L - 1
    l, needs = l0 + 1, NEEDS[quantity]
    if fused and not (quantity == "dZ" and l == L and net.fused):
        raise ValueError("fused=True names the shortcut dZ^[L] = (A - Y)/m, which only dZ of the "
                         "output layer of a fused output/cost pair takes")
    c = Context(net, {key: np.asarray(v, dtype=np.float64) for key, v in t.items()},
                np.asarray(Y, dtype=np.float64), l,
                _index("j", j, sizes[l], f"nodes of layer {l}") if "j" in needs else None,
                _index("k", k, sizes[l - 1], f"nodes of layer {l - 1}") if "k" in needs else None,
                _index("i", i, m, "examples") if "i" in needs else None,
                long_way=fused is False, cost=net.cost(X, Y) if quantity == "J" else None)
    indices = {letter: {"l": l, "j": j, "k": k, "i": i}[letter] for letter in needs}
    built = BUILDERS[quantity](c)
    return Explanation(quantity, indices, built, net, computed_by(net, quantity, l, m), verbose)


# -- which kernel computed the value -------------------------------------------------------

def _name(kernel):
    return formulas.python(kernel).__name__


def _product(net, l, m, quantity):
    """The loops backend's kernel for one of the three products of layer l, chosen as
    kernels/step.py chooses it (``step.blocked_pays``)."""
    n, n_prev = net.layer_sizes[l], net.layer_sizes[l - 1]
    rows, terms, columns = {"z": (n, n_prev, m), "dW": (n, m, n_prev),
                            "dA_prev": (n_prev, n, m)}[quantity]
    work = n * n_prev * m
    reference = "the plain loop nest of kernels/linear.py runs on backend \"reference\"."
    if quantity == "z" and m == 1:
        return ("kernels/blocked.py linear_forward_dots",
                f"one example: a dot product per node; {reference}")
    if quantity == "dW" and m <= 4:
        return ("kernels/blocked.py weight_gradient_outer",
                f"{m} example(s): an outer product each; {reference}")
    if step.blocked_pays(rows, terms, columns):
        kernel = {"z": "linear_forward_blocked", "dW": "weight_gradient_blocked",
                  "dA_prev": "prev_activation_gradient_blocked"}[quantity]
        return (f"kernels/blocked.py {kernel}", f"{work} multiply-adds, {columns} columns: the "
                f"register-tiled GEMM form (kernels/gemm.py); {reference}")
    kernel = {"z": "linear_forward_unrolled", "dW": "weight_gradient_dots",
              "dA_prev": "prev_activation_gradient_unrolled"}[quantity]
    return (f"kernels/blocked.py {kernel}", f"{work} multiply-adds and {columns} columns, "
            f"below BLOCKED_MIN_WORK = {step.BLOCKED_MIN_WORK} or BLOCKED_MIN_COLUMNS = "
            f"{step.BLOCKED_MIN_COLUMNS}: the unrolled form; {reference}")


def computed_by(net, quantity, l, m):
    """(kernel, remark): the file and name of the function that computed ``quantity`` on the
    network's backend, and a remark on why that one, or (None, None) for a backend this
    module does not know."""
    from .. import kernels
    backend = net.backend
    forward, backward = kernels.ACTIVATION_FUNCTIONS[net.activations[l - 1]]
    shortcut = quantity == "dZ" and l == net.n_layers and net.fused
    name = {"z": "linear_forward", "a": _name(forward), "J": _name(formulas.cost_kernel(net)),
            "dA": _name(kernels.COST_FUNCTIONS[net.cost_name][1]),
            "dZ": "output_delta" if shortcut else _name(backward), "dW": "weight_gradient",
            "db": "bias_gradient", "dA_prev": "prev_activation_gradient"}[quantity]
    remark = None
    if backend == "numpy":
        kernel = f"ffnn_numba/vectorized/__init__.py {name}"
    elif backend in ("loops", "reference"):
        module = {"a": "activations", "J": "costs", "dA": "costs",
                  "dZ": "costs" if shortcut else "activations"}.get(quantity, "linear")
        kernel = f"kernels/{module}.py {name}"
        if backend == "loops" and quantity in ("z", "dW", "dA_prev"):
            kernel, remark = _product(net, l, m, quantity)
        if backend == "reference":
            remark = "The reference backend runs the kernel's Python source (its py_func)."
    else:
        return None, None
    if net.l2 > 0 and quantity in ("J", "dW"):
        module = "kernels/step.py" if backend == "loops" else "ffnn_numba/vectorized_step.py"
        kernel += f" and {module} {'l2_penalty' if quantity == 'J' else 'l2_gradient'}"
    if quantity == "dA" and net.fused:
        remark = " ".join(filter(None, [remark, "The backend computes this seed for the trace "
                                        "only: the training step starts from output_delta."]))
    return kernel, remark
