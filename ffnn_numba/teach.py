"""``explain``: any scalar equation of the derivation, with its numbers.

Indices are 1-based here, as the derivation writes them: layers l = 1..L, nodes j, k, p from
1, examples i from 1. Every value shown is the one the network's backend computed; each
explanation recomputes it from its terms and says whether the two agree.
"""
import math
import re

import numpy as np

from . import kernels, registry, validation
from .checks import activation_jacobian
from .registry import ELU_ALPHA, LEAKY_RELU_SLOPE

QUANTITIES = ("z", "a", "J", "dA", "dZ", "dW", "db", "dA_prev")

# g(z) and ∂a_j/∂z_j of the element-wise activations, as text with {z} and {a} for numbers.
G_TEXT = {"linear": "{z}", "relu": "max(0, {z})",
          "leaky_relu": f"max({{z}}, {LEAKY_RELU_SLOPE:g}·{{z}})",
          "elu": f"({{z}} if {{z}} > 0 else {ELU_ALPHA:g}·(exp({{z}}) − 1))",
          "softplus": "log(1 + exp({z}))",
          "silu": "{z}·σ({z})", "sigmoid": "1 / (1 + exp(−{z}))", "tanh": "tanh({z})"}
DG_TEXT = {"linear": "1", "relu": "I({z} > 0)",
           "leaky_relu": f"(1 if {{z}} > 0 else {LEAKY_RELU_SLOPE:g})",
           "elu": f"(1 if {{z}} > 0 else {ELU_ALPHA:g}·exp({{z}}))", "softplus": "σ({z})",
           "silu": "σ({z})·(1 + {z}·(1 − σ({z})))", "sigmoid": "{a}·(1 − {a})",
           "tanh": "(1 − {a}²)"}
SHOWN = 5  # terms shown in full before a long sum is elided in the middle


def _num(x):
    text = f"{x:.4g}"
    return f"({text})" if text.startswith("-") else text


def _fill(template, **numbers):
    """``template`` with numbers in place of {z}, {a}."""
    return template.format(**{key: _num(x) for key, x in numbers.items()})


def _sym(letter, sub, l):
    return f"{letter}_{{{sub}}}^{{[{l}]}}"


def _sum(parts):
    if len(parts) > SHOWN:
        parts = parts[:3] + ["…"] + parts[-2:]
    return " + ".join(parts)


def _latex(text):
    """The plain-text notation of this module as LaTeX."""
    text = re.sub(r"∂J/∂(\S+)", r"\\frac{\\partial J}{\\partial \1}", text)
    text = re.sub(r"∂(\S+)/∂(\S+)", r"\\frac{\\partial \1}{\\partial \2}", text)
    text = re.sub(r"Σ_(\w)", r"\\sum_{\1}", text)
    for plain, tex in (("·", r" \cdot "), ("…", r"\dots"), ("σ", r"\sigma"), ("−", "-"),
                       ("²", "^2"), ("exp(", r"\exp("), ("log(", r"\log("), ("max(", r"\max("),
                       ("tanh(", r"\tanh(")):
        text = text.replace(plain, tex)
    return text


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
        The equation evaluated again, in float64, from the numbers shown.
    """

    def __init__(self, quantity, indices, symbolic, substituted, value, terms, recomputed,
                 backend, dtype, notes=()):
        self.quantity, self.indices, self.value, self.terms = quantity, indices, value, terms
        self.symbolic, self.substituted, self.recomputed = symbolic, substituted, recomputed
        self.backend, self.notes = backend, list(notes)
        self.tolerance = 1e-9 if dtype == np.float64 else 1e-4

    @property
    def matches(self):
        """Whether the recomputed value agrees with the backend's, to the dtype's precision."""
        return abs(self.recomputed - self.value) <= self.tolerance * max(1.0, abs(self.value))

    def __str__(self):
        where = ", ".join(f"{k} = {v}" for k, v in self.indices.items())
        lines = [self.symbolic, f"    = {self.substituted}", f"    = {self.recomputed:.8g}", ""]
        lines += self.notes
        lines.append("Indices are 1-based, as in the derivation" + (f": {where}." if where else "."))
        verdict = "matches" if self.matches else "DOES NOT MATCH"
        lines.append(f"The {self.backend} backend computed {self.value:.8g}: {verdict} "
                     f"(difference {abs(self.recomputed - self.value):.1e}).")
        return "\n".join(lines)

    def __repr__(self):
        return f"<Explanation {self.symbolic.split(' =')[0]} = {self.value:.6g}>"

    def latex(self):
        """The equation, its numbers and its value as a LaTeX ``aligned`` block."""
        lhs, rhs = self.symbolic.split(" = ", 1)
        return (f"\\begin{{aligned}}\n{_latex(lhs)} &= {_latex(rhs)} \\\\\n"
                f"&= {_latex(self.substituted)} \\\\\n&= {self.recomputed:.8g}\n\\end{{aligned}}")

    def _repr_latex_(self):
        return f"$${self.latex()}$$"


def _index(name, value, size, what):
    if value is None:
        raise ValueError(f"this quantity needs the index {name} ({what}: 1..{size})")
    validation.check_positive_int(value, name)
    if value > size:
        raise ValueError(f"{name} = {value} is out of range: {what} runs 1..{size}")
    return value - 1


def explain(net, X, Y, quantity, l=None, j=None, k=None, i=None):
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

    Returns
    -------
    Explanation
        Prints as the equation in symbols, then with numbers, then its value, and says
        whether that matches the value the backend computed.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}; valid: {', '.join(QUANTITIES)}")
    t = net.gradients(X, Y, trace=True)
    X, Y = net.validate(X, Y)
    L, m, sizes = net.n_layers, X.shape[1], net.layer_sizes
    if quantity == "dA":
        if l not in (None, L):
            raise ValueError(f"dA is the seed dJ/dA^[L] of the last layer, l = {L}; got l = {l}")
        l = L
    l0 = _index("l", l, L, "layers") if quantity != "J" else L - 1
    l = l0 + 1
    name = net.activations[l0]
    needs = {"z": "ji", "a": "ji", "dZ": "ji", "dA": "ji", "dW": "jk", "db": "j",
             "dA_prev": "ki", "J": ""}[quantity]
    j0 = _index("j", j, sizes[l], f"nodes of layer {l}") if "j" in needs else None
    k0 = _index("k", k, sizes[l - 1], f"nodes of layer {l - 1}") if "k" in needs else None
    i0 = _index("i", i, m, "examples") if "i" in needs else None
    indices = {"l": l} if quantity != "J" else {}
    indices.update({c: {"j": j, "k": k, "i": i}[c] for c in needs})
    f64 = {key: np.asarray(v, dtype=np.float64) for key, v in t.items()}
    Y64 = np.asarray(Y, dtype=np.float64)
    build = {"z": _z, "a": _a, "J": _J, "dA": _seed, "dZ": _dZ, "dW": _dW, "db": _db,
             "dA_prev": _dA_prev}[quantity]
    symbolic, substituted, value, terms, recomputed, notes = build(net, f64, Y64, l, j0, k0, i0,
                                                                   name)
    substituted = re.sub(r"\(\((-[\d.e+-]+)\)\)", r"(\1)", substituted)  # f((-1)) -> f(-1)
    return Explanation(quantity, indices, symbolic, substituted, float(value),
                       [float(x) for x in terms], float(recomputed), net.backend, net.dtype, notes)


def _z(net, t, Y, l, j, k, i, name):
    W, b, A = net.params[f"W{l}"].astype(np.float64), float(net.params[f"b{l}"][j, 0]), t[f"A{l - 1}"]
    J1, I1 = j + 1, i + 1
    symbolic = (f"{_sym('z', f'{J1},{I1}', l)} = Σ_k {_sym('w', f'{J1},k', l)} "
                f"{_sym('a', f'k,{I1}', l - 1)} + {_sym('b', J1, l)}")
    terms = [W[j, kk] * A[kk, i] for kk in range(W.shape[1])] + [b]
    shown = [f"{_num(W[j, kk])}·{_num(A[kk, i])}" for kk in range(W.shape[1])]
    substituted = f"{_sum(shown)} + {_num(b)}"
    notes = [f"The sum runs over the k = 1..{W.shape[1]} nodes of layer {l - 1}."]
    return symbolic, substituted, t[f"Z{l}"][j, i], terms, math.fsum(terms), notes


def _a(net, t, Y, l, j, k, i, name):
    Z = t[f"Z{l}"]
    J1, I1 = j + 1, i + 1
    lhs = _sym("a", f"{J1},{I1}", l)
    if name == "softmax":
        z = Z[:, i]
        terms = [math.exp(zp) for zp in z]
        symbolic = f"{lhs} = exp({_sym('z', f'{J1},{I1}', l)}) / Σ_p exp({_sym('z', f'p,{I1}', l)})"
        substituted = f"exp({_num(z[j])}) / ({_sum([f'exp({_num(zp)})' for zp in z])})"
        recomputed = math.exp(z[j] - z.max()) / math.fsum(math.exp(zp - z.max()) for zp in z)
        notes = [f"Softmax is coupled: a_{{{J1},{I1}}} reads every z_{{p,{I1}}}, p = 1..{len(z)}."]
    else:
        z = Z[j, i]
        symbolic = f"{lhs} = {G_TEXT[name].format(z=_sym('z', f'{J1},{I1}', l))}"
        substituted = _fill(G_TEXT[name], z=z)
        out = np.empty((1, 1))
        kernels.ACTIVATION_FUNCTIONS[name][0](out, np.array([[z]]))
        recomputed = float(out[0, 0])
        terms = [recomputed]
        notes = [f"{name} is element-wise: a_{{{J1},{I1}}} reads z_{{{J1},{I1}}} only."]
    return symbolic, substituted, t[f"A{l}"][j, i], terms, recomputed, notes


def _J(net, t, Y, l, j, k, i, name):
    L, cost = net.n_layers, net.cost_name
    A, Z = t[f"A{L}"], t[f"Z{L}"]
    m = A.shape[1]
    a, y = _sym("a", "j,i", L), "y_{j,i}"
    eps = np.finfo(net.dtype).eps
    if cost == "mean_squared_error":
        symbolic = f"J = 1/(2m) Σ_i Σ_j ({a} − {y})²"
        terms = ((A - Y) ** 2 / (2 * m)).ravel(order="F")
    elif cost == "categorical_cross_entropy":
        symbolic = f"J = −1/m Σ_i Σ_j {y}·log({a})"
        if net.fused:  # from the logits, as the kernels do: log a = z - logsumexp(z)
            log_a = Z - (Z.max(axis=0) + np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0)))
        else:
            log_a = np.log(np.maximum(A, eps))
        terms = (-Y * log_a / m).ravel(order="F")
    else:
        symbolic = f"J = −1/m Σ_i Σ_j ({y}·log({a}) + (1 − {y})·log(1 − {a}))"
        if net.fused:  # log σ(z) = -softplus(-z), log(1 - σ(z)) = -softplus(z)
            terms = ((np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))) / m).ravel(order="F")
        else:
            a_ = np.clip(A, eps, 1 - eps)
            terms = (-(Y * np.log(a_) + (1 - Y) * np.log(1 - a_)) / m).ravel(order="F")
    terms = [float(x) for x in terms]
    substituted = _sum([_num(x) for x in terms])
    notes = [f"One term per output node j = 1..{A.shape[0]} and example i = 1..{m}, each "
             f"already divided by m = {m}: the 1/m of the average lives in J."]
    value = net.cost(t["A0"], Y)
    return symbolic, substituted, value, terms, math.fsum(terms), notes


def _seed(net, t, Y, l, j, k, i, name):
    L, cost = net.n_layers, net.cost_name
    a, y = t[f"A{L}"][j, i], Y[j, i]
    m = t[f"A{L}"].shape[1]
    J1, I1 = j + 1, i + 1
    lhs = f"∂J/∂{_sym('a', f'{J1},{I1}', L)}"
    if cost == "mean_squared_error":
        symbolic, terms = f"{lhs} = (a − y) / m", [(a - y) / m]
        substituted = f"({_num(a)} − {_num(y)}) / {m}"
    elif cost == "categorical_cross_entropy":
        symbolic, terms = f"{lhs} = −y / (m·a)", [-y / (m * a)]
        substituted = f"−{_num(y)} / ({m}·{_num(a)})"
    else:
        symbolic = f"{lhs} = ((1 − y) / (1 − a) − y / a) / m"
        terms = [(1 - y) / (1 - a) / m, -y / a / m]
        substituted = f"((1 − {_num(y)}) / (1 − {_num(a)}) − {_num(y)} / {_num(a)}) / {m}"
    notes = [f"with a = a_{{{J1},{I1}}}^{{[{L}]}}, y = y_{{{J1},{I1}}}: the seed of backpropagation "
             f"carries the 1/m of J."]
    if net.fused:
        notes.append(f"For {net.activations[-1]} with {cost} backpropagation skips this seed: "
                     f"the product simplifies to dZ^[L] = (A − Y)/m.")
    return symbolic, substituted, t[f"dA{L}"][j, i], terms, math.fsum(terms), notes


def _dZ(net, t, Y, l, j, k, i, name):
    J1, I1 = j + 1, i + 1
    lhs = f"∂J/∂{_sym('z', f'{J1},{I1}', l)}"
    value = t[f"dZ{l}"][j, i]
    if l == net.n_layers and net.fused:
        a, y, m = t[f"A{l}"][j, i], Y[j, i], Y.shape[1]
        symbolic = f"{lhs} = ({_sym('a', f'{J1},{I1}', l)} − y_{{{J1},{I1}}}) / m"
        notes = [f"{name} with {net.cost_name}: Σ_p ∂J/∂a_p ∂a_p/∂z_j simplifies to (a − y)/m."]
        return (symbolic, f"({_num(a)} − {_num(y)}) / {m}", value, [(a - y) / m], (a - y) / m,
                notes)
    z, a, dA = t[f"Z{l}"][:, i], t[f"A{l}"][:, i], t[f"dA{l}"][:, i]
    D = activation_jacobian(name, z)
    symbolic = (f"{lhs} = Σ_p ∂J/∂{_sym('a', f'p,{I1}', l)} "
                f"∂{_sym('a', f'p,{I1}', l)}/∂{_sym('z', f'{J1},{I1}', l)}")
    if registry.ACTIVATIONS[name].coupled:
        terms = [dA[p] * D[j, p] for p in range(len(z))]
        substituted = _sum([f"{_num(dA[p])}·{_num(D[j, p])}" for p in range(len(z))])
        notes = [f"{name} is coupled: ∂a_p/∂z_j = a_p (δ_pj − a_j) is nonzero for every p."]
    else:
        terms = [dA[j] * D[j, j]]
        g = _fill(DG_TEXT[name], z=z[j], a=a[j])
        substituted = f"{_num(dA[j])}·{g}"
        notes = [f"{name} is element-wise: ∂a_p/∂z_j = 0 for p ≠ j, so only p = {J1} remains, "
                 f"with ∂a_j/∂z_j = {DG_TEXT[name].format(z='z', a='a')} = {_num(D[j, j])}."]
    return symbolic, substituted, value, terms, math.fsum(terms), notes


def _dW(net, t, Y, l, j, k, i, name):
    dZ, A = t[f"dZ{l}"], t[f"A{l - 1}"]
    J1, K1 = j + 1, k + 1
    symbolic = (f"∂J/∂{_sym('w', f'{J1},{K1}', l)} = Σ_i ∂J/∂{_sym('z', f'{J1},i', l)} "
                f"{_sym('a', f'{K1},i', l - 1)}")
    terms = [dZ[j, ii] * A[k, ii] for ii in range(dZ.shape[1])]
    substituted = _sum([f"{_num(dZ[j, ii])}·{_num(A[k, ii])}" for ii in range(dZ.shape[1])])
    notes = [f"The sum runs over the i = 1..{dZ.shape[1]} examples; no 1/m here (it is in J)."]
    return symbolic, substituted, t[f"dW{l}"][j, k], terms, math.fsum(terms), notes


def _db(net, t, Y, l, j, k, i, name):
    dZ = t[f"dZ{l}"]
    J1 = j + 1
    symbolic = f"∂J/∂{_sym('b', J1, l)} = Σ_i ∂J/∂{_sym('z', f'{J1},i', l)}"
    terms = [dZ[j, ii] for ii in range(dZ.shape[1])]
    notes = [f"The sum runs over the i = 1..{dZ.shape[1]} examples; no 1/m here (it is in J)."]
    return symbolic, _sum([_num(x) for x in terms]), t[f"db{l}"][j, 0], terms, math.fsum(terms), notes


def _dA_prev(net, t, Y, l, j, k, i, name):
    W, dZ = net.params[f"W{l}"].astype(np.float64), t[f"dZ{l}"]
    K1, I1 = k + 1, i + 1
    symbolic = (f"∂J/∂{_sym('a', f'{K1},{I1}', l - 1)} = Σ_j {_sym('w', f'j,{K1}', l)} "
                f"∂J/∂{_sym('z', f'j,{I1}', l)}")
    terms = [W[jj, k] * dZ[jj, i] for jj in range(W.shape[0])]
    substituted = _sum([f"{_num(W[jj, k])}·{_num(dZ[jj, i])}" for jj in range(W.shape[0])])
    notes = [f"The sum runs over the j = 1..{W.shape[0]} nodes of layer {l}: node k = {K1} "
             f"of layer {l - 1} feeds every one of them."]
    return symbolic, substituted, t[f"dA{l - 1}"][k, i], terms, math.fsum(terms), notes
