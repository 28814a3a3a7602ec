"""The derivation's network figures: labels, elision and highlights, read back from the SVG."""
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
