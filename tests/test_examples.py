"""The lecture example: fixed, hand-checkable numbers, no trivial sum; the docs print exactly
what the code prints."""
import contextlib
import doctest
import io
import re
from pathlib import Path

import numpy as np
import pytest

import ffnn_numba as ff
import ffnn_numba.teach.explain as explaining
from ffnn_numba.teach import equation, examples
from ffnn_numba.teach.examples import describe_network, example_problem, lecture_network

DOC = Path(__file__).resolve().parents[1] / "docs" / "equations.md"
BLOCK = re.compile(r"```(python|text)\n(.*?)```", re.S)


def run_document(path, tmp_path):
    """Run a document's Python blocks in order in one namespace (as tests/test_docs.py does)
    and pair each ```text block with the output of the Python block just before it.

    Returns a list of (block number, the text block, what the Python block printed).
    """
    namespace, pairs, printed, last = {}, [], None, None
    with contextlib.chdir(tmp_path):
        for n, match in enumerate(BLOCK.finditer(path.read_text())):
            kind, body = match.groups()
            if kind == "python":
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(body, f"{path.name}[block {n}]", "exec"), namespace)
                printed, last = out.getvalue(), n
            else:
                assert last == n - 1, f"{path.name}: text block {n} follows no Python block"
                pairs.append((n, body, printed))
    return pairs


def test_every_output_in_the_docs_is_what_the_code_prints(tmp_path):
    pairs = run_document(DOC, tmp_path)
    assert len(pairs) >= 8
    for n, shown, printed in pairs:
        assert shown.rstrip() == printed.rstrip(), f"{DOC.name} block {n} is out of date"


def test_lecture_network_is_fixed_and_documented():
    net, X, Y = lecture_network()
    assert list(net.layer_sizes) == [3, 3, 3, 3]
    assert list(net.activations) == ["relu", "tanh", "softmax"]
    assert net.cost_name == "categorical_cross_entropy" and net.fused
    np.testing.assert_array_equal(X, examples.X)
    for key, values in examples.PARAMETERS.items():
        np.testing.assert_array_equal(net.params[key], values)
        assert np.all(np.round(net.params[key], 1) == net.params[key])   # one decimal
    np.testing.assert_allclose(Y.sum(axis=0), 1, rtol=0, atol=1e-15)
    assert list(Y.argmax(axis=0) + 1) == list(examples.CLASSES) == [1, 2, 3, 2]
    again = lecture_network()
    assert again.net.cost(again.X, again.Y) == net.cost(X, Y)
    X[0, 0] = 99.0   # new arrays on every call
    assert lecture_network().X[0, 0] == 1.0
    assert net.cost(*lecture_network()[1:]) == pytest.approx(1.2089171304911956, rel=1e-12)


def test_lecture_network_on_every_backend_and_dtype(dtype):
    ref = lecture_network().net.gradients(*lecture_network()[1:])
    for backend in ("loops", "numpy", "reference"):
        net, X, Y = lecture_network(backend, dtype)
        assert net.backend == backend and net.dtype == dtype and X.dtype == dtype
        grads = net.gradients(X, Y)
        for key in ref:
            single = dtype == np.float32
            np.testing.assert_allclose(grads[key], ref[key], rtol=1e-4 if single else 1e-12,
                                       atol=1e-6 if single else 1e-15)


def test_no_dead_unit_and_no_trivial_sum():
    net, X, Y = lecture_network()
    t = net.gradients(X, Y, trace=True)
    assert all(np.all(net.params[f"b{l}"] != 0) for l in (1, 2, 3))
    assert np.all((t["Z1"] > 0).sum(axis=1) >= 3)     # every relu unit active on 3 of 4 examples
    # the one place where relu'(z) = 0: unit 2 of layer 1 on example 2
    assert (t["Z1"] <= 0).sum() == 1 and t["Z1"][1, 1] < 0
    assert np.all(np.abs(t["Z1"]) > 0.1)               # no z near the kink of relu
    assert np.all(np.abs(t["A2"]) < 0.95)              # tanh not saturated
    for key in ("A3", "dA3", "dZ3", "dA2", "dZ2", "dA1", "dW1", "dW2", "dW3", "db1", "db2", "db3"):
        assert np.all(np.abs(t[key]) > 1e-3), key      # every term of every sum is nonzero ...
    assert np.count_nonzero(t["dZ1"]) == 11            # ... except relu's one zero


@pytest.mark.parametrize("quantity", explaining.QUANTITIES)
def test_every_printed_sum_has_nonzero_terms(quantity):
    net, X, Y = lecture_network()
    L, n, m = 3, 3, 4
    cases = {"z": [dict(l=l, j=j, i=i) for l in (1, 2, 3) for j in (1, 2, 3)
                   for i in range(1, m + 1)],
             "a": [dict(l=3, j=j, i=i) for j in (1, 2, 3) for i in (1, 2)],
             "J": [{}], "dA": [dict(j=j, i=i) for j in (1, 2, 3) for i in (1, 4)],
             "dZ": [dict(l=l, j=j, i=i) for l in (2, 3) for j in (1, 2, 3) for i in (1, 3)],
             "dW": [dict(l=l, j=j, k=k) for l in (1, 2, 3) for j in (1, 3) for k in (1, 2, 3)],
             "db": [dict(l=l, j=j) for l in (1, 2, 3) for j in (1, 2, 3)],
             "dA_prev": [dict(l=l, k=k, i=i) for l in (2, 3) for k in (1, 2, 3) for i in (1, 2)]}
    for where in cases[quantity]:
        e = ff.explain(net, X, Y, quantity, **where)
        assert e.matches, str(e)
        nonzero = [x for x in e.terms if abs(x) > 1e-4]
        # relu's one zero, a^[1] and dz^[1] of unit 2 on example 2, is one term of these sums
        relu_zero = where.get("l") == 1 and where.get("j") == 2 and quantity in ("dW", "db") \
            or where.get("l") == 2 and (quantity == "z" and where["i"] == 2
                                        or quantity == "dW" and where["k"] == 2)
        assert len(nonzero) >= len(e.terms) - relu_zero, (where, e.terms)
        assert not re.search(r"(?<![\w.])-0(?![.\d])", str(e))
    long = ff.explain(net, X, Y, "dZ", l=L, j=1, i=2, fused=False)
    assert len(long.terms) == n and all(abs(x) > 1e-3 for x in long.terms) and long.matches


def test_describe_network_prints_every_number_with_its_indices():
    net, X, Y = lecture_network()
    text = describe_network(net, X, Y)
    for title in ("X = A^[0], 3 x 4", "Y, 3 x 4", "W^[1] | b^[1]", "W^[2] | b^[2]",
                  "W^[3] | b^[3]"):
        assert title in text
    assert "activation softmax" in text and "k=3" in text and "i=4" in text and "b_j" in text
    table = [float(x) for line in text.splitlines() if re.match(r"\s+[jk]=\d+\s+-?\d", line)
             for x in line.replace("|", " ").split()[1:]]
    assert table == [*X.ravel(), *Y.ravel(),   # one decimal each: printed exactly
                     *np.hstack([net.params["W1"], net.params["b1"]]).ravel(),
                     *np.hstack([net.params["W2"], net.params["b2"]]).ravel(),
                     *np.hstack([net.params["W3"], net.params["b3"]]).ravel()]
    labels = describe_network(net, X, [0, 1, 2, 1])          # class labels: one-hot columns
    assert "       1         0         0         0" in labels


def test_example_problem_is_the_lecture_network_by_default():
    net, X, Y = example_problem()
    np.testing.assert_array_equal(X, examples.X)
    assert example_problem(backend="numpy").net.backend == "numpy"
    other = example_problem(layers=[2, 4, 3], m=5, seed=3)
    assert list(other.net.layer_sizes) == [2, 4, 3] and other.X.shape == (2, 5)
    assert other.net.cost_name == "categorical_cross_entropy" and other.Y.shape == (5,)
    mse = example_problem(activations=["tanh", "tanh", "linear"], cost="mean_squared_error")
    assert mse.Y.shape == (3, 4) and mse.net.activations[0] == "tanh"
    same = example_problem(layers=[2, 4, 3], m=5, seed=3)
    np.testing.assert_array_equal(same.X, other.X)
    with pytest.raises(ValueError, match="unknown cost"):
        example_problem(cost="hinge")


def test_one_output_node_defaults_to_binary_cross_entropy():
    """Categorical cross-entropy of one class would make J and every gradient 0."""
    net, X, Y = example_problem(layers=[2, 5, 1], m=3)
    assert net.cost_name == "binary_cross_entropy" and net.activations[-1] == "sigmoid"
    assert set(np.unique(Y)) <= {0.0, 1.0} and Y.shape == (1, 3)
    assert ff.explain(net, X, Y, "J").value > 0


def test_random_examples_do_not_repeat_the_networks_weights():
    net = ff.Network([3, 3, 3], ["tanh", "softmax"], "categorical_cross_entropy", seed=0)
    X, y = examples.random_examples(net, 4, seed=0)
    weights_stream = np.random.default_rng(0).standard_normal(12)
    assert not np.isin(X.ravel(), weights_stream).any()
    assert X.shape == (3, 4) and y.shape == (4,) and set(y) <= {0, 1, 2}


@pytest.mark.parametrize("module", [equation, examples])
def test_docstring_examples(module):
    failures, tried = doctest.testmod(module)
    assert tried and not failures


def test_a_random_example_network_has_nonzero_biases_and_its_seeded_weights():
    net, X, Y = example_problem(layers=[2, 4, 3], m=5, seed=3)
    plain = ff.Network([2, 4, 3], None, "categorical_cross_entropy", seed=3)
    for l in (1, 2):
        b = net.params[f"b{l}"]
        assert np.all(b != 0) and np.all(np.abs(b) >= 0.05) and np.all(np.abs(b) <= 0.3)
        np.testing.assert_array_equal(net.params[f"W{l}"], plain.params[f"W{l}"])
    assert not re.search(r"\|\s+0\s*$", describe_network(net, X, Y), re.M)   # no "+0" bias
    again = example_problem(layers=[2, 4, 3], m=5, seed=3).net
    np.testing.assert_array_equal(again.params["b1"], net.params["b1"])
    assert not np.array_equal(example_problem(layers=[2, 4, 3], m=5, seed=4).net.params["b1"],
                              net.params["b1"])
    z = ff.explain(net, X, Y, "z", l=1, j=1, i=1)
    assert z.terms[-1] == net.params["b1"][0, 0] != 0


def test_a_dead_relu_layer_is_warned_of_and_described():
    """Seed 27 of a 2-3-2 relu/softmax network on 2 examples: every z^[1] <= 0."""
    with pytest.warns(RuntimeWarning, match=r"Layer 1 is dead: every relu unit is zero on "
                                            r"all 2 examples"):
        net, X, Y = example_problem([2, 3, 2], ["relu", "softmax"], m=2, seed=27)
    assert np.all(net.forward(X, trace=True)["Z1"] <= 0)
    assert np.all(net.gradients(X, Y)["dW1"] == 0)
    assert "Layer 1 is dead" in describe_network(net, X, Y)
    assert examples.dead_units(net, X) == {1: [1, 2, 3]}


def test_no_warning_where_a_layer_lives():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        example_problem()
        example_problem([2, 3, 2], ["relu", "softmax"], m=2, seed=0)
    net, X, Y = lecture_network()
    assert examples.dead_units(net, X) == {}
    assert "dead" not in describe_network(net, X, Y)


def test_a_dead_unit_is_named_in_the_description():
    net, X, Y = lecture_network()
    net.params["W1"][1] = -5.0          # unit 2 of layer 1: z < 0 on every example
    assert examples.dead_units(net, X) == {1: [2]}
    assert "Layer 1: relu unit 2 of 3 is zero on all 4 examples" in describe_network(net, X, Y)
