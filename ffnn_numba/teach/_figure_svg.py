"""The two renderers of ``draw``'s layout: SVG as text, and PNG through matplotlib.

Colours and widths are presentation attributes, so a figure looks the same wherever it is
shown (a file, a notebook, an <img>); the explorer's CSS overrides them to highlight.
"""
import io
import re
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from .. import files

FONT = "DejaVu Serif, Georgia, 'Times New Roman', serif"
NODE_RADIUS = 26   # px; the layout (figure.py) and the explorer's script place text by it
INK = "#3f3f3f"
# fill, stroke, stroke width of nodes; stroke and width of edges; colour of numbers
LOOK = {
    "plain": {"fill": "#ffffff", "stroke": INK, "width": 1.5, "edge": "#a3a3a3", "edge_width": 1.2},
    "term": {"fill": "#dbeafe", "stroke": "#1d4ed8", "width": 2.5, "edge": "#1d4ed8",
             "edge_width": 2.5},
    "target": {"fill": "#ffedd5", "stroke": "#c2410c", "width": 3.5, "edge": "#c2410c",
               "edge_width": 3.5},
}
SIZES = {"node": 15, "layer-label": 15, "layer-role": 12, "size-label": 14, "elision": 12,
         "ellipsis": 26, "value": 12, "legend": 12}
# Edges that show a number (a weight, a gradient): its sign by colour, away from the blue
# and orange of a highlight; a zero stays grey.
EDGE_COLOURS = {"positive": "#15803d", "negative": "#9333ea", "zero": "#a3a3a3"}
FADED = 0.45   # the opacity of the edges not in a highlight, when there is one


def text_size(classes):
    """The font size (px) of a text of these classes."""
    return SIZES.get(classes[0], 13)


def _fill(classes):
    """The colour of a text: orange for the target's value, blue for terms' numbers."""
    if "target-value" in classes:
        return LOOK["target"]["stroke"]
    return LOOK["term"]["stroke"] if "value" in classes else INK


# Characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE and U+FFFF): one of
# them in a text would make the whole file unreadable, so it is drawn as U+FFFD instead.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text):
    """``text`` as XML character data, shown literally: & < > escaped, a carriage return
    too (a parser would read it as a newline), characters XML cannot hold replaced by
    U+FFFD."""
    return _escape(_NOT_XML.sub("\ufffd", text), {"\r": "&#13;"})


def quoteattr(text):
    """``text`` as a quoted XML attribute value, shown literally (see ``escape``)."""
    return _quoteattr(_NOT_XML.sub("\ufffd", text))


def _look(classes):
    return LOOK["target" if "target" in classes else "term" if "term" in classes else "plain"]


def _italic(text):
    return len(text) == 1 and text.isalpha()


def plain_text(runs):
    """Runs as plain text, as the derivation's sources write it: a_1^[2]."""
    return "".join(("_" if shift == "sub" else "^" if shift == "super" else "") + text
                   for text, shift in runs)


def _tspans(runs):
    parts = []
    for text, shift in runs:
        style = ' font-style="italic"' if _italic(text) else ""
        if shift:
            parts.append(f'<tspan baseline-shift="{shift}" font-size="70%"{style}>'
                         f'{escape(text)}</tspan>')
        else:
            parts.append(f"<tspan{style}>{escape(text)}</tspan>" if style else escape(text))
    return "".join(parts)


def _text_svg(t):
    cls = " ".join(t.classes)
    size = text_size(t.classes)
    halo = (' stroke="#ffffff" stroke-width="4" paint-order="stroke" font-weight="bold"'
            if "value" in t.classes else "")
    title = f"<title>{escape(t.title)}</title>" if t.title else ""
    data = f" data-text={quoteattr(t.plain)}" if t.plain else ""
    return (f'<text id="{t.id}" class="{cls}" x="{t.x:.1f}" y="{t.y:.1f}" '
            f'text-anchor="{t.anchor}" font-size="{size}"{halo} fill="{_fill(t.classes)}"{data}>'
            f'{title}{_tspans(t.runs)}</text>')


def _edge_look(e, faded):
    """Stroke, width and opacity of an edge: the highlight's, else its number's, else grey."""
    look = _look(e.classes)
    if "highlight" in e.classes or e.stroke is None:
        return look["edge"], look["edge_width"], 1.0 if "highlight" in e.classes or not faded \
            else FADED
    return e.stroke, e.stroke_width, FADED if faded else 1.0


def render_svg(layout):
    """The figure as one standalone SVG document (text)."""
    x0, y0 = int(layout.x0 // 1), int(layout.y0 // 1)   # whole pixels, around the bounds
    w, h = int(-(-(layout.x0 + layout.width) // 1)) - x0, int(-(-(layout.y0 + layout.height) // 1)) - y0
    box = f'x="{x0}" y="{y0}" width="{w}" height="{h}"'
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ffnn-figure" width="{w}" '
           f'height="{h}" viewBox="{x0} {y0} {w} {h}" font-family={quoteattr(FONT)} '
           f'role="img" aria-label={quoteattr(layout.title)}>',
           f"<title>{escape(layout.title)}</title>",
           f'<rect class="background" {box} fill="#ffffff"/>',
           '<g class="edges">']
    faded = bool(layout.values)
    for e in layout.edges:
        stroke, width, opacity = _edge_look(e, faded)
        number = "" if e.value is None else f" = {e.value:.4g}"
        extra = "" if e.value is None else f' data-value="{e.value!r}"'
        extra += "" if opacity == 1.0 else f' stroke-opacity="{opacity}"'
        out.append(f'<line id="edge-{e.l}-{e.j}-{e.k}" class="{" ".join(e.classes)}" '
                   f'data-l="{e.l}" data-j="{e.j}" data-k="{e.k}" x1="{e.x1:.1f}" '
                   f'y1="{e.y1:.1f}" x2="{e.x2:.1f}" y2="{e.y2:.1f}" stroke="{stroke}" '
                   f'stroke-width="{width}"{extra}><title>w_{{{e.j},{e.k}}}^[{e.l}]{number}'
                   f"</title></line>")
    out.append('</g>\n<g class="nodes">')
    for n in layout.nodes:
        look = _look(n.classes)
        out.append(f'<g id="node-{n.l}-{n.j}" class="{" ".join(n.classes)}" data-l="{n.l}" '
                   f'data-j="{n.j}"><title>{escape(plain_text(n.label))}</title>'
                   f'<circle cx="{n.x:.1f}" cy="{n.y:.1f}" r="{NODE_RADIUS}" '
                   f'fill="{look["fill"]}" stroke="{look["stroke"]}" '
                   f'stroke-width="{look["width"]}"/>'
                   f'<text x="{n.x:.1f}" y="{n.y + 5:.1f}" text-anchor="middle" '
                   f'font-size="{SIZES["node"]}" fill="{INK}">{_tspans(n.label)}</text></g>')
    out.append('</g>\n<g class="labels">')
    out += [_text_svg(t) for t in layout.texts]
    out.append('</g>\n<g class="values">')
    out += [_text_svg(t) for t in layout.values]
    out.append("</g>\n</svg>\n")
    return "\n".join(out)


# -- PNG ----------------------------------------------------------------------------------

def _mathtext(runs):
    """Runs as matplotlib text: plain runs as text, each symbol with sub/superscripts as
    mathtext, $w_{1,3}^{[2]}$, its base the letters just before them (upright when several:
    $\\mathrm{dz}_{1,2}$)."""
    out = []   # (is mathtext, text)
    for text, shift in runs:
        if not shift:
            out.append((False, text.replace("$", r"\$")))
            continue
        script = {"sub": "_{%s}", "super": "^{%s}"}[shift] % text.replace(" ", r"\ ")
        if out and out[-1][0]:   # a sub- and a superscript: one symbol
            out[-1] = (True, out[-1][1] + script)
            continue
        plain = out.pop()[1] if out else ""
        base = re.search(r"[A-Za-z]+$", plain)
        letters = base.group(0) if base else ""
        body = letters if len(letters) == 1 else r"\mathrm{%s}" % letters if letters else "{}"
        out += [(False, plain[:base.start()] if base else plain), (True, body + script)]
    return "".join(f"${text}$" if math else text for math, text in out)


def render_png(layout, path=None, dpi=150):
    """The figure as PNG through matplotlib (the ``plot`` extra): written to ``path`` (and
    the path returned), or returned as bytes."""
    try:   # a Figure of its own, without pyplot: no backend to choose, no global state
        from matplotlib.figure import Figure
        from matplotlib.patches import Circle
    except ImportError:
        raise ImportError("PNG figures need matplotlib: pip install ffnn-numba[plot] "
                          "(or draw SVG, which needs nothing)") from None
    pt = 0.75 * 100 / 100   # SVG px at 100 dpi, in points
    fig = Figure(figsize=(layout.width / 100, layout.height / 100), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(layout.x0, layout.x0 + layout.width)
    ax.set_ylim(layout.y0 + layout.height, layout.y0)
    ax.set_aspect("equal")
    ax.axis("off")
    faded = bool(layout.values)
    for e in layout.edges:
        stroke, width, opacity = _edge_look(e, faded)
        ax.plot([e.x1, e.x2], [e.y1, e.y2], color=stroke, lw=width * pt, alpha=opacity,
                zorder=1 + len(e.classes))
    for n in layout.nodes:
        look = _look(n.classes)
        ax.add_patch(Circle((n.x, n.y), NODE_RADIUS, facecolor=look["fill"],
                            edgecolor=look["stroke"], lw=look["width"] * pt, zorder=10))
        ax.text(n.x, n.y, _mathtext(n.label), ha="center", va="center",
                fontsize=SIZES["node"] * pt, color=INK, zorder=11)
    for t in layout.texts + layout.values:
        value = "value" in t.classes
        ax.text(t.x, t.y, _mathtext(t.runs), va="baseline",
                ha={"start": "left", "end": "right"}.get(t.anchor, "center"),
                fontsize=text_size(t.classes) * pt, zorder=12, color=_fill(t.classes),
                fontweight="bold" if value else "normal",
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5) if value else None)
    if path is None:
        target = io.BytesIO()
        fig.savefig(target, dpi=dpi, format="png", facecolor="white")
        return target.getvalue()
    with files.replacing(path, "wb") as f:
        fig.savefig(f, dpi=dpi, format="png", facecolor="white")
    return path
