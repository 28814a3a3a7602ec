"""The derivation's network figures, drawn from any network.

Layers are columns of nodes, l = 0..L from left to right: x_k for the inputs, a_j^[l] for the
nodes of layer l; every weight w_{j,k}^[l] is an edge from node k of layer l-1 to node j of
layer l; n^[l] stands under each column. A layer with more than ``max_nodes`` nodes shows
its first nodes, an ellipsis and its last node, and says how many it leaves out.

``highlight`` marks what one equation touches: its ``target`` (the quantity) and its
``terms`` (the nodes and edges its sum runs over), each with its number for example i.
Indices are 1-based, as the derivation writes them.

The SVG is written as text (no dependency); elements carry stable ids and classes:
``node-l-j``, ``edge-l-j-k``, ``ellipsis-l-n``, ``value-node-l-j``, ``value-edge-l-j-k``,
and the classes ``node``, ``edge``, ``highlight``, ``term``, ``target``. PNG goes through
matplotlib (the ``plot`` extra), from the same layout.
"""
import numbers
import os
from typing import NamedTuple

from .. import files, validation
from ._figure_labels import describe, edge_legend, generic, number, runs, wrap
from ._figure_svg import EDGE_COLOURS, NODE_RADIUS, render_png, render_svg, text_size

ROW = 84          # vertical distance between node centres
COLUMN = 180      # horizontal distance between layers
MARGIN = 80
TOP = 78          # room for the layer labels above the columns
BOTTOM = 84       # room for n^[l] and the elision note below them
LIST_ROOM = 60    # more between the columns where a node lists its numbers for i = 1..m


class Node(NamedTuple):
    l: int
    j: int
    x: float
    y: float
    label: tuple      # runs of (text, shift), shift "" | "sub" | "super"
    classes: tuple


class Edge(NamedTuple):
    l: int
    j: int
    k: int
    x1: float
    y1: float
    x2: float
    y2: float
    classes: tuple
    stroke: str = None          # by the sign of the edge's number, where edges show numbers
    stroke_width: float = None  # by its size
    value: float = None         # w_{j,k}^[l] (or the gradient) the edge stands for


class Text(NamedTuple):
    id: str
    x: float
    y: float
    runs: tuple
    classes: tuple
    anchor: str = "middle"
    title: str = ""
    plain: str = ""   # the label's markup (z_{2,1}^[2] = 0.5), written as data-text


class Layout(NamedTuple):
    width: float
    height: float
    nodes: list
    edges: list
    texts: list       # layer labels, sizes, ellipses, elision notes, the legend
    values: list      # the highlighted elements' numbers, each with its symbol
    title: str
    x0: float = 0.0   # the viewBox's corner: the bounds of everything drawn, with a margin
    y0: float = 0.0


def draw(net_or_sizes, highlight=None, path=None, format=None, max_nodes=7, edges=None):
    """Draw a network as the derivation's figures do, optionally highlighting one equation.

    Parameters
    ----------
    net_or_sizes : Network or sequence of int
        A network, or its layer sizes n^[0], ..., n^[L]. A network's edges show its weights:
        colour for the sign, width for the size (see ``edges``).
    highlight : dict or Explanation, optional
        ``{"target": elem, "terms": [(elem, value), ...], "example": i}`` where ``elem`` is
        ``("node", l, j)`` (layer l = 0..L, node j; the nodes of layer 0 are the inputs x_k)
        or ``("edge", l, j, k)`` (the weight w_{j,k}^[l] from node k of layer l-1 to node j
        of layer l), all 1-based. The target is emphasised, every term highlighted and
        annotated with its value (for example i). Highlighted nodes are never elided.
        With ``"quantity"`` (one of ``explain``'s: "z", "a", "J", "dA", "dZ", "dW", "db",
        "dA_prev"), ``"indices"`` (its 1-based l, j, k, i) and ``"value"`` (its value), every
        number is labelled with its symbol (w_{j,k}, a_{k,i}, z_p and exp(z_p), dz_{j,i}, the
        products da·∂a/∂z), the target shows its own value and the legend says what orange
        and blue are for that quantity; ``"fused"`` (dZ of a fused output: the shortcut
        (a − y)/m), ``"bias"`` (z's b_j) and ``"activation"`` (layer l's) add to it. An
        ``Explanation`` (``ff.explain``) gives all of these itself.
    path : str or path-like, optional
        Write the figure here and return the path. Without it, return the SVG text (or the
        PNG bytes).
    format : {"svg", "png"}, optional
        By default "png" when ``path`` ends in ``.png``, "svg" otherwise; a path ending in
        the other suffix is refused. PNG needs matplotlib (``pip install ffnn-numba[plot]``).
    max_nodes : int, default 7
        Most node rows a layer takes; a larger layer shows its first ``max_nodes - 2``
        nodes, an ellipsis and its last node (and every highlighted node).
    edges : None, False or dict, optional
        What the edges show by colour (green > 0, purple < 0) and width (∝ |number|): by
        default a network's weights, nothing for bare sizes; False: nothing; a dict of the
        arrays ``{"W1": ..., "W2": ...}`` (weights) or ``{"dW1": ..., ...}`` (gradients, for
        instance ``net.gradients(X, Y)``), one (n^[l], n^[l-1]) array per layer.

    Returns
    -------
    str or bytes
        The SVG text, the PNG bytes, or ``path`` when given.
    """
    sizes = validation.check_layer_sizes(getattr(net_or_sizes, "layer_sizes", net_or_sizes))
    max_nodes = validation.check_positive_int(max_nodes, "max_nodes", minimum=3)
    suffix = os.path.splitext(os.fspath(path))[1].lower() if path is not None else ""
    if format is None:
        format = "png" if suffix == ".png" else "svg"
    validation.check_choice("format", format, ("svg", "png"))
    if suffix in (".svg", ".png") and suffix != "." + format:
        raise ValueError(f"format {format!r} does not match the file name {os.fspath(path)!r}; "
                         f"give format={suffix[1:]!r}, or format=None to follow the name")
    spec = check_highlight(highlight, sizes)
    numbers_on_edges = edge_numbers(net_or_sizes, edges, sizes)
    activations = getattr(net_or_sizes, "activations", None)
    if spec["quantity"] is not None:
        l = spec["indices"].get("l")
        activation = spec["activation"] or (activations[l - 1] if activations and l else None)
        labels = describe(spec, activation)
    elif spec["target"] is not None or spec["values"]:
        labels = generic(spec)
    else:
        labels = None
    layout = make_layout(sizes, max_nodes, spec["target"], spec["values"], spec["example"],
                         labels=labels, edge_numbers=numbers_on_edges)
    if format == "png":
        return render_png(layout, path)
    text = render_svg(layout)
    if path is None:
        return text
    return files.write_text(path, text)


# -- the highlight ------------------------------------------------------------------------

KEYS = ("target", "terms", "example", "quantity", "indices", "value", "fused", "bias",
        "activation")
QUANTITIES = ("z", "a", "J", "dA", "dZ", "dW", "db", "dA_prev")
NEEDS = {"z": "lji", "a": "lji", "dZ": "lji", "dA": "lji", "dW": "ljk", "db": "lj",
         "dA_prev": "lki", "J": ""}


def from_explanation(explanation):
    """The highlight dict of an ``Explanation``: its elements and numbers, with what the
    figure needs to label them (quantity, indices, value; the shortcut of a fused dZ, z's
    bias)."""
    spec = dict(explanation.highlights, quantity=explanation.quantity,
                indices=dict(explanation.indices), value=explanation.value)
    if explanation.quantity == "dZ":   # the shortcut (a − y)/m: no sum, two steps
        spec["fused"] = len(explanation.steps) == 2
    if explanation.quantity == "z":    # its last term is b_j
        spec["bias"] = explanation.terms[-1]
    activations, l = getattr(explanation, "activations", None), explanation.indices.get("l")
    if activations and l:              # where the explanation keeps its network's
        spec["activation"] = activations[l - 1]
    return spec


def check_highlight(highlight, sizes):
    """The highlight as a dict: target, {elem: [values]}, example, and the quantity, its
    indices and value (None where not given), every index checked."""
    if highlight is not None and hasattr(highlight, "highlights"):
        highlight = from_explanation(highlight)
    spec = {"target": None, "values": {}, "example": None, "quantity": None, "indices": {},
            "value": None, "fused": False, "bias": None, "activation": None}
    if highlight is None:
        return spec
    if not isinstance(highlight, dict):
        raise TypeError(f"highlight must be a dict with keys 'target', 'terms', 'example'; "
                        f"got {type(highlight).__name__}")
    unknown = set(highlight) - set(KEYS)
    if unknown:
        raise ValueError(f"highlight has unknown keys {sorted(map(str, unknown))}; valid: "
                         + ", ".join(map(repr, KEYS)))
    if highlight.get("target") is not None:
        spec["target"] = check_element(highlight["target"], sizes, "highlight target")
    for n, term in enumerate(highlight.get("terms") or ()):
        where = f"highlight term {n}"
        if not isinstance(term, (tuple, list)) or len(term) != 2:
            raise ValueError(f"{where} must be a pair (elem, value); got {term!r}")
        elem = check_element(term[0], sizes, where)
        spec["values"].setdefault(elem, []).append(_real(term[1], where))
    if highlight.get("example") is not None:
        spec["example"] = validation.check_positive_int(highlight["example"], "highlight example i")
    for key in ("value", "bias"):
        if highlight.get(key) is not None:
            spec[key] = _real(highlight[key], f"highlight {key}")
    spec["fused"] = bool(highlight.get("fused", False))
    if highlight.get("activation") is not None:
        spec["activation"] = str(highlight["activation"])
    if highlight.get("quantity") is not None:
        spec["quantity"] = validation.check_choice("highlight quantity", highlight["quantity"],
                                                   QUANTITIES)
        spec["indices"] = _check_indices(spec["quantity"], highlight.get("indices"), sizes)
    return spec


def _real(value, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: the value must be a real number; got {value!r}")
    return float(value)


def _check_indices(quantity, indices, sizes):
    """The 1-based indices a quantity needs (l = L for J and the seed where not given)."""
    indices = dict(indices or {})
    L = len(sizes) - 1
    if quantity in ("J", "dA"):
        indices.setdefault("l", L)
    needs = NEEDS[quantity]
    missing = [letter for letter in needs if indices.get(letter) is None]
    if missing:
        raise ValueError(f"highlight quantity {quantity!r} needs the indices {', '.join(needs)}; "
                         f"missing {', '.join(missing)}")
    for letter, value in indices.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"highlight index {letter} must be an integer from 1; got {value!r}")
    return {letter: int(value) for letter, value in indices.items()}


def check_element(elem, sizes, where):
    """("node", l, j) or ("edge", l, j, k) as a tuple of ints, each index in range."""
    kind = elem[0] if isinstance(elem, (tuple, list)) and elem else None
    if kind not in ("node", "edge") or len(elem) != (3 if kind == "node" else 4):
        raise ValueError(f"{where} must be ('node', l, j) or ('edge', l, j, k); got {elem!r}")
    for index in elem[1:]:
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"{where}: indices must be integers; got {elem!r}")
    L = len(sizes) - 1
    l, j = int(elem[1]), int(elem[2])
    low = 0 if kind == "node" else 1
    if not low <= l <= L:
        raise ValueError(f"{where} {tuple(elem)!r}: layer l = {l} is out of range: "
                         f"{'nodes' if kind == 'node' else 'weights'} lie in layers {low}..{L}")
    if not 1 <= j <= sizes[l]:
        raise ValueError(f"{where} {tuple(elem)!r}: j = {j} is out of range: layer {l} has "
                         f"nodes 1..{sizes[l]}")
    if kind == "node":
        return ("node", l, j)
    k = int(elem[3])
    if not 1 <= k <= sizes[l - 1]:
        raise ValueError(f"{where} {tuple(elem)!r}: k = {k} is out of range: layer {l - 1} "
                         f"has nodes 1..{sizes[l - 1]}")
    return ("edge", l, j, k)


def edge_numbers(net_or_sizes, edges, sizes):
    """(symbol, {l: rows of numbers}) of what the edges show, or None."""
    if edges is False:
        return None
    if edges is None:
        params = getattr(net_or_sizes, "params", None)
        if params is None:
            return None
        edges = {f"W{l}": params[f"W{l}"] for l in range(1, len(sizes))}
    if not isinstance(edges, dict) or not edges:
        raise TypeError("edges must be None, False or a dict of arrays {'W1': ..., ...} or "
                        "{'dW1': ..., ...}")
    gradient = all(str(key).startswith("dW") for key in edges)
    if not gradient and not all(str(key).startswith("W") for key in edges):
        raise ValueError(f"edges' keys must all be W1, W2, ... or all dW1, dW2, ...; got "
                         f"{sorted(map(str, edges))}")
    prefix, shown = ("dW" if gradient else "W"), {}
    for l in range(1, len(sizes)):
        rows = edges.get(f"{prefix}{l}")
        if rows is None:
            continue
        rows = [[float(x) for x in row] for row in rows]
        if len(rows) != sizes[l] or any(len(row) != sizes[l - 1] for row in rows):
            raise ValueError(f"edges[{prefix}{l}!r] must be {sizes[l]} x {sizes[l - 1]}")
        shown[l] = rows
    return ("dw_{j,k}^[l]" if gradient else "w_{j,k}^[l]"), shown


# -- the layout ---------------------------------------------------------------------------

def node_label(l, j):
    """x_j for the inputs, a_j^[l] otherwise, as runs of (text, shift)."""
    return (("x", ""), (str(j), "sub")) if l == 0 else (("a", ""), (str(j), "sub"),
                                                        (f"[{l}]", "super"))


def visible_rows(n, max_nodes, keep):
    """The rows of one column: node numbers j, and (first, last) pairs for elided runs."""
    shown = set(range(1, n + 1)) if n <= max_nodes else set(range(1, max_nodes - 1)) | {n}
    shown |= set(keep)
    rows, previous = [], 0
    for j in sorted(shown):
        if j > previous + 1:
            rows.append((previous + 1, j - 1))
        rows.append(j)
        previous = j
    return rows


def make_layout(sizes, max_nodes, target, values, example, *, labels=None, edge_numbers=None):
    """Positions of every drawn node, edge and text, with the highlight's classes; the
    viewBox is the bounds of all of them."""
    marked = set(values) | ({target} if target else set())
    keep = {l: set() for l in range(len(sizes))}
    for elem in marked:   # a highlighted node, or both ends of a highlighted edge, stay
        keep[elem[1]].add(elem[2])
        if elem[0] == "edge":
            keep[elem[1] - 1].add(elem[3])
    columns = [visible_rows(n, max_nodes, keep[l]) for l, n in enumerate(sizes)]
    tallest = max(len(rows) for rows in columns)
    beside = beside_nodes(labels, target) if labels else set()
    column = COLUMN + (LIST_ROOM if {e[1] for e in beside} - {len(sizes) - 1} else 0)
    width = 2 * MARGIN + (len(sizes) - 1) * column
    centre = TOP + tallest * ROW / 2

    def classes(elem, base):
        return base + (("highlight", "target") if elem == target else ()) + \
            (("highlight", "term") if elem in values else ())

    nodes, texts, where = [], [], {}
    for l, rows in enumerate(columns):
        x = MARGIN + l * column
        for r, row in enumerate(rows):
            y = centre + (r - (len(rows) - 1) / 2) * ROW
            if isinstance(row, tuple):
                texts.append(Text(f"ellipsis-{l}-{r}", x, y + 8, (("⋮", ""),), ("ellipsis",),
                                  title=f"nodes {row[0]}–{row[1]} of layer {l} not drawn"))
                continue
            where[l, row] = (x, y)
            nodes.append(Node(l, row, x, y, node_label(l, row),
                              classes(("node", l, row), ("node", "input" if l == 0 else "hidden"))))
        drawn = sum(isinstance(row, int) for row in rows)
        texts += _column_texts(l, x, sizes[l], len(sizes) - 1, drawn, TOP + tallest * ROW)
    edges = []
    for l in range(1, len(sizes)):
        for (j, k) in ((j, k) for (ll, j) in where if ll == l for (lk, k) in where if lk == l - 1):
            (x1, y1), (x2, y2) = where[l - 1, k], where[l, j]
            edges.append(_edge(l, j, k, x1, y1, x2, y2, classes(("edge", l, j, k), ("edge",))))
    edges.sort(key=lambda e: len(e.classes))   # highlighted edges are drawn last, on top
    legend = []
    if edge_numbers is not None:
        edges, line = styled_edges(edges, *edge_numbers)
        legend += [line] if line else []
    value_texts = value_layout(labels, where, target) if labels else []
    legend = (labels.legend if labels else []) + legend
    if example and labels:
        legend.append(f"numbers for example i = {example}")
    y = TOP + tallest * ROW + BOTTOM - 10
    legend = [part for line in legend for part in wrap(line)]
    for n, line in enumerate(legend, start=1):
        texts.append(Text(f"legend-{n}", MARGIN - NODE_RADIUS, y, runs(line), ("legend",),
                          anchor="start", plain=line))
        y += LEGEND_LINE
    title = "network " + "-".join(map(str, sizes))
    layout = Layout(width, y, nodes, edges, texts, value_texts, title)
    return fit(layout)


LEGEND_LINE = 18


def styled_edges(edges, symbol, shown):
    """Edges coloured by the sign of their number and as wide as its size, and the legend's
    line (None when no edge has a number)."""
    largest = max((abs(x) for rows in shown.values() for row in rows for x in row), default=0.0)
    out = []
    for e in edges:
        if e.l not in shown:
            out.append(e)
            continue
        value = shown[e.l][e.j - 1][e.k - 1]
        colour = EDGE_COLOURS["positive" if value > 0 else "negative" if value < 0 else "zero"]
        size = 0.6 + 4.4 * abs(value) / largest if largest > 0 else 0.6
        out.append(Edge(*e[:8], stroke=colour, stroke_width=round(size, 2), value=value))
    if not shown:
        return out, None
    return out, edge_legend(symbol, largest)


def _column_texts(l, x, n, L, drawn, bottom):
    role = "input" if l == 0 else ("output" if l == L else "hidden")
    texts = [Text(f"layer-label-{l}", x, TOP - 44, ((f"l = {l}", ""),), ("layer-label",)),
             Text(f"layer-role-{l}", x, TOP - 26, ((role, ""),), ("layer-role",)),
             Text(f"size-label-{l}", x, bottom + 26, (("n", ""), (f"[{l}]", "super"),
                                                      (f" = {n}", "")), ("size-label",))]
    if drawn < n:
        texts.append(Text(f"elision-{l}", x, bottom + 46, ((f"{n - drawn} not drawn", ""),),
                          ("elision",)))
    return texts


def _edge(l, j, k, x1, y1, x2, y2, classes):
    """The edge from circle to circle, so that it does not cross the labels."""
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5
    ux, uy = dx / length * NODE_RADIUS, dy / length * NODE_RADIUS
    return Edge(l, j, k, x1 + ux, y1 + uy, x2 - ux, y2 - uy, classes)


def format_number(x):
    """4 significant digits, with a real minus sign."""
    return number(x)


VALUE_LINE = 19   # px between the lines of one element's numbers


def value_layout(labels, where, target):
    """The Texts of the numbers: the target's own value (above its node, or on its edge),
    each term's lines above its node (below it where the node is the target too), beside
    it for lists over the examples, along its edge."""
    out = []
    beside = beside_nodes(labels, target)
    right_layer = max((e[1] for e in beside), default=None)
    fan_counts = {}
    for e in labels.terms:
        if e[0] == "edge":
            fan_counts[e[1], e[3]] = fan_counts.get((e[1], e[3]), 0) + 1
    if labels.target and target is not None:
        ident = f"value-{'-'.join(map(str, target))}-own"
        if target[0] == "node":
            x, y = where[target[1], target[2]]
            # clear of a list on its right and of the edges' numbers fanning out to the right
            aside = target in beside or fan_counts.get((target[1] + 1, target[2]), 0) > 1
            out.append(_line(ident, x + 14 if aside else x, y - NODE_RADIUS - 8, labels.target,
                             ("value", "target-value"), "end" if aside else "middle"))
        else:
            (x1, y1), (x2, y2) = where[target[1] - 1, target[3]], where[target[1], target[2]]
            out.append(_line(ident, (x1 + x2) / 2, (y1 + y2) / 2 - 8, labels.target,
                             ("value", "target-value")))
    for elem, lines in labels.terms.items():
        ident = "value-" + "-".join(map(str, elem))
        if elem[0] == "edge":
            l, j, k = elem[1:]
            (x1, y1), (x2, y2) = where[l - 1, k], where[l, j]
            # Where edges fan out of one node (dA_prev) or into one (z), their numbers sit
            # where the edges are apart, clear of the nodes' numbers.
            t = 0.45 if fan_counts[(l, k)] > 1 else 0.55
            out += _block(ident, x1 + t * (x2 - x1), y1 + t * (y2 - y1) - 5, lines, "middle", 0)
            continue
        x, y = where[elem[1], elem[2]]
        if elem in beside:   # right of the last layer with such lists, left of the others
            right = elem[1] == right_layer
            top = y - (len(lines) - 1) * VALUE_LINE / 2 + 4
            out += _block(ident, x + (1 if right else -1) * (NODE_RADIUS + 6), top, lines,
                          "start" if right else "end", 1)
        else:
            out += _block(ident, x, y - NODE_RADIUS - 8 - (len(lines) - 1) * VALUE_LINE,
                          lines, "middle", 1)
    return out


def beside_nodes(labels, target):
    """The nodes whose numbers go beside them rather than above: lists over the examples,
    and the terms in the target's own layer (softmax's z_p, the sum over p, J's parts),
    which would meet the target's value above it."""
    layer = target[1] if target is not None and target[0] == "node" else None
    return {e for e in labels.terms if e[0] == "node" and
            (e in labels.lists or e[1] == layer or target is None)}


def _line(ident, x, y, markup, classes, anchor="middle"):
    return Text(ident, x, y, runs(markup), classes, anchor=anchor, plain=markup)


def _block(ident, x, y, lines, anchor, down):
    """Lines from (x, y) downwards, the first with id ``ident``, the next ``ident.2``, ..."""
    return [_line(ident if n == 1 else f"{ident}.{n}", x, y + (n - 1) * VALUE_LINE, line,
                  ("value", "edge-value") if not down else ("value",), anchor)
            for n, line in enumerate(lines, start=1)]


def fit(layout):
    """The layout with its viewBox around everything drawn (a margin of PAD)."""
    boxes = [(n.x - NODE_RADIUS, n.y - NODE_RADIUS, n.x + NODE_RADIUS, n.y + NODE_RADIUS)
             for n in layout.nodes]
    boxes += [(min(e.x1, e.x2), min(e.y1, e.y2), max(e.x1, e.x2), max(e.y1, e.y2))
              for e in layout.edges]
    boxes += [text_box(t) for t in layout.texts + layout.values]
    x0 = min(b[0] for b in boxes) - PAD
    y0 = min(b[1] for b in boxes) - PAD
    x1 = max(b[2] for b in boxes) + PAD
    y1 = max(b[3] for b in boxes) + PAD
    return Layout(x1 - x0, y1 - y0, *layout[2:7], x0=x0, y0=y0)


PAD = 12


def text_box(t):
    """(left, top, right, bottom) of a text, estimated from its characters: a glyph is
    about 0.6 of the font size wide (0.42 in a sub- or superscript)."""
    size = text_size(t.classes)
    width = sum(len(text) * size * (0.42 if shift else 0.6) for text, shift in t.runs)
    left = {"start": t.x, "end": t.x - width}.get(t.anchor, t.x - width / 2)
    return left, t.y - size, left + width, t.y + 0.3 * size

