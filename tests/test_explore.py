"""The explorer page: its data are the library's trace (both backends), it is one
self-contained file, and in a real browser (headless Chromium) clicking, hovering and the
example control show the right equations with the kernels' numbers."""
import html.parser
import json
import re
import shutil
import struct

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba.teach.explore import draw_command, explore_command, explorer_data, write_explorer


def seeded_3333(backend="loops"):
    """The derivation's 3-3-3-3 shape with seeded random numbers (examples.lecture_network has
    the fixed ones); labels of the classes 1, 2, 3, 2."""
    net = ff.Network([3, 3, 3, 3], ["relu", "tanh", "softmax"], "categorical_cross_entropy",
                     backend=backend, seed=0)
    X = np.random.default_rng(0).standard_normal((3, 4))
    return net, X, np.array([0, 1, 2, 1])


def assert_trace(data, trace, rtol):
    for l, layer in enumerate(data["layers"]):
        for name in ("Z", "A", "dZ", "dA"):
            if f"{name}{l}" in trace:
                np.testing.assert_allclose(layer[name], trace[f"{name}{l}"], rtol=rtol, atol=1e-15)
        if l:
            np.testing.assert_allclose(layer["dW"], trace[f"dW{l}"], rtol=rtol, atol=1e-15)
            np.testing.assert_allclose(layer["db"], trace[f"db{l}"], rtol=rtol, atol=1e-15)


@pytest.mark.parametrize("activations, cost", [
    (["relu", "tanh", "softmax"], "categorical_cross_entropy"),
    (["silu", "softmax", "softmax"], "mean_squared_error"),
    (["elu", "tanh", "sigmoid"], "multilabel_cross_entropy")])
def test_the_data_are_the_trace_of_both_backends(activations, cost):
    net = ff.Network([3, 4, 2, 3], activations, cost, seed=3, l2=0.1)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 5))
    Y = rng.integers(0, 3, 5) if cost.startswith("categorical") else rng.random((3, 5))
    if cost == "multilabel_cross_entropy":
        Y = (Y > 0.5).astype(float)
    data = explorer_data(net, X, Y)
    for backend in ("loops", "numpy"):
        net.backend = backend
        assert_trace(data, net.gradients(X, Y, trace=True), rtol=1e-12)
    assert data["difference"] < 1e-12 and data["m"] == 5 and data["l2"] == 0.1
    assert np.sum(data["J_terms"]) + data["l2_penalty"] == pytest.approx(data["J"], rel=1e-12)
    assert data["l2_penalty"] == pytest.approx(
        0.1 / 10 * sum(np.sum(net.params[f"W{l}"] ** 2) for l in (1, 2, 3)), rel=1e-12)
    for l, name in enumerate(activations, start=1):   # ∂a_j/∂z_j of example i = 2
        D = ff.activation_jacobian(name, np.array(data["layers"][l]["Z"])[:, 1])
        dadz = data["layers"][l]["dadz"]
        if name == "softmax":   # written out on the page as a_p (δ_pj − a_j)
            assert dadz is None
        else:
            np.testing.assert_array_equal(np.array(dadz)[:, 1], np.diag(D))


def test_only_the_first_max_examples_are_used():
    net, X, y = seeded_3333()
    data = explorer_data(net, np.tile(X, 3), np.tile(y, 3), max_examples=5)
    assert data["m"] == 5 and data["m_all"] == 12
    assert_trace(data, net.gradients(np.tile(X, 3)[:, :5], np.tile(y, 3)[:5], trace=True), 1e-12)


class Resources(html.parser.HTMLParser):
    """Every tag's attributes that could load something from elsewhere."""

    def __init__(self):
        super().__init__()
        self.loads = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") or (name == "xlink:href"):
                self.loads.append((tag, name, value))


def test_the_page_is_one_self_contained_file(tmp_path):
    net, X, y = seeded_3333()
    text = write_explorer(net, X, y, tmp_path / "page.html").read_text(encoding="utf-8")
    parser = Resources()
    parser.feed(text)
    assert parser.loads == [("link", "href", "data:,")]   # the empty favicon, inline
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls == {"http://www.w3.org/2000/svg"}   # the SVG namespace name, never fetched
    assert "\\frac" not in text and "$$" not in text   # mathematics as MathML, not LaTeX
    data = json.loads(re.search(r'<script type="application/json" id="ffnn-data">(.*?)</script>',
                                text, re.S).group(1))
    assert data["sizes"] == [3, 3, 3, 3] and data["backend"] == "loops"


def test_commands(tmp_path):
    from ffnn_numba.teach import examples
    page = explore_command(tmp_path / "lecture.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="ffnn-data">(.*?)</script>', page, re.S).group(1))
    assert data["layers"][0]["A"] == [list(row) for row in examples.X]
    assert data["layers"][1]["W"] == [list(row) for row in examples.PARAMETERS["W1"]]
    page = explore_command(tmp_path / "a.html", layers=[2, 5, 1], m=3, seed=1)
    assert '"cost":"binary_cross_entropy"' in page.read_text(encoding="utf-8")
    figure = draw_command(tmp_path / "a.svg", layers=[2, 5, 1])
    assert figure.read_text(encoding="utf-8").startswith("<svg")
    with pytest.raises(ValueError, match="data needs a model"):
        explore_command(tmp_path / "b.html", data="x.csv")
    with pytest.raises(ValueError, match="m must be at most 64"):
        explore_command(tmp_path / "b.html", m=65)


def test_a_model_and_its_csv(tmp_path):
    net = ff.Network([2, 3, 3], ["tanh", "softmax"], "categorical_cross_entropy", seed=0)
    net.metadata = {"task": "classification", "features": ["u", "v"], "target": "kind",
                    "feature_mean": [1.0, -1.0], "feature_scale": [2.0, 4.0],
                    "classes": ["ant", "bee", "cat"]}
    net.save(tmp_path / "model.npz")
    (tmp_path / "data.csv").write_text("u,kind,v\n3,bee,-1\n1,cat,7\n5,ant,3\n9,ant,1\n")
    page = explore_command(tmp_path / "p.html", model=tmp_path / "model.npz",
                           data=tmp_path / "data.csv", m=3)
    text = page.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="ffnn-data">(.*?)</script>', text, re.S).group(1))
    assert data["layers"][0]["A"] == [[1.0, 0.0, 2.0], [0.0, 2.0, 1.0]]   # standardized rows 1-3
    assert data["Y"] == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    (tmp_path / "bad.csv").write_text("u,kind,v\n3,bird,-1\n")
    with pytest.raises(ValueError, match="'bird', which is not one of the model's classes"):
        explore_command(tmp_path / "q.html", model=tmp_path / "model.npz",
                        data=tmp_path / "bad.csv")
    with pytest.raises(ValueError, match="a model file gives the network"):
        explore_command(tmp_path / "q.html", model=tmp_path / "model.npz", layers=[2, 3])


# -- in a real browser ----------------------------------------------------------------------

WIDTH, HEIGHT = 1400, 1000


def chrome():
    webdriver = pytest.importorskip("selenium.webdriver",
                                    reason="browser tests need selenium (the browser extra)")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip("browser tests need Chromium and its driver (Debian: chromium, "
                    "chromium-driver)")
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


@pytest.fixture(scope="module")
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    """The page of a seeded 3-3-3-3 network (relu, tanh, softmax), open; its trace for the
    numbers to expect."""
    net, X, y = seeded_3333()
    path = write_explorer(net, X, y, tmp_path_factory.mktemp("explore") / "explore.html")
    browser.get(path.as_uri())
    PAGES["3333"] = path.as_uri()
    return browser, net.gradients(X, y, trace=True), net


PAGES = {}


@pytest.fixture
def fresh(page):
    """The page of ``page``, loaded anew (other tests open other pages in the browser)."""
    page[0].get(PAGES["3333"])
    return page


def errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def result(driver, equation):
    """The value an equation shows: its full-precision data-value and its visible text."""
    element = driver.find_element("css selector", f"#{equation} .result")
    shown = re.sub(r"×10(-?[0-9]+)$", r"e\1", element.text.replace("−", "-").replace("\n", ""))
    exact = float(element.get_attribute("data-value"))
    assert float(shown) == pytest.approx(exact, rel=1e-7), (equation, shown, exact)  # 8 digits
    return exact, float(shown)


def click_edge(driver, edge_id, along=0.25):
    """Click a point a quarter along the edge from its source node, where edges are apart."""
    from selenium.webdriver.common.action_chains import ActionChains
    line = driver.find_element("id", edge_id)
    x1, y1, x2, y2 = (float(line.get_attribute(a)) for a in ("x1", "y1", "x2", "y2"))
    ActionChains(driver).move_to_element_with_offset(
        line, round((along - 0.5) * (x2 - x1)), round((along - 0.5) * (y2 - y1))).click().perform()


def test_the_page_loads_without_console_errors_and_renders_mathml(page):
    driver, _, _ = page
    assert errors(driver) == []
    assert driver.find_element("css selector", "#figure svg").is_displayed()
    maths = driver.find_elements("css selector", "#equations math")
    assert len(maths) >= 10 and all(m.size["height"] > 10 for m in maths)
    assert driver.execute_script("return document.querySelector('math').namespaceURI") == \
        "http://www.w3.org/1998/Math/MathML"
    fraction = driver.find_element("css selector", "#eq-dZ mfrac")   # stacked, not inline text
    numerator, denominator = fraction.find_elements("xpath", "./*")
    assert numerator.location["y"] + numerator.size["height"] <= denominator.location["y"] + 2


def test_clicking_an_edge_shows_w_and_dJ_dw_with_the_kernels_numbers(page):
    driver, trace, net = page
    click_edge(driver, "edge-2-1-3")
    assert "Weight" in driver.find_element("id", "panel-title").text
    assert result(driver, "eq-w")[0] == net.params["W2"][0, 2]
    exact, shown = result(driver, "eq-dW")
    assert exact == trace["dW2"][0, 2]
    assert shown == pytest.approx(trace["dW2"][0, 2], rel=1e-7)
    dW = driver.find_element("id", "eq-dW")
    assert json.loads(dW.get_attribute("data-terms")) == ["edge-2-1-3", "node-2-1", "node-1-3"]
    first = dW.find_element("css selector", ".line math")
    assert first.find_element("css selector", "munder mo").text == "∑"
    letters = [mi.text for mi in first.find_elements("css selector", "msubsup > mi")]
    assert letters == ["w", "z", "a"]
    assert "selected" in driver.find_element("id", "edge-2-1-3").get_attribute("class")
    assert errors(driver) == []


def test_clicking_a_node_shows_z_a_and_dZ(page):
    driver, trace, _ = page
    driver.find_element("id", "node-2-2").click()
    for equation, key in (("eq-z", "Z2"), ("eq-a", "A2"), ("eq-dA", "dA2"), ("eq-dZ", "dZ2")):
        assert result(driver, equation)[0] == trace[key][1, 0], equation
    assert result(driver, "eq-db")[0] == trace["db2"][1, 0]
    driver.find_element("id", "node-0-3").click()
    assert result(driver, "eq-x")[0] == trace["A0"][2, 0]
    assert result(driver, "eq-dA")[0] == trace["dA0"][2, 0]


def numbers(element):
    """The numbers a line of MathML shows, in order (× 10^e forms are not expected here)."""
    return [float(mn.text.replace("−", "-")) for mn in element.find_elements("css selector", "mn")]


def test_the_fused_output_shows_the_seed_the_p_sum_and_a_minus_y_over_m(page):
    driver, trace, _ = page
    driver.find_element("id", "node-3-2").click()
    dZ = driver.find_element("id", "eq-dZ")
    symbols, written_out, terms, shortcut, shortcut_numbers, value = dZ.find_elements(
        "css selector", ".line")
    assert symbols.find_element("css selector", "munder mo").text == "∑"
    assert "δ" in written_out.text and "sum" in terms.get_attribute("class")
    assert "a − y" not in symbols.text and "y" in shortcut.text
    assert json.loads(dZ.get_attribute("data-terms")) == ["node-3-1", "node-3-2", "node-3-3"]
    seed, a = trace["dA3"][:, 0], trace["A3"][:, 0]
    delta = [0.0, 1.0, 0.0]   # δ_p2
    expected = [x for p in range(3) for x in (seed[p], a[p], delta[p], a[1])]   # ∂J/∂a_p a_p (δ − a)
    assert numbers(terms) == pytest.approx(expected, rel=1e-3)
    D = ff.activation_jacobian("softmax", trace["Z3"][:, 0])
    a, y, m = numbers(shortcut_numbers)   # (a_{2,1} − y_{2,1}) / m; example 1 is of class j = 1
    assert (a, y, m) == (pytest.approx(trace["A3"][1, 0], rel=1e-3), 0.0, 4)
    assert np.dot(seed, D[1]) == pytest.approx(result(driver, "eq-dZ")[0], rel=1e-12)
    assert result(driver, "eq-dZ")[0] == trace["dZ3"][1, 0]
    assert value.find_element("css selector", ".result")
    assert errors(driver) == []


def test_the_cost_button_shows_J_with_every_term_from_the_cost_kernel(page):
    driver, trace, net = page
    driver.find_element("id", "cost").click()
    assert " ".join(driver.find_element("id", "panel-title").text.split()) == \
        "The cost J , over all 4 examples"
    J = driver.find_element("id", "eq-J")
    _, terms, _ = J.find_elements("css selector", ".line")
    a, y = trace["A3"], np.eye(3)[:, [0, 1, 2, 1]]
    expected = [-y[j, i] * np.log(a[j, i]) / 4 for i in range(4) for j in range(3)]
    assert numbers(terms) == pytest.approx(expected, rel=1e-3, abs=1e-12)   # all 12 terms
    assert len(terms.find_elements("css selector", "math")) == 12 and "⋯" not in terms.text
    assert result(driver, "eq-J")[0] == pytest.approx(sum(expected), rel=1e-12)
    assert json.loads(J.get_attribute("data-terms")) == ["node-3-1", "node-3-2", "node-3-3"]
    assert not driver.find_elements("css selector", "#figure .selected")
    driver.find_element("id", "node-3-1").click()   # back to a node
    assert "Node" in driver.find_element("id", "panel-title").text
    assert errors(driver) == []


def test_the_example_control_changes_the_numbers(page):
    from selenium.webdriver.support.ui import Select
    driver, trace, _ = page
    driver.find_element("id", "node-3-1").click()
    before = result(driver, "eq-z")[0]
    label = driver.find_element("css selector", ".live-value[data-l='3'][data-j='1']")
    shown_before = label.text
    Select(driver.find_element("id", "example")).select_by_visible_text("i = 3")
    assert "example i = 3" in driver.find_element("id", "panel-title").text
    assert result(driver, "eq-z")[0] == trace["Z3"][0, 2] != before
    assert result(driver, "eq-dZ")[0] == trace["dZ3"][0, 2]
    assert label.text != shown_before
    name, value = label.text.split(" = ")   # each number says what it is
    assert name == "a" and float(value.replace("−", "-")) == pytest.approx(trace["A3"][0, 2],
                                                                           rel=5e-3)
    Select(driver.find_element("id", "example")).select_by_visible_text("i = 1")


def test_hovering_an_equation_highlights_its_terms(page):
    from selenium.webdriver.common.action_chains import ActionChains
    driver, _, _ = page
    driver.find_element("id", "node-2-2").click()
    ActionChains(driver).move_to_element(driver.find_element("id", "eq-z")).perform()
    hovered = {e.get_attribute("id") for e in driver.find_elements("css selector", ".hover-term")}
    assert hovered == {"edge-2-2-1", "edge-2-2-2", "edge-2-2-3", "node-1-1", "node-1-2", "node-1-3"}
    stroke = driver.find_element("id", "edge-2-2-1").value_of_css_property("stroke")
    assert stroke == "rgb(29, 78, 216)"   # the CSS highlight wins over the figure's grey
    ActionChains(driver).move_to_element(driver.find_element("id", "eq-dA")).perform()
    hovered = {e.get_attribute("id") for e in driver.find_elements("css selector", ".hover-term")}
    assert hovered == {"edge-3-1-2", "edge-3-2-2", "edge-3-3-2", "node-3-1", "node-3-2", "node-3-3"}
    ActionChains(driver).move_to_element(driver.find_element("id", "summary")).perform()
    assert driver.find_elements("css selector", ".hover-term") == []


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshot_figure_and_panel_are_present_and_placed(page):
    driver, _, _ = page
    driver.find_element("id", "node-3-2").click()
    shot = driver.get_screenshot_as_png()
    width, height = png_size(shot)
    assert width >= 1000 and height >= 600
    figure = driver.find_element("id", "figure").rect
    panel = driver.find_element("id", "panel").rect
    assert 0 <= figure["x"] < 100 and 0 < figure["y"] < 300
    assert 500 <= figure["width"] <= width and 300 <= figure["height"] <= height
    assert panel["x"] >= figure["x"] + figure["width"]           # side by side at this width
    assert panel["y"] < figure["y"] + figure["height"]
    node = driver.find_element("id", "node-3-2").rect               # inside the figure, at right
    assert figure["x"] + figure["width"] / 2 < node["x"] < figure["x"] + figure["width"]
    assert figure["y"] < node["y"] < figure["y"] + figure["height"]


def test_figure_subscripts_sit_below_and_superscripts_above(browser, tmp_path):
    path = tmp_path / "net.svg"
    from ffnn_numba.teach.figure import draw
    draw([3, 3, 3, 3], path=path)
    browser.get(path.as_uri())
    boxes = browser.execute_script("""
        const spans = document.querySelectorAll('#node-2-3 text tspan');
        return Array.from(spans, s => { const b = s.getBoundingClientRect();
                                        return [s.textContent, b.top, b.bottom]; });""")
    (_, a_top, a_bottom), (sub, sub_top, sub_bottom), (sup, sup_top, sup_bottom) = boxes
    assert (sub, sup) == ("3", "[2]")
    assert sub_bottom > a_bottom and sup_top < a_top


@pytest.mark.parametrize("sizes, activations, cost, dtype", [
    ([2, 1], ["sigmoid"], "binary_cross_entropy", np.float64),            # L = 1, fused
    ([2, 3, 2], ["elu", "linear"], "mean_squared_error", np.float32),     # seed of MSE
    ([3, 2, 3], ["softplus", "softmax"], "multilabel_cross_entropy", np.float64),  # coupled dZ
    ([9, 4, 3], ["leaky_relu", "softmax"], "categorical_cross_entropy", np.float64)])  # elided
def test_every_node_and_an_edge_of_other_networks(browser, tmp_path, sizes, activations, cost,
                                                   dtype):
    net = ff.Network(sizes, activations, cost, dtype=dtype, seed=5, l2=0.05)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((sizes[0], 3))
    Y = (rng.integers(0, sizes[-1], 3) if cost.startswith("categorical")
         else rng.integers(0, 2, (sizes[-1], 3)).astype(float))
    browser.get(write_explorer(net, X, Y, tmp_path / "page.html", max_nodes=5).as_uri())
    trace = net.gradients(X, Y, trace=True)
    L = len(sizes) - 1
    for node in browser.find_elements("css selector", "g.node"):
        l, j = int(node.get_attribute("data-l")), int(node.get_attribute("data-j"))
        node.click()
        assert result(browser, "eq-dA")[0] == float(trace[f"dA{l}"][j - 1, 0])
        if l:
            assert result(browser, "eq-dZ")[0] == float(trace[f"dZ{l}"][j - 1, 0])
    click_edge(browser, f"edge-{L}-1-1")
    assert result(browser, "eq-dW")[0] == float(trace[f"dW{L}"][0, 0])
    assert "λ" in browser.find_element("id", "eq-dW").text
    browser.find_element("id", "cost").click()
    assert result(browser, "eq-J")[0] == pytest.approx(net.cost(X, Y), rel=1e-12)
    assert "λ" in browser.find_element("id", "eq-J").text
    assert errors(browser) == []


# -- the Step mode, the strip, pinning, the keyboard, touch, and the three widths ------------------

ORDER = ["Z1", "A1", "Z2", "A2", "Z3", "A3", "J", "dA3",
         "dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "dA0"]
EQUATION = {"Z": "eq-z", "A": "eq-a", "J": "eq-J", "dA": "eq-dA", "dZ": "eq-dZ", "dW": "eq-dW",
            "db": "eq-db"}


def current_step(driver):
    chip = driver.find_element("css selector", "#steps button.current")
    key = chip.get_attribute("data-key")
    return key if key == "J" else key + chip.get_attribute("data-l")


def labels(driver, l):
    return [e.text for e in driver.find_elements("css selector", f".live-value[data-l='{l}']")]


def test_the_step_mode_walks_the_derivations_order_and_fills_in_the_figure(fresh):
    from selenium.webdriver.common.keys import Keys
    driver, trace, net = fresh
    driver.find_element("id", "node-3-1").click()
    assert driver.find_element("id", "step-prev").get_attribute("disabled") == "true"
    seen = []
    for s, name in enumerate(ORDER):
        driver.find_element("id", "step-next").click()
        seen.append(current_step(driver))
        key, l = re.match(r"([a-zA-Z]+)(\d?)", name).groups()
        assert f"Step {s + 1} of 20" in driver.find_element("id", "panel-title").text
        assert driver.find_elements("css selector", "#steps button.done") == \
            driver.find_elements("css selector", "#steps button")[:s]
        value = result(driver, EQUATION[key])[0]   # the scalar equation of entry j = 1, i = 1
        if key == "J":
            assert value == pytest.approx(net.cost(*page_examples()), rel=1e-12)
        else:
            expected = trace[f"{key}{l}"][0, 0]
            assert value == expected, name
        if name == "Z1":   # z^[1] known, a^[1] and everything after not yet
            assert all(t.startswith("z = ") for t in labels(driver, 1))
            assert labels(driver, 2) == ["", "", ""] and labels(driver, 3) == ["", "", ""]
            assert "pending" in driver.find_element("id", "node-2-1").get_attribute("class")
            assert all(t.startswith("x = ") for t in labels(driver, 0))
        if name == "dA3":
            assert all(t.startswith("∂J/∂a = ") for t in labels(driver, 3))
            assert all(t.startswith("a = ") for t in labels(driver, 2))
        if name == "dW3":   # the edge of its entry selected, all of its layer's edges marked
            assert "selected" in driver.find_element("id", "edge-3-1-1").get_attribute("class")
            assert len(driver.find_elements("css selector", "line.edge.step-layer")) == 9
    assert seen == ORDER
    assert driver.find_element("id", "step-next").get_attribute("disabled") == "true"
    assert not driver.find_elements("css selector", "#figure .node.pending")
    assert all(t.startswith("∂J/∂a = ") for t in labels(driver, 0))
    body = driver.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    assert current_step(driver) == "dW1"
    body.send_keys(Keys.ARROW_RIGHT)
    assert current_step(driver) == "db1"
    driver.find_element("css selector", "#steps button[data-key='J']").click()
    assert current_step(driver) == "J"
    driver.find_element("id", "step-exit").click()
    assert not driver.find_elements("css selector", "#steps button.current")
    assert "Node" in driver.find_element("id", "panel-title").text
    assert errors(driver) == []


def page_examples():
    _, X, y = seeded_3333()
    return X, y


def cells(driver, grid, cls):
    """(row, column) of the cells of the grid-th table of the strip with class cls."""
    table = driver.find_elements("css selector", "#strip-grids .grid")[grid]
    return sorted((int(c.get_attribute("data-r")), int(c.get_attribute("data-c")))
                  for c in table.find_elements("css selector", f"td.{cls}"))


def test_the_strip_shows_the_m_examples_with_row_j_and_column_i_highlighted(fresh):
    from selenium.webdriver.support.ui import Select
    driver, trace, _ = fresh
    driver.find_element("id", "node-2-2").click()
    Select(driver.find_element("id", "example")).select_by_visible_text("i = 3")
    captions = driver.find_elements("css selector", "#strip-grids figcaption")
    assert [c.find_element("css selector", ".shape").text for c in captions] == \
        ["3 × 4"] * 4 + ["3 × 1"]   # Z, A, ∂J/∂A, ∂J/∂Z of layer 2 and ∂J/∂b
    first = driver.find_elements("css selector", "#strip-grids table")[0]
    shown = [[float(td.text.replace("−", "-")) for td in tr.find_elements("css selector", "td")]
             for tr in first.find_elements("css selector", "tbody tr")]
    np.testing.assert_allclose(shown, trace["Z2"], rtol=5e-3)
    assert cells(driver, 0, "hi-row") == [(1, c) for c in range(4)]
    assert cells(driver, 0, "hi-col") == [(r, 2) for r in range(3)]
    # dW = dZ Aᵀ: row j of ∂J/∂Z^[2], column k of A^[1]ᵀ, their sum over i in cell (j, k)
    driver.find_element("css selector", "#steps button[data-key='dW'][data-l='2']").click()
    driver.find_elements("css selector", "#strip-grids table")[2].find_element(
        "css selector", "td[data-r='1'][data-c='2']").click()   # ∂J/∂w_{2,3}^[2]
    assert cells(driver, 0, "hi-row") == [(1, c) for c in range(4)]
    assert cells(driver, 1, "hi-col") == [(r, 2) for r in range(4)]
    assert cells(driver, 2, "hi-cell") == [(1, 2)]
    assert result(driver, "eq-dW")[0] == trace["dW2"][1, 2]
    Select(driver.find_element("id", "example")).select_by_visible_text("i = 1")
    driver.find_element("id", "step-exit").click()


def highlighted(driver, cls):
    return {e.get_attribute("id") for e in driver.find_elements("css selector", f"#figure .{cls}")}


def test_clicking_an_equation_pins_its_terms_until_escape_or_a_second_click(fresh):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    driver, _, _ = fresh
    driver.find_element("id", "node-2-2").click()
    z_terms = {"edge-2-2-1", "edge-2-2-2", "edge-2-2-3", "node-1-1", "node-1-2", "node-1-3"}
    driver.find_element("id", "eq-z").click()
    ActionChains(driver).move_to_element(driver.find_element("id", "summary")).perform()
    assert highlighted(driver, "pinned-term") == z_terms   # stays when the pointer leaves
    assert driver.find_element("id", "eq-z").get_attribute("aria-pressed") == "true"
    driver.find_element("id", "eq-dA").click()              # another equation moves the pin
    assert highlighted(driver, "pinned-term") == {"edge-3-1-2", "edge-3-2-2", "edge-3-3-2",
                                                  "node-3-1", "node-3-2", "node-3-3"}
    driver.find_element("id", "eq-dA").click()              # a second click unpins
    assert highlighted(driver, "pinned-term") == set()
    driver.find_element("id", "eq-z").click()
    driver.find_element("tag name", "body").send_keys(Keys.ESCAPE)
    assert highlighted(driver, "pinned-term") == set()
    assert driver.find_element("id", "eq-z").get_attribute("aria-pressed") == "false"


def test_the_keyboard_reaches_nodes_edges_and_equations(fresh):
    from selenium.webdriver.common.keys import Keys
    driver, trace, _ = fresh
    tabbable = driver.execute_script(
        "return Array.from(document.querySelectorAll('#figure [tabindex=\"0\"]'), e => e.id)")
    assert {f"node-{l}-{j}" for l in range(4) for j in (1, 2, 3)} <= set(tabbable)
    assert "edge-2-1-3" in tabbable
    driver.find_element("id", "cost").click()
    driver.find_element("id", "cost").send_keys(Keys.TAB)   # the first stop after the controls ...
    stops = []
    for _ in range(60):   # ... Tab walks on to the figure's nodes
        active = driver.switch_to.active_element
        stops.append(active.get_attribute("id"))
        if stops[-1] == "node-0-1":
            break
        active.send_keys(Keys.TAB)
    assert stops[-1] == "node-0-1"
    driver.execute_script("document.getElementById('node-2-2').focus()")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert "selected" in driver.find_element("id", "node-2-2").get_attribute("class")
    assert result(driver, "eq-z")[0] == trace["Z2"][1, 0]
    assert driver.switch_to.active_element.get_attribute("id") == "node-2-2"   # focus stays
    driver.execute_script("document.getElementById('edge-2-1-3').focus()")
    driver.switch_to.active_element.send_keys(Keys.SPACE)
    assert "Weight" in driver.find_element("id", "panel-title").text
    driver.execute_script("document.getElementById('eq-dW').focus()")
    assert highlighted(driver, "hover-term") == {"edge-2-1-3", "node-2-1", "node-1-3"}  # focus
    driver.switch_to.active_element.send_keys(Keys.ENTER)   # = hover
    assert highlighted(driver, "pinned-term") == {"edge-2-1-3", "node-2-1", "node-1-3"}
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert highlighted(driver, "pinned-term") == set()
    assert errors(driver) == []


def tap(driver, element_id):
    """A finger's tap at the middle of an element: touch start and end, as a phone sends them."""
    x, y = driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.scrollIntoView({block: 'center'});"
        "const r = e.getBoundingClientRect(); return [r.left + Math.min(r.width / 2, 30),"
        " r.top + Math.min(r.height / 2, 10)];", element_id)
    driver.execute_cdp_cmd("Input.dispatchTouchEvent",
                           {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_tap_is_a_click(fresh):
    driver, trace, _ = fresh
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True,
                                                                  "maxTouchPoints": 1})
    try:
        tap(driver, "node-1-3")
        assert "selected" in driver.find_element("id", "node-1-3").get_attribute("class")
        assert result(driver, "eq-z")[0] == trace["Z1"][2, 0]
        tap(driver, "eq-z")   # pins, as a click does: a finger cannot hover
        assert "pinned" in driver.find_element("id", "eq-z").get_attribute("class")
        assert highlighted(driver, "pinned-term") == {"edge-1-3-1", "edge-1-3-2", "edge-1-3-3",
                                                      "node-0-1", "node-0-2", "node-0-3"}
    finally:
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


OVERFLOW = """
const width = document.documentElement.clientWidth, wide = [];
for (const e of document.querySelectorAll('body *')) {   // SVG parts: as the SVG clips them
  if (e.closest('svg') && !e.matches('svg')) continue;
  const r = e.getBoundingClientRect();
  if (r.width > 0 && (r.right > width + 1 || r.left < -1)) wide.push(e.tagName + ' ' + e.id);
}
return [document.documentElement.scrollWidth, width, wide.slice(0, 5)];"""


@pytest.fixture(params=[390, 1024, 1400])
def width(request, page):
    """The page at a viewport width (Chromium's window has a minimum width, so the viewport
    is set through the DevTools protocol), back at WIDTH afterwards."""
    driver = page[0]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": request.param, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    yield request.param
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def fits(driver):
    scroll, client, wide = driver.execute_script(OVERFLOW)
    assert scroll <= client and wide == [], (scroll, client, wide)


def test_nothing_scrolls_sideways_at_390_1024_and_1400_px(fresh, width):
    driver, _, _ = fresh
    assert driver.execute_script("return window.innerWidth") == width
    driver.find_element("id", "node-3-1").click()
    fits(driver)
    nodes = driver.find_elements("css selector", "#figure g.node")
    assert len(nodes) == 12 and all(0 <= n.rect["x"] and n.rect["x"] + n.rect["width"] <= width
                                    for n in nodes)   # every layer in view
    figure, panel = (driver.find_element("id", i).rect for i in ("figure", "panel"))
    if width >= 1024:   # the equations beside the figure
        assert panel["x"] >= figure["x"] + figure["width"] and panel["y"] < figure["y"] + 300
    if width == 390:    # the figure takes the width, the sums one term per line
        assert figure["width"] >= width - 40
        assert driver.find_elements("css selector", "#eq-dZ .line.sum.broken")
    for target in ("eq-dZ", "eq-dA", "eq-a"):   # the softmax long way and the seed
        driver.execute_script(f"document.getElementById('{target}').scrollIntoView()")
        fits(driver)
    driver.find_element("id", "cost").click()   # J, every term
    fits(driver)
    click_edge(driver, "edge-2-1-3") if width == WIDTH else \
        driver.execute_script("document.getElementById('edge-2-1-3').dispatchEvent("
                              "new MouseEvent('click', {bubbles: true}))")
    fits(driver)
    for _ in ORDER:   # every step
        driver.find_element("id", "step-next").click()
        fits(driver)
    driver.find_element("id", "step-exit").click()
    assert errors(driver) == []
