"""What the numbers of a highlighted figure are: a symbol for every number, the quantity's own
value, and a legend that says what orange and blue show for that quantity.

Labels are written in a small markup, ``z_{2,1}^[2]`` (a subscript after ``_``, in braces or
one character; a superscript ``^[...]`` or ``^{...}``), and turned into the (text, shift) runs
the renderers draw. ``dz``, ``da``, ``dw``, ``db`` stand for ∂J/∂z, ∂J/∂a, ∂J/∂w, ∂J/∂b, as
the legend says.
"""
import math
import re
from typing import NamedTuple

from . import equation

MAX_LISTED = 6     # a list over the examples shows every number up to this m
_MARKUP = re.compile(r"_\{([^}]*)\}|_(\w)|\^\[([^\]]*)\]|\^\{([^}]*)\}")


def runs(markup):
    """``markup`` as (text, shift) runs: z_{2,1}^[2] → ("z", ""), ("2,1", "sub"), ("[2]", "super")."""
    out, at = [], 0
    for match in _MARKUP.finditer(markup):
        if match.start() > at:
            out.append((markup[at:match.start()], ""))
        sub = match.group(1) if match.group(1) is not None else match.group(2)
        if sub is not None:
            out.append((sub, "sub"))
        else:
            out.append((f"[{match.group(3)}]" if match.group(3) is not None else match.group(4),
                        "super"))
        at = match.end()
    if at < len(markup):
        out.append((markup[at:], ""))
    return tuple(out)


def wrap(markup, width=92):
    """A legend line broken at spaces into lines of at most ``width`` characters as shown
    (the markup's braces and carets not counted); the lines after the first indented."""
    lines, line = [], ""
    for word in markup.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and sum(len(text) for text, _ in runs(candidate)) > width:
            lines.append(line)
            candidate = "    " + word
        line = candidate
    return lines + [line]


def number(x):
    """The equations' number (4 significant digits, never −0), with a real minus sign."""
    return equation.number(x).replace("-", "−")


class Labels(NamedTuple):
    target: str          # markup of the quantity's own value, "" when there is none
    terms: dict          # elem -> [markup, ...]: the lines of its numbers
    lists: frozenset     # elems whose lines list the examples i = 1..m (placed beside the node)
    legend: list         # markup lines


def _a(l, sub):
    """a^[l], or x for the inputs (a^[0] = x)."""
    return f"x_{{{sub}}}" if l == 0 else f"a_{{{sub}}}^[{l}]"


def _listed(symbol, values):
    """One line per example, i = 1..m; beyond MAX_LISTED the first ones, "⋮" and the last."""
    lines = [symbol(i) + f" = {number(v)}" for i, v in enumerate(values, start=1)]
    if len(lines) <= MAX_LISTED:
        return lines
    return lines[:MAX_LISTED - 2] + [f"⋮ ({len(lines) - MAX_LISTED + 1} more)", lines[-1]]


def describe(spec, activation=None):
    """The labels of a highlight ``spec`` (figure.check_highlight's dict) with a quantity."""
    q, ix, vals, target = spec["quantity"], spec["indices"], spec["values"], spec["target"]
    value = spec["value"]
    builder = {"z": _z, "a": _act, "J": _J, "dA": _seed, "dZ": _dz, "dW": _dw, "db": _db,
               "dA_prev": _da_prev}[q]
    return builder(ix, vals, target, value, spec, activation)


def _term_nodes(vals):
    return sorted((e for e in vals if e[0] == "node"), key=lambda e: e[1:])


def _z(ix, vals, target, value, spec, activation):
    l, j, i = ix["l"], ix["j"], ix["i"]
    terms = {e: [f"w_{{{e[2]},{e[3]}}}^[{l}] = {number(v[0])}"] for e, v in vals.items()
             if e[0] == "edge"}
    terms.update({e: [_a(l - 1, f"{e[2]},{i}") + f" = {number(v[0])}"] for e, v in vals.items()
                  if e[0] == "node"})
    n = len(terms) // 2
    bias = spec.get("bias")
    b = f"b_{{{j}}}^[{l}]" + (f" = {number(bias)}" if bias is not None else "")
    return Labels(f"z_{{{j},{i}}}^[{l}] = {number(value)}", terms, frozenset(), [
        f"orange: z_{{{j},{i}}}^[{l}] = Σ_k w_{{{j},k}}^[{l}] {_a(l - 1, f'k,{i}')} + {b}, "
        f"its value on node {j} of layer {l}",
        f"blue: the factors of the sum's {n} terms, each the product w_{{{j},k}}^[{l}] · "
        f"{_a(l - 1, f'k,{i}')}: the weights w on the edges, the {'x' if l == 1 else 'a'} on the "
        f"nodes of layer {l - 1}"])


def _act(ix, vals, target, value, spec, activation):
    l, j, i = ix["l"], ix["j"], ix["i"]
    nodes = _term_nodes(vals)
    own = f"a_{{{j},{i}}}^[{l}] = {number(value)}"
    if len(nodes) == 1:   # element-wise: the node's own z
        g = activation or "g"
        return Labels(own, {nodes[0]: [f"z_{{{j},{i}}}^[{l}] = {number(vals[nodes[0]][0])}"]},
                      frozenset(), [
                          f"orange: a_{{{j},{i}}}^[{l}] = {g}(z_{{{j},{i}}}^[{l}]), its value "
                          f"on the node",
                          f"blue: z_{{{j},{i}}}^[{l}], the one number it reads ({g} is "
                          f"element-wise; the number beside the node is z, not a)"])
    terms, total = {}, 0.0
    for e in nodes:
        z = vals[e][0]
        try:
            ez = math.exp(z)
        except OverflowError:
            ez = math.inf
        total += ez
        terms[e] = [f"z_{{{e[2]},{i}}}^[{l}] = {number(z)}",
                    f"exp(z_{{{e[2]},{i}}}^[{l}]) = {number(ez)}"]
    return Labels(own, terms, frozenset(), [
        f"orange: a_{{{j},{i}}}^[{l}] = exp(z_{{{j},{i}}}^[{l}]) / Σ_p exp(z_{{p,{i}}}^[{l}]), "
        f"its value on the node",
        f"blue: on each node p, z_{{p,{i}}}^[{l}] and exp(z_{{p,{i}}}^[{l}]), a term of the "
        f"denominator Σ_p exp(z_{{p,{i}}}^[{l}]) = {number(total)}"])


def _J(ix, vals, target, value, spec, activation):
    nodes = _term_nodes(vals)
    L = nodes[0][1] if nodes else "L"
    terms = {e: [f"Σ_i J_{{{e[2]},i}} = {number(vals[e][0])}"] for e in nodes}
    shown = f"J = {number(value)}" if value is not None else "J"
    return Labels("", terms, frozenset(), [
        f"{shown}, the sum of its terms J_{{j,i}}, one per output node j and example i "
        f"(nothing is orange: J belongs to no node)",
        f"blue: on each output node j, Σ_i J_{{j,i}}, node j's part of J summed over the "
        f"examples (a part of J, not a_j^[{L}])"])


def _seed(ix, vals, target, value, spec, activation):
    L, j, i = ix["l"], ix["j"], ix["i"]
    nodes = _term_nodes(vals)
    terms = {e: [f"a_{{{e[2]},{i}}}^[{L}] = {number(vals[e][0])}"] for e in nodes}
    return Labels(f"da_{{{j},{i}}}^[{L}] = {number(value)}", terms, frozenset(), [
        f"orange: da_{{{j},{i}}}^[{L}] = ∂J/∂a_{{{j},{i}}}^[{L}], the seed of backpropagation, "
        f"its value on the node",
        f"blue: a_{{{j},{i}}}^[{L}], the output it reads (with the target y_{{{j},{i}}})"])


def _dz(ix, vals, target, value, spec, activation):
    l, j, i = ix["l"], ix["j"], ix["i"]
    own = f"dz_{{{j},{i}}}^[{l}] = {number(value)}"
    nodes = _term_nodes(vals)
    defs = "dz = ∂J/∂z, da = ∂J/∂a"
    if spec.get("fused"):
        return Labels(own, {}, frozenset(), [
            f"orange: dz_{{{j},{i}}}^[{l}] = (a_{{{j},{i}}}^[{l}] − y_{{{j},{i}}})/m, the fused "
            f"shortcut (no sum over p), its value on the node; {defs}",
            "blue: none: the shortcut reads a and y of this node only"])
    terms = {e: [f"da_{{{e[2]},{i}}}^[{l}] · ∂a_{{{e[2]},{i}}}/∂z_{{{j},{i}}} = "
                 f"{number(vals[e][0])}"] for e in nodes}
    orange = (f"orange: dz_{{{j},{i}}}^[{l}] = Σ_p da_{{p,{i}}}^[{l}] "
              f"∂a_{{p,{i}}}/∂z_{{{j},{i}}}, its value on the node; {defs}")
    if len(nodes) == 1:
        blue = (f"blue: the sum's one term (element-wise: p = {j} only), the product "
                f"da_{{{j},{i}}}^[{l}] · ∂a_{{{j},{i}}}/∂z_{{{j},{i}}}")
    else:
        blue = (f"blue: on each node p, the product da_{{p,{i}}}^[{l}] · "
                f"∂a_{{p,{i}}}/∂z_{{{j},{i}}}, one term of the sum over p")
    return Labels(own, terms, frozenset(), [orange, blue])


def _dw(ix, vals, target, value, spec, activation):
    l, j, k = ix["l"], ix["j"], ix["k"]
    terms, lists = {}, set()
    for e in _term_nodes(vals):
        if e[1] == l:
            terms[e] = _listed(lambda i: f"dz_{{{e[2]},{i}}}^[{l}]", vals[e])
        else:
            terms[e] = _listed(lambda i: _a(l - 1, f"{e[2]},{i}"), vals[e])
        lists.add(e)
    m = max((len(v) for v in vals.values()), default=0)
    return Labels(f"dw_{{{j},{k}}}^[{l}] = {number(value)}", terms, frozenset(lists), [
        f"orange: dw_{{{j},{k}}}^[{l}] = ∂J/∂w_{{{j},{k}}}^[{l}] = Σ_i dz_{{{j},i}}^[{l}] "
        f"{_a(l - 1, f'{k},i')}, its value on the edge; dz = ∂J/∂z",
        f"blue: the factors of its {m} terms, one per example i = 1..{m}, each the product "
        f"dz_{{{j},i}}^[{l}] · {_a(l - 1, f'{k},i')}: dz beside node {j} of layer {l}, "
        f"{'x' if l == 1 else 'a'} beside node {k} of layer {l - 1}"])


def _db(ix, vals, target, value, spec, activation):
    l, j = ix["l"], ix["j"]
    terms = {e: _listed(lambda i: f"dz_{{{e[2]},{i}}}^[{l}]", vals[e]) for e in _term_nodes(vals)}
    m = max((len(v) for v in vals.values()), default=0)
    return Labels(f"db_{{{j}}}^[{l}] = {number(value)}", terms, frozenset(terms), [
        f"orange: db_{{{j}}}^[{l}] = ∂J/∂b_{{{j}}}^[{l}] = Σ_i dz_{{{j},i}}^[{l}], its value "
        f"on the node; dz = ∂J/∂z",
        f"blue: its {m} terms dz_{{{j},i}}^[{l}], one per example i = 1..{m}, listed beside "
        f"the node (they are dz, not a)"])


def _da_prev(ix, vals, target, value, spec, activation):
    l, k, i = ix["l"], ix["k"], ix["i"]
    terms = {e: [f"w_{{{e[2]},{e[3]}}}^[{l}] = {number(v[0])}"] for e, v in vals.items()
             if e[0] == "edge"}
    terms.update({e: [f"dz_{{{e[2]},{i}}}^[{l}] = {number(v[0])}"] for e, v in vals.items()
                  if e[0] == "node"})
    n = len(terms) // 2
    own = f"da_{{{k},{i}}}^[{l - 1}] = {number(value)}"
    return Labels(own, terms, frozenset(), [
        f"orange: da_{{{k},{i}}}^[{l - 1}] = ∂J/∂a_{{{k},{i}}}^[{l - 1}] = Σ_j w_{{j,{k}}}^[{l}] "
        f"dz_{{j,{i}}}^[{l}], its value on the node; dz = ∂J/∂z",
        f"blue: the factors of the sum's {n} terms, each the product w_{{j,{k}}}^[{l}] · "
        f"dz_{{j,{i}}}^[{l}]: the weights on the edges, dz on the nodes of layer {l}"])


def generic(spec):
    """Labels of a highlight without a quantity: the numbers as given, and a legend that says
    only that."""
    terms = {e: [number(v) for v in vals] for e, vals in spec["values"].items()}
    lines = []
    if spec["target"] is not None:
        lines.append("orange: the highlight's target" + (
            f" = {number(spec['value'])}" if spec.get("value") is not None else ""))
    if terms:
        which = f", for example i = {spec['example']}" if spec["example"] else ""
        lines.append(f"blue: the highlight's terms, each with the numbers given{which} "
                     f"(the highlight names no quantity)")
    own = number(spec["value"]) if spec.get("value") is not None else ""
    return Labels(own, terms, frozenset(e for e, v in spec["values"].items() if len(v) > 1),
                  lines)


def edge_legend(symbol, largest):
    """The legend line of edges drawn by sign and size."""
    return (f"edges: green {symbol} > 0, purple {symbol} < 0; width ∝ |{symbol}| "
            f"(widest: |{symbol}| = {number(largest)})")
