"""The parts of ``draw``'s layout (nodes, edges, texts), where the numbers of a highlight go
(each element's labelled lines, beside or below it), and the view box that holds every
circle, line and text."""
from typing import NamedTuple

from ._figure_labels import runs
from ._figure_svg import NODE_RADIUS, text_size


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

