"""The derivation's network figures: labels, elision and highlights, read back from the SVG."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba.teach.figure import draw

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    root = ET.fromstring(svg)
    return root, {e.get("id"): e for e in root.iter() if e.get("id")}


def label(element):
    """A node's label as plain text, subscripts after _ and superscripts after ^."""
    text = element.find(f"{SVG}text")
    parts = [text.text or ""]
    for span in text:
        shift = {"sub": "_", "super": "^"}.get(span.get("baseline-shift"), "")
        parts.append(shift + (span.text or "") + (span.tail or ""))
    return "".join(parts)


def text_of(element):
    return "".join(element.itertext())


def classes(element):
    return set(element.get("class", "").split())


def seeded_3333():
    """The derivation's 3-3-3-3 shape with seeded random numbers (examples.lecture_network has
    the fixed ones); labels of the classes 1, 2, 3, 2."""
    net = ff.Network([3, 3, 3, 3], ["relu", "tanh", "softmax"], "categorical_cross_entropy", seed=0)
    X = np.random.default_rng(0).standard_normal((3, 4))
    return net, X, np.array([0, 1, 2, 1])


def test_labels_layers_and_edges_of_the_lecture_network():
    root, ids = parse(draw([3, 3, 3, 3]))
    assert root.tag == f"{SVG}svg"
    nodes = [e for e in root.iter() if "node" in classes(e)]
    assert len(nodes) == 12
    assert label(ids["node-0-2"]) == "x_2"
    assert label(ids["node-2-3"]) == "a_3^[2]"
    for l in range(4):
        assert text_of(ids[f"layer-label-{l}"]) == f"l = {l}"
        assert text_of(ids[f"size-label-{l}"]) == f"n[{l}] = 3"
        assert ids[f"size-label-{l}"].find(f"{SVG}tspan[@baseline-shift='super']").text == f"[{l}]"
    edges = [e for e in root.iter() if "edge" in classes(e)]
    assert len(edges) == 27 and "edge-3-2-1" in ids
    assert (ids["edge-3-2-1"].get("data-l"), ids["edge-3-2-1"].get("data-j"),
            ids["edge-3-2-1"].get("data-k")) == ("3", "2", "1")
    assert not any("highlight" in classes(e) for e in root.iter())
    assert not [e for e in root.iter() if "elision" in classes(e)]


def test_a_network_or_its_sizes_draw_the_same_but_for_the_weights():
    net, _, _ = seeded_3333()
    assert draw(net, edges=False) == draw([3, 3, 3, 3]) == draw((3, 3, 3, 3))
    assert draw(net) != draw([3, 3, 3, 3])


def test_large_layers_are_elided_and_say_so():
    root, ids = parse(draw([784, 100, 10], max_nodes=7))
    drawn = {l: sorted(int(e.get("data-j")) for e in root.iter()
                       if "node" in classes(e) and e.get("data-l") == str(l)) for l in range(3)}
    assert drawn == {0: [1, 2, 3, 4, 5, 784], 1: [1, 2, 3, 4, 5, 100], 2: [1, 2, 3, 4, 5, 10]}
    assert text_of(ids["elision-0"]) == "778 not drawn"
    assert text_of(ids["elision-1"]) == "94 not drawn"
    ellipses = [e for e in root.iter() if "ellipsis" in classes(e)]
    assert len(ellipses) == 3
    assert "nodes 6–783 of layer 0 not drawn" in text_of(ellipses[0])
    edges = [e.get("id") for e in root.iter() if "edge" in classes(e)]
    assert len(edges) == 2 * 36 and "edge-1-100-784" in edges
    assert label(ids["node-1-100"]) == "a_100^[1]"


def test_a_layer_of_max_nodes_is_drawn_whole():
    root, _ = parse(draw([7, 8], max_nodes=7))
    assert sum("node" in classes(e) for e in root.iter()) == 7 + 6
    assert sum("ellipsis" in classes(e) for e in root.iter()) == 1


def test_highlighted_nodes_are_never_elided():
    spec = {"target": ("node", 1, 50), "terms": [(("edge", 1, 50, 400), 0.5),
                                                  (("node", 0, 400), -2.0)], "example": 1}
    root, ids = parse(draw([784, 100, 10], highlight=spec))
    assert {"node-1-50", "node-0-400", "edge-1-50-400"} <= set(ids)
    gaps = [text_of(e) for e in root.iter() if "ellipsis" in classes(e) and
            e.get("id").startswith("ellipsis-0")]
    assert any("6–399" in g for g in gaps) and any("401–783" in g for g in gaps)
    assert "target" in classes(ids["node-1-50"])


def check_highlight(svg, target, terms):
    """Exactly ``target`` carries "target", exactly ``terms`` carry "term", each term shows
    its number."""
    root, ids = parse(svg)
    marked = {e.get("id"): classes(e) for e in root.iter() if "highlight" in classes(e)}
    assert {i for i, c in marked.items() if "target" in c} == {target}
    assert {i for i, c in marked.items() if "term" in c} == set(terms)
    for element_id, value in terms.items():
        assert shown_number(ids[f"value-{element_id}"]) == pytest.approx(value, rel=1e-3,
                                                                         abs=1e-12)
    return root, ids


def shown_number(element):
    """The number a value text shows, after its symbol's "=" (data-text holds the markup)."""
    return float(element.get("data-text").split("=")[-1].replace("−", "-"))


def test_highlight_of_z_the_edges_into_j_and_the_nodes_of_layer_l_minus_1():
    net, X, y = seeded_3333()
    t, W = net.forward(X, trace=True), net.params["W2"]
    i, j = 2, 2   # z_{2,2}^[2], 1-based
    terms = {f"edge-2-{j}-{k}": W[j - 1, k - 1] for k in (1, 2, 3)}
    terms.update({f"node-1-{k}": t["A1"][k - 1, i - 1] for k in (1, 2, 3)})
    spec = {"target": ("node", 2, j), "example": i,
            "terms": [(("edge", 2, j, k), W[j - 1, k - 1]) for k in (1, 2, 3)]
            + [(("node", 1, k), t["A1"][k - 1, i - 1]) for k in (1, 2, 3)]}
    root, ids = check_highlight(draw(net, highlight=spec), "node-2-2", terms)
    assert any("example i = 2" in e.get("data-text", "") for e in root.iter()
               if "legend" in classes(e))


def test_highlight_of_dA_prev_the_edges_out_of_k_and_the_nodes_of_layer_l():
    net, X, y = seeded_3333()
    g, W = net.gradients(X, y, trace=True), net.params["W3"]
    k, i = 1, 1
    spec = {"target": ("node", 2, k), "example": i,
            "terms": [(("edge", 3, j, k), W[j - 1, k - 1]) for j in (1, 2, 3)]
            + [(("node", 3, j), g["dZ3"][j - 1, i - 1]) for j in (1, 2, 3)]}
    terms = {f"edge-3-{j}-{k}": W[j - 1, k - 1] for j in (1, 2, 3)}
    terms.update({f"node-3-{j}": g["dZ3"][j - 1, i - 1] for j in (1, 2, 3)})
    _, ids = check_highlight(draw(net, highlight=spec), "node-2-1", terms)
    # numbers of edges fanning out of one node sit near their far ends, apart
    ys = sorted(float(ids[f"value-edge-3-{j}-1"].get("y")) for j in (1, 2, 3))
    assert ys[1] - ys[0] > 20 and ys[2] - ys[1] > 20


def test_highlight_of_dW_the_edge_and_its_two_nodes():
    net, X, y = seeded_3333()
    g = net.gradients(X, y, trace=True)
    spec = {"target": ("edge", 2, 1, 3), "terms": [(("node", 2, 1), g["dZ2"][0, 0]),
                                                   (("node", 1, 3), g["A1"][2, 0])], "example": 1}
    _, ids = check_highlight(draw(net, highlight=spec), "edge-2-1-3",
                             {"node-2-1": g["dZ2"][0, 0], "node-1-3": g["A1"][2, 0]})
    assert ids["edge-2-1-3"].get("stroke-width") == "3.5"


def test_highlight_of_softmax_dZ_the_p_sum_over_the_layer():
    net = ff.Network([3, 3, 3], ["tanh", "softmax"], "mean_squared_error", seed=1)
    X = np.random.default_rng(1).standard_normal((3, 2))
    Y = np.random.default_rng(2).standard_normal((3, 2))
    g = net.gradients(X, Y, trace=True)
    D = ff.activation_jacobian("softmax", g["Z2"][:, 0])
    j = 2
    values = [g["dA2"][p, 0] * D[j - 1, p] for p in range(3)]
    spec = {"target": ("node", 2, j), "example": 1,
            "terms": [(("node", 2, p + 1), v) for p, v in enumerate(values)]}
    root, _ = check_highlight(draw(net, highlight=spec), "node-2-2",
                              {f"node-2-{p + 1}": v for p, v in enumerate(values)})
    assert {"target", "term"} <= classes(root.find(".//*[@id='node-2-2']"))


def test_highlight_of_dW_the_two_nodes_its_sum_over_the_examples_reads():
    net, X, y = seeded_3333()
    t = net.gradients(X, y, trace=True)
    explanation = ff.explain(net, X, y, "dW", l=2, j=1, k=3)
    root, ids = parse(draw(net, highlight=explanation))
    assert "target" in classes(ids["edge-2-1-3"])
    assert {"node-2-1", "node-1-3"} == {e.get("id") for e in root.iter()
                                        if "term" in classes(e)}
    for element_id, values in (("node-2-1", t["dZ2"][0]), ("node-1-3", t["A1"][2])):
        shown = value_lines(ids, f"value-{element_id}")
        assert len(shown) == 4 and not any("⋮" in line for line in shown)   # m = 4: all of them
        assert [float(line.split("=")[-1].replace("−", "-")) for line in shown] == \
            pytest.approx(values, rel=1e-3)


def value_lines(ids, ident):
    """The data-text of the lines of one element's numbers: ident, ident.2, ident.3, ..."""
    lines, n = [], 1
    while (ident if n == 1 else f"{ident}.{n}") in ids:
        lines.append(ids[ident if n == 1 else f"{ident}.{n}"].get("data-text"))
        n += 1
    return lines


@pytest.mark.parametrize("quantity, indices", [
    ("z", dict(l=2, j=2, i=1)), ("dA_prev", dict(l=3, k=1, i=2)), ("dW", dict(l=2, j=1, k=3)),
    ("dZ", dict(l=3, j=2, i=1)), ("a", dict(l=3, j=1, i=1))])
def test_explain_highlights_draw(quantity, indices):
    """ff.explain's own highlights, where the teaching module provides them."""
    net, X, y = seeded_3333()
    explanation = ff.explain(net, X, y, quantity, **indices)
    if not hasattr(explanation, "highlights"):
        pytest.skip("ff.explain has no highlights yet")
    root, ids = parse(draw(net, highlight=explanation.highlights))
    target = explanation.highlights["target"]
    assert "target" in classes(ids["-".join(map(str, target))])
    for elem, value in explanation.highlights["terms"]:
        assert "term" in classes(ids["-".join(map(str, elem))])


@pytest.mark.parametrize("spec, message", [
    ({"target": ("node", 2, 4)}, r"j = 4 is out of range: layer 2 has nodes 1..3"),
    ({"target": ("node", 4, 1)}, r"layer l = 4 is out of range"),
    ({"target": ("edge", 0, 1, 1)}, r"weights lie in layers 1..3"),
    ({"target": ("edge", 1, 1, 5)}, r"k = 5 is out of range: layer 0 has nodes 1..3"),
    ({"terms": [(("node", 1, 0), 1.0)]}, r"highlight term 0 .*j = 0 is out of range"),
    ({"target": ("bias", 1, 1)}, r"must be \('node', l, j\) or \('edge', l, j, k\)"),
    ({"terms": [("node", 1, 1)]}, r"must be a pair \(elem, value\)"),
    ({"target": ("node", 1, 1), "colour": "red"}, r"unknown keys \['colour'\]"),
    ({"example": 0}, r"example i must be at least 1"),
])
def test_a_bad_highlight_is_refused_naming_the_problem(spec, message):
    with pytest.raises(ValueError, match=message):
        draw([3, 3, 3, 3], highlight=spec)


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="value must be a real number"):
        draw([3, 3], highlight={"terms": [(("node", 1, 1), "big")]})
    with pytest.raises(TypeError, match="highlight must be a dict"):
        draw([3, 3], highlight=[("node", 1, 1)])
    with pytest.raises(ValueError, match="max_nodes must be at least 3"):
        draw([3, 3], max_nodes=2)
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        draw([3, 3], format="pdf")
    with pytest.raises(ValueError, match="layer_sizes needs at least"):
        draw([3])


def test_files_svg_and_png(tmp_path):
    path = tmp_path / "net.svg"
    assert draw([2, 3, 1], path=path) == path
    assert path.read_text(encoding="utf-8") == draw([2, 3, 1])
    with pytest.raises(ValueError, match="format 'svg' does not match the file name"):
        draw([2, 3, 1], path=tmp_path / "net.png", format="svg")
    pytest.importorskip("matplotlib", reason="PNG figures need matplotlib (the plot extra)")
    png = tmp_path / "net.png"
    spec = {"target": ("node", 1, 1), "terms": [(("edge", 1, 1, 2), -0.25)], "example": 1}
    assert draw([2, 3, 1], highlight=spec, path=png) == png
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = draw([2, 3, 1], format="png")
    assert isinstance(data, bytes) and data[:4] == b"\x89PNG"


# -- labels, values, legends, bounds, edges (issue 26, item 3) ------------------------------

from ffnn_numba.teach.examples import lecture_network   # noqa: E402
from ffnn_numba.teach.figure import from_explanation   # noqa: E402

GREEN, PURPLE = "#15803d", "#9333ea"
CASES = {   # name: (quantity, indices), on the lecture network (m = 4)
    "z": ("z", dict(l=2, j=1, i=1)), "a-softmax": ("a", dict(l=3, j=1, i=1)),
    "a-relu": ("a", dict(l=1, j=1, i=1)), "J": ("J", {}), "seed": ("dA", dict(j=1, i=1)),
    "dZ-fused": ("dZ", dict(l=3, j=1, i=1)), "dZ-long": ("dZ", dict(l=3, j=1, i=1, fused=False)),
    "dZ-tanh": ("dZ", dict(l=2, j=1, i=1)), "dW": ("dW", dict(l=2, j=1, k=3)),
    "dW-inputs": ("dW", dict(l=1, j=3, k=1)), "db": ("db", dict(l=2, j=1)),
    "dA_prev": ("dA_prev", dict(l=3, k=2, i=1))}


def lecture_figure(name, **kwargs):
    net, X, Y = lecture_network()
    quantity, indices = CASES[name]
    explanation = ff.explain(net, X, Y, quantity, **indices)
    return net, explanation, parse(draw(net, highlight=explanation, **kwargs))


def markup_of(root, cls):
    return [e.get("data-text") for e in root.iter() if cls in classes(e) and e.get("data-text")]


def number_of(text):
    return float(text.split("=")[-1].replace("−", "-"))


# (element id, the symbol before " = "), for each case: every number says what it is
LABELS = {
    "z": [("edge-2-1-1", "w_{1,1}^[2]"), ("edge-2-1-3", "w_{1,3}^[2]"),
          ("node-1-2", "a_{2,1}^[1]")],
    "a-softmax": [("node-3-2", "z_{2,1}^[3]"), ("node-3-2.2", "exp(z_{2,1}^[3])")],
    "a-relu": [("node-1-1", "z_{1,1}^[1]")],
    "J": [("node-3-1", "Σ_i J_{1,i}"), ("node-3-3", "Σ_i J_{3,i}")],
    "seed": [("node-3-1", "a_{1,1}^[3]")],
    "dZ-long": [("node-3-2", "da_{2,1}^[3] · ∂a_{2,1}/∂z_{1,1}")],
    "dZ-tanh": [("node-2-1", "da_{1,1}^[2] · ∂a_{1,1}/∂z_{1,1}")],
    "dW": [("node-2-1", "dz_{1,1}^[2]"), ("node-2-1.4", "dz_{1,4}^[2]"),
           ("node-1-3", "a_{3,1}^[1]"), ("node-1-3.4", "a_{3,4}^[1]")],
    "dW-inputs": [("node-0-1", "x_{1,1}"), ("node-1-3.2", "dz_{3,2}^[1]")],
    "db": [("node-2-1", "dz_{1,1}^[2]"), ("node-2-1.4", "dz_{1,4}^[2]")],
    "dA_prev": [("edge-3-1-2", "w_{1,2}^[3]"), ("node-3-3", "dz_{3,1}^[3]")],
}
OWN = {"z": "z_{1,1}^[2]", "a-softmax": "a_{1,1}^[3]", "a-relu": "a_{1,1}^[1]",
       "seed": "da_{1,1}^[3]", "dZ-fused": "dz_{1,1}^[3]", "dZ-long": "dz_{1,1}^[3]",
       "dZ-tanh": "dz_{1,1}^[2]", "dW": "dw_{1,3}^[2]", "dW-inputs": "dw_{3,1}^[1]",
       "db": "db_{1}^[2]", "dA_prev": "da_{2,1}^[2]"}


@pytest.mark.parametrize("name", sorted(LABELS))
def test_every_number_is_labelled_with_its_symbol(name):
    net, explanation, (root, ids) = lecture_figure(name)
    for element_id, symbol in LABELS[name]:
        text = ids[f"value-{element_id}"].get("data-text")
        assert text.startswith(symbol + " = "), (element_id, text)
    for text in markup_of(root, "value"):   # no bare number anywhere
        assert re.match(r"^\S.* = −?[\d.]+(e[+−]\d+)?$", text), text


def test_softmax_shows_z_p_and_the_denominators_terms_exp_z_p():
    net, explanation, (root, ids) = lecture_figure("a-softmax")
    z = net.forward(lecture_network().X, trace=True)["Z3"][:, 0]
    for p in (1, 2, 3):
        assert number_of(ids[f"value-node-3-{p}"].get("data-text")) == pytest.approx(
            z[p - 1], rel=1e-3)
        assert number_of(ids[f"value-node-3-{p}.2"].get("data-text")) == pytest.approx(
            np.exp(z[p - 1]), rel=1e-3)
    legend = " ".join(line.strip() for line in markup_of(root, "legend"))
    assert f"Σ_p exp(z_{{p,1}}^[3]) = {np.exp(z).sum():.4g}" in legend


@pytest.mark.parametrize("name", sorted(OWN))
def test_the_orange_quantity_shows_its_own_value(name):
    net, explanation, (root, ids) = lecture_figure(name)
    target = "-".join(map(str, explanation.highlights["target"]))
    own = ids[f"value-{target}-own"]
    assert {"value", "target-value"} <= classes(own)
    assert own.get("data-text").startswith(OWN[name] + " = ")
    assert number_of(own.get("data-text")) == pytest.approx(explanation.value, rel=1e-3)
    assert own.get("fill") == "#c2410c"


def test_J_has_no_node_and_says_its_value_in_the_legend():
    net, explanation, (root, ids) = lecture_figure("J")
    assert not [e for e in root.iter() if "target" in classes(e)]
    assert ids["legend-1"].get("data-text").startswith(f"J = {explanation.value:.4g}, ")


# what the legend must say for each quantity (and never the false "the terms of its sum")
LEGENDS = {
    "z": ["orange: z_{1,1}^[2] = Σ_k w_{1,k}^[2] a_{k,1}^[1] + b_{1}^[2] = −0.2",
          "blue: the factors of the sum's 3 terms, each the product w_{1,k}^[2] · a_{k,1}^[1]"],
    "a-softmax": ["blue: on each node p, z_{p,1}^[3] and exp(z_{p,1}^[3]), a term of the "
                  "denominator"],
    "a-relu": ["orange: a_{1,1}^[1] = relu(z_{1,1}^[1])", "the number beside the node is z, not a"],
    "J": ["blue: on each output node j, Σ_i J_{j,i}", "a part of J, not a_j^[3]"],
    "seed": ["the seed of backpropagation", "blue: a_{1,1}^[3], the output it reads"],
    "dZ-fused": ["the fused shortcut (no sum over p)", "blue: none"],
    "dZ-long": ["blue: on each node p, the product da_{p,1}^[3] · ∂a_{p,1}/∂z_{1,1}"],
    "dZ-tanh": ["the sum's one term (element-wise: p = 1 only), the product"],
    "dW": ["orange: dw_{1,3}^[2] = ∂J/∂w_{1,3}^[2] = Σ_i dz_{1,i}^[2] a_{3,i}^[1]",
           "blue: the factors of its 4 terms, one per example i = 1..4, each the product"],
    "db": ["blue: its 4 terms dz_{1,i}^[2], one per example i = 1..4", "(they are dz, not a)"],
    "dA_prev": ["orange: da_{2,1}^[2] = ∂J/∂a_{2,1}^[2] = Σ_j w_{j,2}^[3] dz_{j,1}^[3]",
                "blue: the factors of the sum's 3 terms, each the product w_{j,2}^[3] · "
                "dz_{j,1}^[3]"],
}


@pytest.mark.parametrize("name", sorted(LEGENDS))
def test_the_legend_says_what_orange_and_blue_are_for_each_quantity(name):
    net, explanation, (root, ids) = lecture_figure(name)
    legend = " ".join(line.strip() for line in markup_of(root, "legend"))
    for phrase in LEGENDS[name]:
        assert phrase in legend, (phrase, legend)
    assert "the terms of its sum" not in legend
    assert "edges: green w_{j,k}^[l] > 0, purple w_{j,k}^[l] < 0; width ∝ |w_{j,k}^[l]| " \
           "(widest: |w_{j,k}^[l]| = 0.9)" in legend


def boxes(root):
    """(id, left, top, right, bottom) of every circle, line and text, texts estimated from
    their characters (0.6 of the font size a glyph, as wide as the widest glyphs of DejaVu
    Serif's digits and lower case)."""
    out = []
    for e in root.iter():
        if e.tag == f"{SVG}circle":
            x, y, r = (float(e.get(a)) for a in ("cx", "cy", "r"))
            out.append(("circle", x - r, y - r, x + r, y + r))
        elif e.tag == f"{SVG}line":
            x1, y1, x2, y2 = (float(e.get(a)) for a in ("x1", "y1", "x2", "y2"))
            out.append((e.get("id"), min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
        elif e.tag == f"{SVG}text":
            size = float(e.get("font-size"))
            shown = "".join(t for t in e.itertext() if t not in
                            {x.text for x in e.iter(f"{SVG}title")})
            width = 0.55 * size * len(shown)
            x, y = float(e.get("x")), float(e.get("y"))
            left = {"start": x, "end": x - width}.get(e.get("text-anchor"), x - width / 2)
            out.append((e.get("id"), left, y - size, left + width, y + 0.3 * size))
    return out


def view_box(root):
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    return x, y, x + w, y + h


@pytest.mark.parametrize("name", sorted(CASES))
def test_nothing_is_clipped_the_viewbox_holds_every_element(name):
    net, explanation, (root, ids) = lecture_figure(name)
    x0, y0, x1, y1 = view_box(root)
    assert (float(root.get("width")), float(root.get("height"))) == (x1 - x0, y1 - y0)
    for ident, left, top, right, bottom in boxes(root):
        assert x0 <= left and right <= x1 and y0 <= top and bottom <= y1, ident


def test_the_lists_of_a_wide_m_stay_inside_on_a_small_network():
    """db of the first layer of a 1-2-1 network: its list of dz sits left or right of the
    outermost columns, where the old fixed width cut it."""
    net = ff.Network([1, 2, 1], ["tanh", "sigmoid"], "binary_cross_entropy", seed=0)
    X = np.random.default_rng(0).standard_normal((1, 6))
    Y = (X > 0).astype(float)
    for quantity, indices in (("db", dict(l=2, j=1)), ("dW", dict(l=1, j=2, k=1)),
                              ("dW", dict(l=2, j=1, k=2))):
        root, _ = parse(draw(net, highlight=ff.explain(net, X, Y, quantity, **indices)))
        x0, y0, x1, y1 = view_box(root)
        for ident, left, top, right, bottom in boxes(root):
            assert x0 <= left and right <= x1 and y0 <= top and bottom <= y1, (quantity, ident)


@pytest.mark.parametrize("m, shown", [(1, 1), (4, 4), (6, 6), (7, 5), (12, 5)])
def test_every_term_up_to_m_6_then_the_first_four_an_ellipsis_and_the_last(m, shown):
    net = ff.Network([3, 3, 2], ["relu", "softmax"], "categorical_cross_entropy", seed=0)
    X = np.random.default_rng(0).standard_normal((3, m))
    y = np.arange(m) % 2
    t = net.gradients(X, y, trace=True)
    for quantity, indices, ident, row in (("dW", dict(l=2, j=1, k=2), "value-node-2-1", 0),
                                          ("db", dict(l=2, j=2), "value-node-2-2", 1)):
        _, ids = parse(draw(net, highlight=ff.explain(net, X, y, quantity, **indices)))
        lines = value_lines(ids, ident)
        numbers = [line for line in lines if "⋮" not in line]
        assert len(numbers) == shown
        if m <= 6:
            assert [number_of(line) for line in lines] == pytest.approx(t["dZ2"][row], rel=1e-3)
            assert [line.split(" = ")[0] for line in lines] == \
                [f"dz_{{{row + 1},{i}}}^[2]" for i in range(1, m + 1)]
        else:
            assert lines[4] == f"⋮ ({m - 5} more)"
            assert lines[-1].startswith(f"dz_{{{row + 1},{m}}}^[2] = ")


def test_edges_show_the_sign_and_size_of_the_weights():
    net, _, _ = lecture_network()
    root, ids = parse(draw(net))
    widths = []
    for l in (1, 2, 3):
        W = net.params[f"W{l}"]
        for j in (1, 2, 3):
            for k in (1, 2, 3):
                edge, w = ids[f"edge-{l}-{j}-{k}"], W[j - 1, k - 1]
                assert edge.get("stroke") == (GREEN if w > 0 else PURPLE)
                assert float(edge.get("data-value")) == w
                widths.append((abs(w), float(edge.get("stroke-width"))))
    widths.sort()
    assert all(a[1] <= b[1] for a, b in zip(widths, widths[1:]))    # wider for a larger |w|
    assert widths[-1] == (0.9, 5.0)
    assert "edges: green w_{j,k}^[l] > 0, purple w_{j,k}^[l] < 0" in ids["legend-1"].get(
        "data-text")
    # bare sizes have no weights: plain grey edges and no legend
    root, ids = parse(draw([3, 3, 3, 3]))
    assert {e.get("stroke") for e in root.iter(f"{SVG}line")} == {"#a3a3a3"}
    assert "legend-1" not in ids


def test_edges_can_show_the_gradients_instead():
    net, X, Y = lecture_network()
    grads = net.gradients(X, Y)
    root, ids = parse(draw(net, edges={f"dW{l}": grads[f"dW{l}"] for l in (1, 2, 3)}))
    for j, k in ((1, 1), (2, 3), (3, 2)):
        g = grads["dW2"][j - 1, k - 1]
        assert ids[f"edge-2-{j}-{k}"].get("stroke") == (GREEN if g > 0 else PURPLE)
    assert "green dw_{j,k}^[l] > 0, purple dw_{j,k}^[l] < 0" in ids["legend-1"].get("data-text")
    with pytest.raises(ValueError, match=r"must all be W1, W2, \.\.\. or all dW1"):
        draw(net, edges={"W1": net.params["W1"], "dW2": grads["dW2"]})
    with pytest.raises(ValueError, match=r"must be 3 x 3"):
        draw(net, edges={"W1": np.zeros((2, 3))})


def test_highlighted_edges_keep_the_highlight_and_the_others_fade():
    net, explanation, (root, ids) = lecture_figure("z")
    assert ids["edge-2-1-2"].get("stroke") == "#1d4ed8"
    assert ids["edge-2-1-2"].get("stroke-opacity") is None
    assert ids["edge-3-1-1"].get("stroke-opacity") == "0.45"


def test_an_explanation_and_its_highlight_dict_draw_the_same():
    net, X, Y = lecture_network()
    for quantity, indices in CASES.values():
        e = ff.explain(net, X, Y, quantity, **indices)
        assert draw(net, highlight=e) == draw(net, highlight=from_explanation(e))


@pytest.mark.parametrize("spec, error, message", [
    ({"quantity": "w", "indices": {}}, ValueError, r"unknown highlight quantity 'w'"),
    ({"quantity": "z", "indices": dict(l=1, j=1)}, ValueError, r"needs the indices l, j, i; "
     r"missing i"),
    ({"quantity": "z", "indices": dict(l=1, j=1, i=0)}, ValueError, r"index i must be an integer"),
    ({"value": "big"}, TypeError, r"highlight value: the value must be a real number"),
])
def test_a_bad_quantity_is_refused(spec, error, message):
    with pytest.raises(error, match=message):
        draw([3, 3, 3, 3], highlight=spec)


def test_png_of_a_labelled_figure(tmp_path):
    pytest.importorskip("matplotlib", reason="PNG figures need matplotlib (the plot extra)")
    net, explanation, _ = lecture_figure("dW")
    path = draw(net, highlight=explanation, path=tmp_path / "dW.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bare_sizes_with_the_activation_named_say_it():
    net, X, Y = lecture_network()
    spec = from_explanation(ff.explain(net, X, Y, "a", l=1, j=1, i=1))
    assert spec.pop("activation") == "relu"   # an explanation knows its network's
    legend = markup_of(parse(draw([3, 3, 3, 3], highlight=spec))[0], "legend")
    assert legend[0].startswith("orange: a_{1,1}^[1] = g(z_{1,1}^[1])")
    legend = markup_of(parse(draw([3, 3, 3, 3], highlight=dict(spec, activation="relu")))[0],
                       "legend")
    assert legend[0].startswith("orange: a_{1,1}^[1] = relu(z_{1,1}^[1])")
