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
import os

from .. import files, validation
from ._figure_highlight import check_highlight, edge_numbers
from ._figure_highlight import from_explanation  # noqa: F401 - documented beside draw
from ._figure_labels import describe, edge_legend, generic, runs, wrap
from ._figure_svg import EDGE_COLOURS, NODE_RADIUS, render_png, render_svg
from ._figure_text import Edge, Layout, Node, Text, beside_nodes, fit, value_layout

ROW = 84          # vertical distance between node centres
COLUMN = 180      # horizontal distance between layers
MARGIN = 80
TOP = 78          # room for the layer labels above the columns
BOTTOM = 84       # room for n^[l] and the elision note below them
LIST_ROOM = 60    # more between the columns where a node lists its numbers for i = 1..m


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
