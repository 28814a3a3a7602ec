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
from ._figure_svg import NODE_RADIUS, render_png, render_svg

ROW = 84          # vertical distance between node centres
COLUMN = 180      # horizontal distance between layers
MARGIN = 80
TOP = 78          # room for the layer labels above the columns
BOTTOM = 84       # room for n^[l] and the elision note below them


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


class Text(NamedTuple):
    id: str
    x: float
    y: float
    runs: tuple
    classes: tuple
    anchor: str = "middle"
    title: str = ""


class Layout(NamedTuple):
    width: float
    height: float
    nodes: list
    edges: list
    texts: list       # layer labels, sizes, ellipses, elision notes, the caption
    values: list      # the highlighted elements' numbers
    title: str


def draw(net_or_sizes, highlight=None, path=None, format=None, max_nodes=7):
    """Draw a network as the derivation's figures do, optionally highlighting one equation.

    Parameters
    ----------
    net_or_sizes : Network or sequence of int
        A network, or its layer sizes n^[0], ..., n^[L].
    highlight : dict, optional
        ``{"target": elem, "terms": [(elem, value), ...], "example": i}`` where ``elem`` is
        ``("node", l, j)`` (layer l = 0..L, node j; the nodes of layer 0 are the inputs x_k)
        or ``("edge", l, j, k)`` (the weight w_{j,k}^[l] from node k of layer l-1 to node j
        of layer l), all 1-based. The target is emphasised, every term highlighted and
        annotated with its value (for example i). Highlighted nodes are never elided.
    path : str or path-like, optional
        Write the figure here and return the path. Without it, return the SVG text (or the
        PNG bytes).
    format : {"svg", "png"}, optional
        By default "png" when ``path`` ends in ``.png``, "svg" otherwise; a path ending in
        the other suffix is refused. PNG needs matplotlib (``pip install ffnn-numba[plot]``).
    max_nodes : int, default 7
        Most node rows a layer takes; a larger layer shows its first ``max_nodes - 2``
        nodes, an ellipsis and its last node (and every highlighted node).

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
    target, values, example = check_highlight(highlight, sizes)
    layout = make_layout(sizes, max_nodes, target, values, example)
    if format == "png":
        return render_png(layout, path)
    text = render_svg(layout)
    if path is None:
        return text
    return files.write_text(path, text)


# -- the highlight ------------------------------------------------------------------------

def check_highlight(highlight, sizes):
    """(target, {elem: [values]}, example) from a highlight dict, every index checked."""
    if highlight is None:
        return None, {}, None
    if not isinstance(highlight, dict):
        raise TypeError(f"highlight must be a dict with keys 'target', 'terms', 'example'; "
                        f"got {type(highlight).__name__}")
    unknown = set(highlight) - {"target", "terms", "example"}
    if unknown:
        raise ValueError(f"highlight has unknown keys {sorted(map(str, unknown))}; valid: "
                         f"'target', 'terms', 'example'")
    target = highlight.get("target")
    if target is not None:
        target = check_element(target, sizes, "highlight target")
    values = {}
    for n, term in enumerate(highlight.get("terms") or ()):
        where = f"highlight term {n}"
        if not isinstance(term, (tuple, list)) or len(term) != 2:
            raise ValueError(f"{where} must be a pair (elem, value); got {term!r}")
        elem, value = check_element(term[0], sizes, where), term[1]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{where}: the value must be a real number; got {value!r}")
        values.setdefault(elem, []).append(float(value))
    example = highlight.get("example")
    if example is not None:
        example = validation.check_positive_int(example, "highlight example i")
    return target, values, example


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


def make_layout(sizes, max_nodes, target, values, example):
    """Positions of every drawn node, edge and text, with the highlight's classes."""
    marked = set(values) | ({target} if target else set())
    keep = {l: set() for l in range(len(sizes))}
    for elem in marked:   # a highlighted node, or both ends of a highlighted edge, stay
        keep[elem[1]].add(elem[2])
        if elem[0] == "edge":
            keep[elem[1] - 1].add(elem[3])
    columns = [visible_rows(n, max_nodes, keep[l]) for l, n in enumerate(sizes)]
    tallest = max(len(rows) for rows in columns)
    width = 2 * MARGIN + (len(sizes) - 1) * COLUMN
    height = TOP + tallest * ROW + BOTTOM + (24 if marked else 0)
    centre = TOP + tallest * ROW / 2

    def classes(elem, base):
        return base + (("highlight", "target") if elem == target else ()) + \
            (("highlight", "term") if elem in values else ())

    nodes, texts, where = [], [], {}
    for l, rows in enumerate(columns):
        x = MARGIN + l * COLUMN
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
    value_texts = [_value_text(elem, vals, where, values) for elem, vals in values.items()]
    if marked:
        caption = _caption(target, example, values)
        texts.append(Text("caption", width / 2, height - 16, ((caption, ""),), ("caption",)))
    title = "network " + "-".join(map(str, sizes))
    return Layout(width, height, nodes, edges, texts, value_texts, title)


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
    return f"{x:.4g}".replace("-", "−")


def _value_text(elem, vals, where, values):
    shown = "; ".join(format_number(v) for v in vals[:3]) + ("; …" if len(vals) > 3 else "")
    if elem[0] == "node":
        x, y = where[elem[1], elem[2]]
        return Text(f"value-node-{elem[1]}-{elem[2]}", x, y - NODE_RADIUS - 7, ((shown, ""),),
                    ("value",))
    l, j, k = elem[1:]
    (x1, y1), (x2, y2) = where[l - 1, k], where[l, j]
    # Where edges fan out of one node (dA_prev) their numbers go near the far end, where they
    # fan into one node (z) near the near end: the two places the edges are spread apart.
    fans_out = sum(1 for e in values if e[0] == "edge" and e[1] == l and e[3] == k) > 1
    t = 0.7 if fans_out else 0.3
    return Text(f"value-edge-{l}-{j}-{k}", x1 + t * (x2 - x1), y1 + t * (y2 - y1) - 4,
                ((shown, ""),), ("value", "edge-value"))


def _caption(target, example, values):
    what = "orange: the equation's quantity; " if target is not None else ""
    if example:
        which = f"; numbers for example i = {example}"
    else:   # a sum over the examples (dW, db): each node lists its number for i = 1, 2, ...
        over_examples = any(len(v) > 1 for v in values.values())
        which = "; numbers for the examples i = 1, 2, …" if over_examples else ""
    return f"{what}blue: the terms of its sum{which}"
