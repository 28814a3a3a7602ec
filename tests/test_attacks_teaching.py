"""Attacks on the teaching tools, as classes (issue 24, item 5).

A. Hostile text: whatever a user's names, labels or metadata hold, the explorer page's data
   cannot close its <script> element, the page's script never reads it as markup, and every
   SVG stays well-formed XML that shows the text literally.
B. Hostile student functions: whatever a function given to the exercises grader does
   (raise, loop forever, return the wrong thing, change its arguments), every case gets its
   own clear message, and nothing it does reaches the expected values of later cases.
"""
import csv
import html.parser
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from exercise_answers import SOLUTIONS, linear_forward

import ffnn_numba as ff
from ffnn_numba.teach import exercises, explore
from ffnn_numba.teach._figure_svg import render_svg
from ffnn_numba.teach.exercises import grading
from ffnn_numba.teach.figure import draw, make_layout

# -- A. hostile text ------------------------------------------------------------------------

HOSTILE = {
    "script": "</script><script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "cdata": "]]>",
    "comment": "<!--<script>",
    "entity": "&amp;",
    "quotes": "'\"\\",
    "separators": "a\u2028b\u2029c",
    "controls": "a\x00b\x01c\x08d\x0be\x0cf\x1bg\x7fh",
    "long": "</script>" * 2000,
    "emoji": "x😀y",
    "rtl": "a\u202eevil",
    "surrogate": "a\ud800b",
}


def seeded_3333():
    net = ff.Network([3, 3, 3, 3], ["relu", "tanh", "softmax"], "categorical_cross_entropy",
                     seed=0)
    return net, np.random.default_rng(0).standard_normal((3, 4)), np.array([0, 1, 2, 1])


def hostile_page(text):
    """The explorer page of a real network whose every string in the data is ``text``, as
    if a name of the user's reached it: the activation names, the cost, the backends and
    the dtype (the page shows each)."""
    net, X, y = seeded_3333()
    data = explore.explorer_data(net, X, y)
    data.update(activations=[text] * 3, cost=text, backend=text, other_backend=text, dtype=text)
    return data, explore._page(data, draw(net))


class Scripts(html.parser.HTMLParser):
    """The page's elements as an HTML parser sees them: each <script> with its text."""

    def __init__(self):
        super().__init__()
        self.scripts, self.tags, self._open = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self._open = [dict(attrs), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.scripts.append(tuple(self._open))
            self._open = None


@pytest.mark.parametrize("kind", HOSTILE)
def test_the_pages_data_cannot_close_its_script_element(kind):
    data, page = hostile_page(HOSTILE[kind])
    parser = Scripts()
    parser.feed(page)
    assert [a.get("type") for a, _ in parser.scripts] == ["application/json", None, None, None]
    assert "img" not in parser.tags
    payload = parser.scripts[0][1]
    assert not set(payload) & set("<>&\u2028\u2029")
    assert json.loads(payload) == data   # JSON.parse reads every string back exactly


@pytest.fixture(scope="module")
def browser():
    from test_explore import chrome   # skips where selenium or Chromium is missing
    driver = chrome()
    yield driver
    driver.quit()


# NUL and the other controls, and lone surrogates, are left to the static checks: HTML
# itself drops or cannot encode them.
IN_A_BROWSER = [kind for kind in HOSTILE if kind not in ("controls", "surrogate")]


@pytest.mark.parametrize("kind", IN_A_BROWSER)
def test_in_a_browser_hostile_text_runs_nothing_and_is_shown_literally(browser, tmp_path, kind):
    from selenium.common.exceptions import NoAlertPresentException
    text = HOSTILE[kind]
    path = tmp_path / "page.html"
    path.write_text(hostile_page(text)[1], encoding="utf-8")
    browser.get(path.as_uri())
    try:
        browser.switch_to.alert.accept()
        pytest.fail("a script in the page's data ran")
    except NoAlertPresentException:
        pass
    images, scripts, title, heading, summary = browser.execute_script(
        "return [document.images.length, document.scripts.length, "
        "document.getElementById('panel-title').textContent, "
        "document.querySelector('#eq-a h3').textContent, "
        "document.getElementById('summary').textContent]")
    assert (images, scripts) == (0, 4)
    assert title.startswith("Node ")   # the page's own scripts ran: the data did not swallow them
    assert heading == f"Forward: the activation, {text} (eq:a_scalar)"
    assert f"Numbers from the {text} backend ({text})" in summary
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_user_names_labels_and_metadata_never_reach_the_page_or_figure(tmp_path):
    """The real paths: a CSV whose column names and class labels are hostile, trained into
    a model (they go into its metadata), explored with its rows; and a network's metadata."""
    names = [HOSTILE["script"], HOSTILE["attribute"], "a\u2028" + HOSTILE["comment"]]
    labels = [HOSTILE["cdata"], HOSTILE["entity"] + "😀", "q" + HOSTILE["quotes"] + "\u202e"]
    rng = np.random.default_rng(5)
    with open(tmp_path / "data.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names[:2] + [names[2]])
        for i in range(12):
            writer.writerow([f"{rng.standard_normal():.3f}", f"{rng.standard_normal():.3f}",
                             labels[i % 3]])
    from ffnn_numba.tabular import train_csv
    net, _, _ = train_csv(tmp_path / "data.csv", names[2], hidden=(3,), epochs=1,
                          log=lambda *args: None)
    assert net.metadata["features"] == names[:2] and set(net.metadata["classes"]) == set(labels)
    net.save(tmp_path / "model.npz")
    page = explore.explore_command(tmp_path / "p.html", model=tmp_path / "model.npz",
                                   data=tmp_path / "data.csv", m=3).read_text(encoding="utf-8")
    figure = explore.draw_command(tmp_path / "f.svg", model=tmp_path / "model.npz")
    ET.parse(figure)
    from ffnn_numba.teach.examples import random_examples
    net.metadata.update(title=HOSTILE["script"], notes=list(HOSTILE.values()))
    other = explore.explorer_html(net, *random_examples(net, 3, 0))
    for text in (page, other, figure.read_text(encoding="utf-8")):
        for hostile in names + labels + ["alert(1)", "onerror"]:
            assert hostile not in text


def visible(text):
    """``text`` as an SVG shows it: characters XML cannot hold become U+FFFD."""
    return re.sub("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "\ufffd", text)


@pytest.mark.parametrize("kind", HOSTILE)
def test_an_svg_with_hostile_text_is_well_formed_and_shows_it_literally(kind):
    text = HOSTILE[kind] + "\r\n\t<end>"
    layout = make_layout((3, 4, 2), 7, None, {}, None)
    layout = layout._replace(title=text, texts=[
        t._replace(runs=((text, ""), (text, "sub")), title=text) for t in layout.texts])
    svg = render_svg(layout)
    root = ET.fromstring(svg)   # well-formed XML 1.0: no forbidden character, nothing unclosed
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("aria-label") == visible(text)
    assert root.find(f"{ns}title").text == visible(text)
    labels = [e for e in root.iter(f"{ns}text") if e.get("id", "").startswith("layer-label")]
    assert labels and all(e.find(f"{ns}title").text == visible(text) for e in labels)
    assert all("".join(e.itertext()) == visible(text) * 3 for e in labels)
    assert root.find(f".//{ns}script") is None and root.find(f".//{ns}img") is None


# -- B. hostile student functions -----------------------------------------------------------

def first_case(name, number=0):
    """One case of an exercise (the first, square fixed case unless ``number`` says)."""
    return exercises.cases(exercises.exercise(name))[number]


def raising(exc):
    def function(db, dZ):
        raise exc
    return function


class UnreadableError(Exception):
    def __str__(self):
        raise RuntimeError("a __str__ that fails")


def recurses(db, dZ):
    return recurses(db, dZ)


@pytest.mark.parametrize("function, kind, words", [
    (raising(ValueError("a student's bug")), "ValueError", "a student's bug"),
    (raising(ZeroDivisionError()), "ZeroDivisionError", ""),
    (raising(StopIteration("done")), "StopIteration", "done"),
    (raising(UnreadableError()), "UnreadableError",
     "(its message could not be read: str() raised RuntimeError)"),
    (raising(MemoryError("x" * 100_000)), "MemoryError", "(100000 characters in all)"),
    (recurses, "RecursionError", "maximum recursion depth"),
], ids=["ValueError", "no-message", "StopIteration", "unreadable-str", "long-message",
        "RecursionError"])
def test_any_exception_is_reported_per_case_with_its_type_and_message(function, kind, words):
    result = exercises.check("db", function)
    assert result.mistake == "error" and not result.hint
    assert all(o.problem == "error" for o in result.outcomes)
    first = result.failures[0].lines
    assert first[0].startswith(f"It raised {kind}: ") and words in first[0]
    assert len(first[0]) < 2 * grading.MESSAGE
    assert any("test_attacks_teaching.py" in line for line in first[1:])   # the student's line
    assert "It raised" in str(result)


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_and_system_exit_go_through(exc):
    with pytest.raises(exc):
        exercises.check("db", raising(exc()))


def loops(db, dZ):
    while True:
        pass


def swallows_exceptions(db, dZ):
    while True:
        try:
            while True:
                pass
        except Exception:
            pass


def swallows_everything_three_times(db, dZ):
    for _ in range(3):
        try:
            while True:
                pass
        except BaseException:   # the attack: it catches the first stops too
            pass
    while True:
        pass


def sleeps(db, dZ):
    import time
    time.sleep(3600)


@pytest.mark.parametrize("function", [loops, swallows_exceptions,
                                      swallows_everything_three_times, sleeps])
def test_a_call_that_never_returns_is_stopped(function):
    import signal
    before = signal.getsignal(signal.SIGALRM)
    outcome = grading.run(exercises.exercise("db"), first_case("db"), function, timeout=0.2)
    assert outcome.problem == "timeout"
    assert outcome.lines[0].startswith("It took longer than 0.2 s and was stopped. "
                                       "An infinite loop?")
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_only_the_cases_that_hang_time_out_and_the_report_says_what_they_share():
    def loops_on_a_size_of_1(db, dZ):
        while dZ.shape[0] == 1:
            pass
        db[...] = dZ.sum(axis=1, keepdims=True)
    result = exercises.check("db", loops_on_a_size_of_1, timeout=0.2)
    assert {o.problem for o in result.outcomes} == {None, "timeout"}
    assert all((o.problem == "timeout") == (o.case.sizes["n"] == 1) for o in result.outcomes)
    text = " ".join(str(result).split())
    assert result.mistake == "timeout" and "took longer than 0.2 s" in text
    assert "Only cases with a size of 1 fail" in text


def test_a_timer_of_the_callers_survives_the_checks_own():
    import signal
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 600)
        assert exercises.check("db", SOLUTIONS["bias_gradient"]).passed
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left <= 600 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_off_the_main_thread_a_hanging_call_is_left_behind_and_the_later_cases_not_run():
    import threading
    stop = threading.Event()

    def loops_until_the_test_ends(db, dZ):
        while not stop.is_set():
            pass
    found = {}
    worker = threading.Thread(target=lambda: found.update(result=exercises.check(
        "db", loops_until_the_test_ends, timeout=0.2)))
    try:
        worker.start()
        worker.join(60)
        result = found["result"]
    finally:
        stop.set()
    problems = [o.problem for o in result.outcomes]
    assert problems == ["timeout"] + ["not_run"] * (len(problems) - 1)
    assert "still runs in the background" in result.failures[0].lines[0]
    assert result.failures[1].lines[0].startswith("Not run: the call on fixed case 1")


def test_a_file_that_loops_at_import_is_refused_in_words(tmp_path):
    (tmp_path / "mine.py").write_text("while True:\n    pass\n")
    with pytest.raises(ValueError, match=r"could not be imported: took longer than 0.2 s"):
        exercises.load_file(tmp_path / "mine.py", timeout=0.2)


class Refuses:
    """A returned object that refuses to be read: no __array__, __float__ or __repr__."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array")

    def __float__(self):
        raise RuntimeError("no float")

    def __len__(self):
        raise RuntimeError("no len")

    def __repr__(self):
        raise RuntimeError("no repr")


@pytest.mark.parametrize("returned, key, words", [
    ([[1.0, 2.0], [3.0]], "returned_instead", "instead of writing it into Z"),
    ([["a", "b", "c"]] * 3, "returned_instead", "instead of writing it into Z"),
    ((Refuses(),), "returned_instead", "instead of writing it into Z"),
    (Refuses(), "not_written", "It left Z as it came in"),
    (np.zeros((3, 2)), "returned_instead", "instead of writing it into Z"),
], ids=["ragged", "strings", "tuple-of-objects", "object", "wrong-shape"])
def test_whatever_an_array_exercise_returns_is_judged_in_words(returned, key, words):
    result = exercises.check("z", lambda Z, W, A_prev, b: returned)
    assert result.mistake == key and words in " ".join(str(result).split())
    assert "values you returned are right" not in str(result)


def test_a_list_of_the_right_values_returned_is_said_to_be_right():
    result = exercises.check("z", lambda Z, W, A_prev, b: (W @ A_prev + b).tolist())
    assert result.mistake == "returned_instead"
    assert "The values you returned are right" in " ".join(str(result).split())


@pytest.mark.parametrize("returned, key, words", [
    (None, "no_value", "It returned None: return J as a float."),
    ("0.5", "no_value", "It returned '0.5': return J as a float, one number."),
    (1 + 2j, "no_value", "It returned (1+2j)"),
    (10 ** 400, "no_value", "characters in all): return J as a float"),
    (Refuses(), "no_value", "It returned a Refuses (whose repr() raised RuntimeError)"),
    (np.zeros(3), "no_value", "It returned array([0., 0., 0.])"),
    (float("nan"), "wrong_values", "J is nan (expected"),
    (-np.inf, "wrong_values", "J is -inf (expected"),
], ids=["None", "str", "complex", "huge-int", "unreadable", "array", "nan", "inf"])
def test_whatever_J_is_returned_as_is_judged_in_words(returned, key, words):
    result = exercises.check("J_mean_squared_error", lambda A, Y: returned)
    text = str(result)
    assert result.mistake == key and words in " ".join(text.split()), text
    assert result.hint is None
    if key == "wrong_values":
        assert "nan comes from 0/0" in " ".join(text.split())


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_written_into_an_output_are_named_as_such(value):
    def writes(dZ, dA, Z, A):
        dZ[...] = dA * (Z > 0)
        dZ[0, 0] = value
    result = exercises.check("dZ_relu", writes)
    text = " ".join(str(result).split())
    assert result.mistake == "wrong_values" and result.hint is None
    assert f"dZ[1,1] is {value} (expected" in text and "nan comes from 0/0" in text


def test_an_output_whose_shape_or_dtype_the_function_changed_is_named():
    def transposes_the_array(Z, W, A_prev, b):
        Z.shape = Z.shape[::-1]

    def reinterprets_the_array(Z, W, A_prev, b):
        Z.dtype = np.int64 if Z.dtype == np.float64 else np.int32
    shape = exercises.check("z", transposes_the_array)
    rectangular = next(o for o in shape.outcomes if o.case.label == "fixed case 2")
    assert rectangular.problem == "changed_output"
    assert "It changed the array Z itself, its shape from (2, 4) to (4, 2)" in " ".join(
        rectangular.lines)
    dtype = exercises.check("z", reinterprets_the_array)
    assert dtype.mistake == "changed_output" and dtype.hint is None
    assert "its dtype from float64 to int64" in " ".join(str(dtype).split())


def zeroes(array):
    array[...] = 0


@pytest.mark.parametrize("name, argument", [
    ("z", "W"), ("z", "A_prev"), ("z", "b"), ("dZ_relu", "dA"), ("dZ_relu", "Z"),
    ("dZ_relu", "A"), ("J_categorical_cross_entropy", "Y")])
def test_each_modified_input_is_named_and_the_later_cases_keep_their_numbers(name, argument):
    ex = exercises.exercise(name)
    right = SOLUTIONS[ex.function]
    kept = []

    def modifies(*args):
        named = dict(zip((a.name for a in ex.arguments), args))
        returned = right(*args)   # the right answer first: only the change is wrong
        zeroes(named[argument])
        kept.append(named[argument])
        for earlier in kept:       # and every input it was given before, kept from then
            earlier[...] = 7
        return returned
    result = exercises.check(name, modifies)
    assert [o.problem for o in result.outcomes] == ["modified_input"] * len(result.outcomes)
    for outcome, fresh in zip(result.outcomes, exercises.cases(ex)):
        assert outcome.lines[0].startswith(f"It modified its input: {argument}[")
        assert len(outcome.lines) == 1   # its output, computed before the change, is right
        for key, value in fresh.inputs.items():   # nothing reached the grader's own copies
            np.testing.assert_array_equal(outcome.case.inputs[key], value)
        expected = grading.expected_outputs(ex, fresh)
        if ex.outputs:
            np.testing.assert_array_equal(outcome.expected[ex.outputs[0]], expected[ex.outputs[0]])
        else:
            assert outcome.expected == expected


def test_an_input_whose_dtype_changed_and_a_change_before_an_exception_are_named():
    def reinterprets_W(Z, W, A_prev, b):
        W.dtype = np.int64 if W.dtype == np.float64 else np.int32
        Z[...] = 0

    def changes_then_raises(Z, W, A_prev, b):
        b[0, 0] = 99
        raise ValueError("after the change")
    dtype = exercises.check("z", reinterprets_W)
    assert dtype.mistake == "modified_input"
    assert "W changed dtype from float64 to int64" in " ".join(str(dtype).split())
    raised = exercises.check("z", changes_then_raises).failures[0]
    assert raised.problem == "error" and raised.lines[0].startswith("It raised ValueError")
    assert raised.lines[-1].startswith("It modified its input: b[1,1] changed from")


def test_outputs_the_function_keeps_and_changes_later_do_not_change_its_feedback():
    kept = []

    def relu_prime_of_0_is_1_and_scribbles(dZ, dA, Z, A):
        dZ[...] = dA * (Z >= 0)   # a recognisable mistake
        for earlier in kept:
            earlier[...] = 12345.0
        kept.append(dZ)
    result = exercises.check("dZ_relu", relu_prime_of_0_is_1_and_scribbles)
    assert result.mistake == "relu_prime_zero"
    assert "12345" not in str(result)


def test_the_students_floating_point_settings_end_with_its_call():
    before = np.geterr()

    def raises_on_every_warning(db, dZ):
        np.seterr(all="raise")
        db[...] = dZ.sum(axis=1, keepdims=True)
    assert exercises.check("db", raises_on_every_warning).passed
    assert np.geterr() == before


def test_in_a_network_a_function_that_raises_or_hangs_is_reported_not_raised():
    def raises(dZ, dA, Z, A):
        raise ValueError("a student's bug")

    def hangs_on_the_lecture_networks_shape(dZ, dA, Z, A):
        while dZ.shape == (3, 4):   # no exercise case has this shape: the exercise passes
            pass
        dZ[...] = dA * (Z > 0)
    report = exercises.try_in_network({"relu_backward": raises}, epochs=2, timeout=0.2)
    text = " ".join(str(report).split())
    assert not report.passed and report.stopped == "relu_backward"
    assert "on its call 1, relu_backward raised ValueError: a student's bug" in text
    assert "test_attacks_teaching.py, in raises" in text and "reference.py" not in text
    assert text.endswith("did not run. FAILED")
    report = exercises.try_in_network({"relu_backward": hangs_on_the_lecture_networks_shape},
                                      epochs=2, timeout=0.2)
    text = " ".join(str(report).split())
    assert report.exercises["relu_backward"].passed and not report.passed
    assert "relu_backward took longer than 0.2 s and was stopped" in text


def test_a_right_function_still_passes_with_no_time_bound():
    assert exercises.check("z", linear_forward, timeout=None).passed
    with pytest.raises(ValueError, match="timeout must be a finite number > 0"):
        exercises.check("z", linear_forward, timeout=0)
