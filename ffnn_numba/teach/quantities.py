"""The equation of each quantity ``explain`` shows, built with its numbers.

Each builder takes a ``Context`` (the network, its trace in float64, the 0-based indices) and
returns a ``Built``: the left-hand side, the right-hand sides from symbols to numbers, the
backend's value, the summands, the value recomputed by the reference kernels, notes, rows
(labelled terms) and the highlight for a drawing. Indices are 0-based here; every label and
symbol shows them 1-based, as the derivation writes them.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from . import formulas
from .. import registry
from .equation import Add, Apply, Deriv, Div, Lit, Mul, Num, Paren, Pow, Sum, Sym, added, mul
from ..kernels import costs, linear

J_SYMBOL = Sym("J")


@dataclass
class Context:
    net: object
    t: dict            # the trace of net.gradients, in float64
    Y: np.ndarray      # (n^[L], m), float64
    l: int             # 1-based layer (L for J and the seed)
    j: int = None      # 0-based indices
    k: int = None
    i: int = None
    long_way: bool = False   # dZ^[L] of a fused pair through the seed and the sum over p
    cost: float = None       # J as the backend computed it (for quantity J)

    @property
    def m(self):
        return self.Y.shape[1]

    @property
    def L(self):
        return self.net.n_layers

    @property
    def name(self):
        return self.net.activations[self.l - 1]


@dataclass
class Built:
    lhs: object
    steps: list          # right-hand sides, from the symbols to the numbers
    value: float
    terms: list
    recomputed: float
    notes: list = field(default_factory=list)
    rows: list = field(default_factory=list)   # (label, equation, value) of labelled terms
    highlights: dict = field(default_factory=dict)
    numbers: int = -1    # the step that shows ``terms`` with their numbers


def node(l, j):
    return ("node", l, j + 1)


def edge(l, j, k):
    return ("edge", l, j + 1, k + 1)


def highlight(target, terms=(), example=None):
    return {"target": target, "terms": [(e, float(v)) for e, v in terms],
            "example": None if example is None else example + 1}


def sym(letter, sub, layer=None):
    """A symbol; integer indices are 0-based and shown 1-based, letters as they are."""
    return Sym(letter, tuple(str(s + 1) if isinstance(s, int) else s for s in sub), layer)


def _one(kernel, out_shape, *inputs):
    """The one value a reference kernel computes from the slices ``inputs`` (float64)."""
    out = np.empty(out_shape)
    formulas.python(kernel)(out, *(np.array(x, dtype=np.float64) for x in inputs))
    return out[0, 0]


def z_(c):
    l, j, i = c.l, c.j, c.i
    W, b, A = c.net.params[f"W{l}"].astype(np.float64), c.net.params[f"b{l}"], c.t[f"A{l - 1}"]
    ks = range(W.shape[1])
    steps = [Add((Sum("k", mul(sym("w", (j, "k"), l), sym("a", ("k", i), l - 1))),
                  sym("b", (j,), l))),
             Add((added(mul(Num(W[j, k]), Num(A[k, i])) for k in ks), Num(b[j, 0])))]
    z = _one(linear.linear_forward, (1, 1), W[j:j + 1], A[:, i:i + 1], b[j:j + 1])
    where = "the inputs" if l == 1 else f"the nodes of layer {l - 1}"
    touched = [(edge(l, j, k), W[j, k]) for k in ks] + [(node(l - 1, k), A[k, i]) for k in ks]
    return Built(sym("z", (j, i), l), steps, c.t[f"Z{l}"][j, i],
                 [W[j, k] * A[k, i] for k in ks] + [float(b[j, 0])], z,
                 [f"The sum runs over k = 1..{len(ks)}, {where}."],
                 highlights=highlight(node(l, j), touched, i))


def a_(c):
    l, j, i = c.l, c.j, c.i
    z = c.t[f"Z{l}"][:, i]
    lhs, value = sym("a", (j, i), l), c.t[f"A{l}"][j, i]
    if c.name != "softmax":
        g = formulas.activation_value(c.name, z[j])
        return Built(lhs, [formulas.g(c.name, sym("z", (j, i), l)), formulas.g(c.name, Num(z[j]))],
                     value, [g], g, [f"{c.name} is element-wise: a_{{{j + 1},{i + 1}}} reads "
                                     f"z_{{{j + 1},{i + 1}}} only."],
                     highlights=highlight(node(l, j), [(node(l, j), z[j])], i))

    def exp(x):
        return Apply("exp", (x,))

    steps = [formulas.softmax(sym("z", (j, i), l), sym("z", ("p", i), l)),
             Div(exp(Num(z[j])), Paren(added(exp(Num(zp)) for zp in z)))]
    with np.errstate(over="ignore"):
        terms = [float(np.exp(zp)) for zp in z]
    return Built(lhs, steps, value, terms, formulas.softmax_value(z, j),
                 [f"Softmax is coupled: a_{{{j + 1},{i + 1}}} reads every z_{{p,{i + 1}}}, "
                  f"p = 1..{len(z)} (the terms are the exp(z_p) of the denominator)."],
                 highlights=highlight(node(l, j), [(node(l, p), zp) for p, zp in enumerate(z)], i))


def J_(c):
    net, L, m, cost = c.net, c.L, c.m, c.net.cost_name
    A, Z = c.t[f"A{L}"], c.t[f"Z{L}"]
    n = A.shape[0]
    symbolic = formulas.cost(cost, sym("a", ("j", "i"), L), sym("y", ("j", "i")))
    sign = (f"each one divided by 2m = {2 * m}" if cost == "mean_squared_error" else
            f"each one negated (J = −(1/m) Σ ...) and divided by m = {m}")
    cells = [(j, i) for i in range(m) for j in range(n)]     # Σ_i outside, Σ_j inside
    terms = [formulas.cost_term_value(net, Z, A, c.Y, j, i) for j, i in cells]
    rows = [(f"(j, i) = ({j + 1}, {i + 1})",
             formulas.cost_term(cost, Num(A[j, i]), Num(c.Y[j, i]), Lit(str(m))), v)
            for (j, i), v in zip(cells, terms)]
    notes = [f"J sums {len(terms)} terms, one per output node j = 1..{n} and example "
             f"i = 1..{m}, {sign}; J is their plain sum:"]
    if net.fused:   # the values come from the logits kernel, as the backend's do
        notes.append("Each term's value is computed as the backend computes J, from the logits "
                     "z^[L]: " + ("−log a_{j,i} = log Σ_p exp(z_{p,i}) − z_{j,i}."
                                  if cost == "categorical_cross_entropy" else
                                  "−(y log a + (1 − y) log(1 − a)) = max(z, 0) − z y + "
                                  "log(1 + exp(−|z|))."))
    totals = [(node(L, j), math.fsum(terms[i * n + j] for i in range(m))) for j in range(n)]
    steps = [symbolic, added(Num(v) for v in terms)]
    if net.l2 > 0:
        steps, terms = _l2_penalty(c, steps, terms, notes)
    return Built(J_SYMBOL, steps, c.cost, terms, math.fsum(terms), notes, rows,
                 highlight(None, totals))


def _l2_penalty(c, steps, terms, notes):
    """J's L2 term, λ/(2m) Σ_l Σ_j Σ_k (w_{j,k}^[l])², added to its equation."""
    penalty = formulas.l2_penalty_value(c.net, c.m)
    weights = Sum("l", Sum("j", Sum("k", Pow(sym("w", ("j", "k"), "l"), 2))))
    notes.append(f"The last term is the L2 penalty, λ = {c.net.l2:g}.")
    return ([Add((steps[0], Mul((Paren(Div(Sym("λ"), Paren(Lit("2m")))), weights), dot=False))),
             Add((steps[1], Num(penalty)))], terms + [penalty])


def seed_(c):
    L, j, i, m, cost = c.L, c.j, c.i, c.m, c.net.cost_name
    a, y = c.t[f"A{L}"][j, i], c.Y[j, i]
    dA = formulas.seed_values(cost, c.t[f"A{L}"], c.Y)
    steps = [formulas.seed(cost, sym("a", (j, i), L), sym("y", (j, i)), Lit("m")),
             formulas.seed(cost, Num(a), Num(y), Lit(str(m)))]
    notes = ["The seed of backpropagation: J's 1/m comes with it."]
    if c.net.fused:
        notes.append(f"For {c.net.activations[-1]} with {cost} backpropagation skips this seed: "
                     f"the chain through the seed simplifies to dZ^[L] = (A − Y)/m "
                     f"(explain 'dZ' with fused=False shows it).")
    return Built(Deriv(J_SYMBOL, sym("a", (j, i), L)), steps, c.t[f"dA{L}"][j, i],
                 [dA[j, i]], dA[j, i], notes,
                 highlights=highlight(node(L, j), [(node(L, j), a)], i))


def dZ_(c):
    lhs = Deriv(J_SYMBOL, sym("z", (c.j, c.i), c.l))
    if c.l == c.L and c.net.fused and not c.long_way:
        return _delta(c, lhs)
    return _chain(c, lhs)


def _a_minus_y(c, number):
    """(a_{j,i} − y_{j,i}) / m, in symbols or with numbers."""
    L, j, i = c.L, c.j, c.i
    if number:
        return formulas.output_delta(Num(c.t[f"A{L}"][j, i]), Num(c.Y[j, i]), Lit(str(c.m)))
    return formulas.output_delta(sym("a", (j, i), L), sym("y", (j, i)), Lit("m"))


def _delta(c, lhs):
    """dZ^[L] = (A − Y)/m of the fused output/cost pairs."""
    L, j, i = c.L, c.j, c.i
    dZ = np.empty_like(c.t[f"A{L}"])
    formulas.python(costs.output_delta)(dZ, c.t[f"A{L}"], c.Y)
    needs = "; it needs Σ_p y_{p,i} = 1" if c.name == "softmax" else ""
    notes = [f"{c.name} with {c.net.cost_name}: Σ_p ∂J/∂a_p ∂a_p/∂z_j simplifies to (a − y)/m "
             f"(series part 3{needs}); explain(..., fused=False) shows the sum over p in full."]
    return Built(lhs, [_a_minus_y(c, False), _a_minus_y(c, True)], c.t[f"dZ{L}"][j, i],
                 [dZ[j, i]], dZ[j, i], notes,
                 highlights=highlight(node(L, j), [(node(L, j), dZ[j, i])], i))


def _partial(c, p, number):
    """∂a_p/∂z_j: softmax's a_p (δ_pj − a_j), or the element-wise slope (p = j)."""
    l, j, i = c.l, c.j, c.i
    if number:
        a, z = c.t[f"A{l}"][:, i], c.t[f"Z{l}"][:, i]
        a_p, a_j, z_j = Num(a[p]), Num(a[j]), Num(z[j])
    else:
        a_p, a_j, z_j = sym("a", (p, i), l), sym("a", (j, i), l), sym("z", (j, i), l)
    if registry.ACTIVATIONS[c.name].coupled:
        delta = Lit("1" if p == j else "0") if number else sym("δ", ("p", j))
        return formulas.softmax_partial(a_p, delta, a_j)
    return formulas.slope(c.name, z_j, a_j)


def _upstream(c, p, number):
    """∂J/∂a_{p,i}: the seed's formula at the output layer, else the number from layer l+1."""
    l, i = c.l, c.i
    if l < c.L:
        return Num(c.t[f"dA{l}"][p, i]) if number else Deriv(J_SYMBOL, sym("a", (p, i), l))
    if number:
        a, y, m = Num(c.t[f"A{l}"][p, i]), Num(c.Y[p, i]), Lit(str(c.m))
    else:
        a, y, m = sym("a", (p, i), l), sym("y", (p, i)), Lit("m")
    return Paren(formulas.seed(c.net.cost_name, a, y, m))


def _chain(c, lhs):
    """eq:dz_scalar: Σ_p ∂J/∂a_p ∂a_p/∂z_j, every ∂a_p/∂z_j written out with its numbers."""
    l, j, i = c.l, c.j, c.i
    z, a = c.t[f"Z{l}"][:, i], c.t[f"A{l}"][:, i]
    coupled = registry.ACTIVATIONS[c.name].coupled
    ps = range(len(z)) if coupled else [j]
    p_ = "p" if coupled else j
    formula = mul(_upstream(c, p_, False), _partial(c, p_, False))
    steps = [Sum("p", Mul((Deriv(J_SYMBOL, sym("a", ("p", i), l)),
                           Deriv(sym("a", ("p", i), l), sym("z", (j, i), l))), dot=False)),
             Sum("p", formula) if coupled else formula,
             added(mul(_upstream(c, p, True), _partial(c, p, True)) for p in ps)]
    dA = (formulas.seed_values(c.net.cost_name, c.t[f"A{l}"], c.Y) if l == c.L
          else c.t[f"dA{l}"])
    partials = [formulas.partial_value(c.name, z, a, j, p) for p in ps]
    terms = [dA[p, i] * d for p, d in zip(ps, partials)]
    notes = _chain_notes(c, coupled, partials)
    if l == c.L and c.net.fused:
        steps += [_a_minus_y(c, False), _a_minus_y(c, True)]
        because = " because Σ_p y_{p,i} = 1" if coupled else ""
        notes.append(f"The sum equals (a_j − y_j)/m{because}: the shortcut the "
                     f"{c.net.backend} backend takes (output_delta).")
    return Built(lhs, steps, c.t[f"dZ{l}"][j, i], terms, math.fsum(terms), notes,
                 highlights=highlight(node(l, j), [(node(l, p), v) for p, v in zip(ps, terms)],
                                      i), numbers=2)


def _chain_notes(c, coupled, partials):
    l, j, name = c.l, c.j, c.name
    if coupled:
        notes = [f"{name} is coupled: ∂a_p/∂z_j = a_p (δ_pj − a_j) is nonzero for every p "
                 f"(δ_pj = 1 if p = j, else 0)."]
    else:
        notes = [f"{name} is element-wise: ∂a_p/∂z_j = 0 for p ≠ j, so only p = {j + 1} remains, "
                 f"with ∂a_j/∂z_j = {partials[0] + 0.0:.4g}."]
    if l == c.L:
        notes.append("∂J/∂a_p^[L] is the seed, written out with its numbers.")
    else:
        notes.append(f"∂J/∂a_p^[{l}] comes back from layer {l + 1}: explain 'dA_prev' with "
                     f"l = {l + 1}, k = p shows it.")
    return notes


def dW_(c):
    l, j, k = c.l, c.j, c.k
    dZ, A = c.t[f"dZ{l}"], c.t[f"A{l - 1}"]
    m = dZ.shape[1]
    steps = [Sum("i", mul(Deriv(J_SYMBOL, sym("z", (j, "i"), l)), sym("a", (k, "i"), l - 1))),
             added(mul(Num(dZ[j, i]), Num(A[k, i])) for i in range(m))]
    terms = [dZ[j, i] * A[k, i] for i in range(m)]
    recomputed = _one(linear.weight_gradient, (1, 1), dZ[j:j + 1], A[k:k + 1])
    notes = [f"The sum runs over the i = 1..{m} examples; no 1/m here (it is in J)."]
    if c.net.l2 > 0:   # the gradient of J's L2 term, (λ/m) w_{j,k}
        lam, w = c.net.l2, float(c.net.params[f"W{l}"][j, k])
        steps = [Add((steps[0], mul(Paren(Div(Sym("λ"), Lit("m"))), sym("w", (j, k), l)))),
                 Add((steps[1], mul(Paren(Div(Num(lam), Lit(str(m)))), Num(w))))]
        terms.append(lam / m * w)
        recomputed += terms[-1]
        notes.append(f"The last term is the gradient of J's L2 penalty λ/(2m) Σ w², λ = {lam:g}: "
                     f"its 1/m is J's too.")
    over_examples = ([(node(l, j), dZ[j, i]) for i in range(m)]      # one number per example
                     + [(node(l - 1, k), A[k, i]) for i in range(m)])
    return Built(Deriv(J_SYMBOL, sym("w", (j, k), l)), steps, c.t[f"dW{l}"][j, k], terms,
                 recomputed, notes, highlights=highlight(edge(l, j, k), over_examples))


def db_(c):
    l, j = c.l, c.j
    dZ = c.t[f"dZ{l}"]
    return Built(Deriv(J_SYMBOL, sym("b", (j,), l)),
                 [Sum("i", Deriv(J_SYMBOL, sym("z", (j, "i"), l))), added(Num(x) for x in dZ[j])],
                 c.t[f"db{l}"][j, 0], list(dZ[j]), _one(linear.bias_gradient, (1, 1), dZ[j:j + 1]),
                 [f"The sum runs over the i = 1..{dZ.shape[1]} examples; no 1/m here (it is "
                  f"in J)."],
                 highlights=highlight(node(l, j), [(node(l, j), x) for x in dZ[j]]))


def dA_prev_(c):
    l, k, i = c.l, c.k, c.i
    W, dZ = c.net.params[f"W{l}"].astype(np.float64), c.t[f"dZ{l}"]
    js = range(W.shape[0])
    steps = [Sum("j", mul(sym("w", ("j", k), l), Deriv(J_SYMBOL, sym("z", ("j", i), l)))),
             added(mul(Num(W[j, k]), Num(dZ[j, i])) for j in js)]
    touched = [(edge(l, j, k), W[j, k]) for j in js] + [(node(l, j), dZ[j, i]) for j in js]
    return Built(Deriv(J_SYMBOL, sym("a", (k, i), l - 1)), steps, c.t[f"dA{l - 1}"][k, i],
                 [W[j, k] * dZ[j, i] for j in js],
                 _one(linear.prev_activation_gradient, (1, 1), W[:, k:k + 1], dZ[:, i:i + 1]),
                 [f"The sum runs over the j = 1..{len(js)} nodes of layer {l}: node k = {k + 1} "
                  f"of layer {l - 1} feeds every one of them."],
                 highlights=highlight(node(l - 1, k), touched, i))


BUILDERS = {"z": z_, "a": a_, "J": J_, "dA": seed_, "dZ": dZ_, "dW": dW_, "db": db_,
            "dA_prev": dA_prev_}
