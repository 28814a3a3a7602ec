"""Teaching tools: explain shows the kernels' own numbers, summary, trace, gradcheck, Jacobian."""
import re

import naive
import numpy as np
import pytest

import ffnn_numba as ff
import ffnn_numba.teach.explain as explaining
from ffnn_numba import registry
from ffnn_numba.cli import main

# Output activation / cost pairs with softmax and every cost, fused or not.
CASES = [
    (["relu", "tanh", "softmax"], "categorical_cross_entropy"),   # fused, coupled output
    (["silu", "softmax", "softmax"], "mean_squared_error"),       # coupled dZ, seed used
    (["elu", "sigmoid"], "binary_cross_entropy"),
    (["leaky_relu", "sigmoid"], "multilabel_cross_entropy"),
    (["softplus", "sigmoid"], "categorical_cross_entropy"),       # not fused: clipped seed
    (["tanh", "linear"], "mean_squared_error"),
]


def problem(activations, cost, backend="loops", dtype=np.float64, seed=0, m=4):
    sizes = [3] * len(activations) + [1 if cost == "binary_cross_entropy" else 3]
    rng = np.random.default_rng(seed)
    net = ff.Network(sizes, activations, cost, backend=backend, dtype=dtype, seed=seed)
    X = rng.standard_normal((3, m))
    if cost == "categorical_cross_entropy":
        Y = rng.integers(0, 3, m)
    elif cost == "mean_squared_error":
        Y = rng.standard_normal((sizes[-1], m))
    else:
        Y = rng.integers(0, 2, (sizes[-1], m)).astype(float)
    return net, X, Y


def indices(net, quantity, m):
    """Every valid index combination of a quantity (1-based)."""
    L, n = net.n_layers, net.layer_sizes
    if quantity == "J":
        yield {}
    for l in range(1, L + 1):
        for j in range(1, n[l] + 1):
            if quantity in ("z", "a", "dZ") or (quantity == "dA" and l == L):
                for i in range(1, m + 1):
                    yield {"l": l, "j": j, "i": i}
            if quantity == "dW":
                for k in range(1, n[l - 1] + 1):
                    yield {"l": l, "j": j, "k": k}
            if quantity == "db":
                yield {"l": l, "j": j}
        if quantity == "dA_prev":
            for k in range(1, n[l - 1] + 1):
                for i in range(1, m + 1):
                    yield {"l": l, "k": k, "i": i}


def expected(net, t, quantity, l=None, j=None, k=None, i=None):
    """The kernels' value of the quantity, read straight from the trace."""
    L = net.n_layers
    return {"z": lambda: t[f"Z{l}"][j - 1, i - 1], "a": lambda: t[f"A{l}"][j - 1, i - 1],
            "dA": lambda: t[f"dA{L}"][j - 1, i - 1], "dZ": lambda: t[f"dZ{l}"][j - 1, i - 1],
            "dW": lambda: t[f"dW{l}"][j - 1, k - 1], "db": lambda: t[f"db{l}"][j - 1, 0],
            "dA_prev": lambda: t[f"dA{l - 1}"][k - 1, i - 1]}[quantity]()


@pytest.mark.parametrize("activations, cost", CASES)
@pytest.mark.parametrize("quantity", explaining.QUANTITIES)
def test_every_explanation_shows_the_kernels_value(activations, cost, quantity, backend):
    net, X, Y = problem(activations, cost, backend, m=3)
    t = net.gradients(X, Y, trace=True)
    for idx in indices(net, quantity, 3):
        e = ff.explain(net, X, Y, quantity, **idx, verbose=True)
        want = net.cost(X, Y) if quantity == "J" else expected(net, t, quantity, **idx)
        assert e.value == want
        assert e.matches, str(e)
        assert f"computed {e.value + 0.0:.8g} with " in str(e) and ": matches" in str(e)
        assert e.latex().startswith("\\begin{aligned}")
        assert not re.search(r"[∂Σ·−…σδλ²]", e.latex()), e.latex()   # every symbol translated
        assert not re.search(r"(?<![\w.])-0(?![.\d])", str(e)), str(e)  # never "-0"


def test_explanation_float32(backend):
    net, X, Y = problem(["relu", "softmax"], "categorical_cross_entropy", backend, np.float32)
    e = ff.explain(net, X, Y, "dW", l=1, j=2, k=3)
    assert e.matches and e.value == net.gradients(X, Y)["dW1"][1, 2]


def test_z_explanation_reads_like_the_seed():
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy")
    e = ff.explain(net, X, Y, "z", l=2, j=2, i=1)
    assert str(e).splitlines()[0] == \
        "z_{2,1}^{[2]} = Σ_k w_{2,k}^{[2]} a_{k,1}^{[1]} + b_{2}^{[2]}"
    W, A1 = net.params["W2"], net.forward(X, trace=True)["A1"]
    assert e.terms == pytest.approx([W[1, 0] * A1[0, 0], W[1, 1] * A1[1, 0], W[1, 2] * A1[2, 0],
                                     net.params["b2"][1, 0]], rel=1e-15)
    assert "Indices are 1-based" in str(e)
    assert "\\sum_{k} w_{2,k}^{[2]}" in e.latex()


def test_softmax_shows_its_sums_over_p():
    net, X, Y = problem(["silu", "softmax", "softmax"], "mean_squared_error")
    a = ff.explain(net, X, Y, "a", l=2, j=1, i=2)
    assert "Σ_p exp(z_{p,2}^{[2]})" in str(a) and len(a.terms) == 3
    dz = ff.explain(net, X, Y, "dZ", l=2, j=3, i=1)
    assert "Σ_p" in str(dz) and len(dz.terms) == 3 and "coupled" in str(dz)
    relu = ff.explain(*problem(["relu", "linear"], "mean_squared_error"), "dZ", l=1, j=1, i=1)
    assert len(relu.terms) == 1 and "p ≠ j" in str(relu)


def test_long_sums_are_elided():
    net = ff.Network([40, 2], "softmax", "categorical_cross_entropy", seed=0)
    X = np.random.default_rng(0).standard_normal((40, 3))
    e = ff.explain(net, X, [0, 1, 1], "z", l=1, j=1, i=1)
    assert " + … + " in e.substituted and len(e.terms) == 41


@pytest.mark.parametrize("kwargs, match", [
    (dict(quantity="q"), "unknown quantity 'q'; valid: 'z', 'a', 'J'"),
    (dict(quantity="z", l=1, j=1), r"needs the index i \(examples: 1..4\)"),
    (dict(quantity="z", l=4, j=1, i=1), "l = 4 is out of range: layers runs 1..3"),
    (dict(quantity="dW", l=2, j=1, k=9), "k = 9 is out of range: nodes of layer 1 runs 1..3"),
    (dict(quantity="dA", l=1, j=1, i=1), "seed dJ/dA\\^\\[L\\] of the last layer, l = 3"),
])
def test_bad_indices(kwargs, match):
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy")
    with pytest.raises(ValueError, match=match):
        ff.explain(net, X, Y, **kwargs)


def test_summary():
    text = ff.Network([784, 128, 10], cost="categorical_cross_entropy").summary(m=32)
    assert "(128, 784)" in text and "(10, 32)" in text and "100480" in text and "101770" in text


def test_trace_holds_every_quantity(backend):
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy", backend)
    t = net.gradients(X, Y, trace=True)
    assert sorted(t) == sorted([f"A{l}" for l in range(4)] + [f"dA{l}" for l in range(4)] +
                               [f"{q}{l}" for q in ("Z", "dZ", "dW", "db") for l in range(1, 4)])
    assert np.array_equal(t["A3"], net.forward(X)) and np.array_equal(t["A0"], X)
    f = net.forward(X, trace=True)
    assert all(np.array_equal(f[key], t[key]) for key in f)
    # dZ^[l] = dA^[l] ⊙ g'(Z^[l]) for the tanh layer, and the softmax seed is -Y/(mA)
    np.testing.assert_allclose(t["dZ2"], t["dA2"] * (1 - t["A2"] ** 2), rtol=1e-12)
    Yh = np.eye(3)[:, Y]
    np.testing.assert_allclose(t["dA3"], -Yh / (4 * t["A3"]), rtol=1e-12)


@pytest.mark.parametrize("activations, cost", CASES)
def test_gradcheck_passes(activations, cost, backend):
    report = ff.gradcheck(*problem(activations, cost, backend))
    assert report.passed, str(report)
    assert [row["name"] for row in report.rows][-1] == "dA0"


def test_gradcheck_checks_float32_networks_in_float64():
    net, X, Y = problem(["tanh", "sigmoid"], "multilabel_cross_entropy", dtype=np.float32)
    before = {k: v.copy() for k, v in net.params.items()}
    report = ff.gradcheck(net, X, Y)
    assert report.passed and report["dW1"]["max"] < 1e-3
    assert all(np.array_equal(before[k], net.params[k]) for k in before)


def test_gradcheck_includes_the_l2_term(backend, monkeypatch):
    """With λ > 0 the numeric side is the full J, L2 term included: the check passes, and a
    backpropagation that forgot (λ/m) W^[l] fails it."""
    net, X, Y = problem(["tanh", "linear"], "mean_squared_error", backend=backend)
    net.l2 = 5.0
    assert ff.gradcheck(net, X, Y).passed
    real = ff.Network.gradients

    def forgets_l2(self, X, Y, trace=False):
        grads = real(self, X, Y, trace)
        for l in range(1, self.n_layers + 1):
            grads[f"dW{l}"] -= self.l2 / X.shape[1] * self.params[f"W{l}"]
        return grads

    monkeypatch.setattr(ff.Network, "gradients", forgets_l2)
    report = ff.gradcheck(net, X, Y)
    assert not report.passed and report["dW1"]["max"] > 1e-2


def test_gradcheck_numbers_and_failure(monkeypatch):
    net, X, Y = problem(["tanh", "linear"], "mean_squared_error")
    numeric = naive.numerical_gradient(lambda: net.cost(X, Y), net.params["W1"])
    analytic = net.gradients(X, Y)["dW1"]
    error = np.abs(analytic - numeric) / np.maximum(np.maximum(abs(analytic), abs(numeric)), 1e-4)
    assert ff.gradcheck(net, X, Y)["dW1"]["max"] == pytest.approx(error.max(), rel=0.1, abs=1e-10)
    real = ff.Network.gradients

    def wrong(self, *args, **kwargs):  # a bug: dW1 off by one percent
        grads = real(self, *args, **kwargs)
        grads["dW1"] *= 1.01
        return grads

    monkeypatch.setattr(ff.Network, "gradients", wrong)
    report = ff.gradcheck(net, X, Y)
    assert not report.passed and report["dW1"]["max"] > 5e-3 and report["dW2"]["max"] < 1e-5
    assert "FAIL" in str(report) and "FAILED" in str(report)


@pytest.mark.parametrize("name", registry.ACTIVATIONS)
def test_activation_jacobian_layout(name):
    """Row j, column p holds ∂a_p/∂z_j, checked against central differences."""
    z = np.array([0.3, -1.2, 0.8, 2.0])
    D = ff.activation_jacobian(name, z)
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-6
        column = lambda x: naive.G[name](x[:, None])[:, 0]  # noqa: E731
        np.testing.assert_allclose(D[j], (column(z + step) - column(z - step)) / 2e-6, atol=1e-8)
    if name == "softmax":
        np.testing.assert_allclose(D.sum(axis=1), 0, atol=1e-15)
    with pytest.raises(ValueError, match="1-D"):
        ff.activation_jacobian(name, np.ones((2, 2)))


def test_explain_command(capsys):
    assert main(["explain", "dW", "--l", "2", "--j", "1", "--k", "3", "--show-network"]) == 0
    out = capsys.readouterr().out
    assert "∂J/∂w_{1,3}^{[2]} = Σ_i" in out and "softmax" in out and "matches" not in out
    assert main(["explain", "dW", "--l", "2", "--j", "1", "--k", "3", "--verbose"]) == 0
    assert "matches" in capsys.readouterr().out
    assert main(["explain", "dA_prev", "--l", "3", "--k", "2", "--i", "1", "--latex"]) == 0
    assert "\\frac{\\partial J}{\\partial a_{2,1}^{[2]}}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "z", "--l", "9", "--j", "1", "--i", "1"])
    assert exit_.value.code == 2
    assert "l = 9 is out of range" in capsys.readouterr().err


# -- the equation structure, the full chain, the kernels named, the drawing hook ----------

def test_text_and_latex_come_from_one_structure():
    from ffnn_numba.teach.equation import (Apply, Cond, Deriv, Div, Elided, Lit, Neg, Num, Paren,
                                     Pow, Rel, Sub, Sum, Sym, added, latex, mul, text)
    a, z = Sym("a", ("p", 1), 3), Sym("z", (2, 1), 3)
    e = Sum("p", mul(Deriv(Sym("J"), a), Deriv(a, z)))
    assert text(e) == "Σ_p ∂J/∂a_{p,1}^{[3]} ∂a_{p,1}^{[3]}/∂z_{2,1}^{[3]}"
    assert latex(e) == ("\\sum_{p} \\frac{\\partial J}{\\partial a_{p,1}^{[3]}} "
                        "\\frac{\\partial a_{p,1}^{[3]}}{\\partial z_{2,1}^{[3]}}")
    q = Neg(Div(Num(0.8), Paren(mul(Lit("4"), Num(-0.0)))))
    assert text(q) == "−0.8 / (4·0)" and latex(q) == "-\\frac{0.8}{4 \\cdot 0}"
    assert text(Apply("exp", (Num(-0.5),))) == "exp(-0.5)"
    assert text(Pow(Sym("a", (1, 1), 2), 2)) == "(a_{1,1}^{[2]})²"
    assert latex(Pow(Sym("a", (1, 1), 2), 2)) == "\\left(a_{1,1}^{[2]}\\right)^{2}"
    assert text(Cond(Lit("1"), Rel(Num(-1.9), ">", Lit("0")), Num(0.01))) == \
        "(1 if -1.9 > 0 else 0.01)"
    assert text(Sub(Sym("δ", ("p", 2)), Num(0.5))) == "δ_{p,2} − 0.5"
    assert latex(Sym("δ", ("p", 2))) == "\\delta_{p,2}"
    long = added(Num(x) for x in range(10))
    assert text(long) == "0 + 1 + 2 + … + 8 + 9" and Elided() in long.terms
    with pytest.raises(TypeError, match="not an equation node"):
        text("z")


def test_no_regex_latex_left():
    import inspect
    assert "import re" not in inspect.getsource(explaining)


@pytest.mark.parametrize("activations, cost", [
    (["relu", "tanh", "softmax"], "categorical_cross_entropy"),
    (["elu", "sigmoid"], "binary_cross_entropy"),
    (["leaky_relu", "sigmoid"], "multilabel_cross_entropy"),
])
def test_full_chain_of_the_fused_output(activations, cost, backend):
    """fused=False: the seed, the sum over p with every ∂a_p/∂z_j written out, and the
    shortcut it equals; the backend's value (output_delta) is the same number."""
    net, X, Y = problem(activations, cost, backend)
    L, n = net.n_layers, net.layer_sizes[-1]
    short = ff.explain(net, X, Y, "dZ", l=L, j=1, i=2)
    long = ff.explain(net, X, Y, "dZ", l=L, j=1, i=2, fused=False)
    assert long.value == short.value and long.matches, str(long)
    text = str(long)
    assert text.splitlines()[0].startswith("∂J/∂z_{1,2}^{[%d]} = Σ_p ∂J/∂a_{p,2}" % L)
    assert f"(a_{{1,2}}^{{[{L}]}} − y_{{1,2}}) / m" in text and "output_delta" in text
    numbers = text.splitlines()[2]   # the sum over p with its numbers
    if activations[-1] == "softmax":
        assert len(long.terms) == n and "coupled" in text
        assert "(δ_{p,1} − a_{1,2}" in text                     # the formula of each term
        assert numbers.count("·(1 − ") == 1 and numbers.count("·(0 − ") == n - 1
        assert "−y_{p,2} / (m a_{p,2}" in text                  # the seed, written out
    else:
        assert len(long.terms) == 1 and "·(1 − " in numbers     # a (1 − a), with numbers
        assert "((1 − y_{1,2}) / (1 − a_{1,2}" in text
    assert long.highlights["terms"] == [(("node", L, p), v) for p, v in
                                        zip(range(1, len(long.terms) + 1), long.terms)]


def test_fused_is_checked():
    net, X, Y = problem(["silu", "softmax", "softmax"], "mean_squared_error")
    with pytest.raises(ValueError, match="fused=True names the shortcut"):
        ff.explain(net, X, Y, "dZ", l=3, j=1, i=1, fused=True)
    with pytest.raises(TypeError, match="fused"):
        ff.explain(net, X, Y, "dZ", l=3, j=1, i=1, fused="no")
    same = ff.explain(net, X, Y, "dZ", l=3, j=1, i=1, fused=False)   # no shortcut to leave
    assert str(same) == str(ff.explain(net, X, Y, "dZ", l=3, j=1, i=1))
    assert "((a_{p,1}^{[3]} − y_{p,1}) / m)" in str(same)          # MSE's seed, written out


def test_J_labels_its_terms_and_states_the_sign():
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy")
    text = str(ff.explain(net, X, Y, "J"))
    assert "(j, i) = (1, 1):" in text and "(j, i) = (3, 4):" in text
    assert "negated" in text and "divided by m = 4" in text
    mse = str(ff.explain(*problem(["tanh", "linear"], "mean_squared_error"), "J"))
    assert "(j, i) = (2, 3):" in mse and "divided by 2m = 8" in mse


def test_J_and_dW_include_the_l2_term(backend):
    net, X, Y = problem(["tanh", "sigmoid"], "binary_cross_entropy", backend)
    net.l2 = 0.7
    J = ff.explain(net, X, Y, "J")
    assert J.matches and J.value == net.cost(X, Y) and "L2 penalty" in str(J)
    dW = ff.explain(net, X, Y, "dW", l=1, j=2, k=1)
    assert dW.matches and "(λ / m) w_{2,1}^{[1]}" in dW.symbolic
    assert dW.terms[-1] == pytest.approx(0.7 / 4 * net.params["W1"][1, 0])


def test_never_minus_zero():
    """relu'(z) = 0 times a negative dJ/da is -0.0 in NumPy; it prints as 0."""
    net = ff.Network([2, 2, 1], ["relu", "linear"], backend="numpy", seed=1)
    net.params["W1"][...] = [[-1.0, 0.0], [1.0, 0.0]]
    net.params["W2"][...] = [[2.0, 1.0]]
    X, Y = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[5.0, 5.0]])
    e = ff.explain(net, X, Y, "dZ", l=1, j=1, i=1, verbose=True)
    assert np.signbit(e.value) and e.value == 0
    assert "computed 0 with" in str(e) and not re.search(r"(?<![\w.])-0(?![.\d])", str(e))


def test_dA_of_a_hidden_layer_points_to_dA_prev():
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy")
    with pytest.raises(ValueError, match=r"ask for 'dA_prev' with l = 2 and k = j"):
        ff.explain(net, X, Y, "dA", l=1, j=1, i=1)


@pytest.mark.parametrize("backend, z_kernel, dZ_kernel", [
    ("loops", "kernels/blocked.py linear_forward_unrolled", "kernels/costs.py output_delta"),
    ("numpy", "ffnn_numba/vectorized/__init__.py linear_forward",
     "ffnn_numba/vectorized/__init__.py output_delta"),
    ("reference", "kernels/linear.py linear_forward", "kernels/costs.py output_delta"),
])
def test_each_explanation_names_its_backend_and_kernel(backend, z_kernel, dZ_kernel):
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy", backend)
    z, dZ = ff.explain(net, X, Y, "z", l=1, j=1, i=1, verbose=True), ff.explain(net, X, Y, "dZ", l=3, j=1, i=1, verbose=True)
    assert z.kernel == z_kernel and dZ.kernel == dZ_kernel and z.matches and dZ.matches
    assert f"The {backend} backend computed" in str(z)
    J = ff.explain(net, X, Y, "J", verbose=True)
    assert J.kernel.endswith("softmax_cross_entropy_from_logits")
    hidden = ff.explain(net, X, Y, "dZ", l=2, j=1, i=1, verbose=True)
    assert hidden.kernel.endswith("tanh_backward")
    assert ff.explain(net, X, Y, "db", l=1, j=1, verbose=True).kernel.endswith("bias_gradient")
    assert ff.explain(net, X, Y, "dA", j=1, i=1, verbose=True).kernel.endswith("categorical_cross_entropy_seed")


def test_above_the_blocked_threshold_the_blocked_kernels_are_named():
    net = ff.Network([512, 256, 2], ["relu", "softmax"], "categorical_cross_entropy", seed=0)
    X = np.random.default_rng(0).standard_normal((512, 20))
    Y = [0, 1] * 10
    for quantity, idx, kernel in [("z", dict(l=1, j=3, i=2), "linear_forward_blocked"),
                                  ("dW", dict(l=1, j=3, k=7), "weight_gradient_blocked"),
                                  ("dA_prev", dict(l=1, k=5, i=4),
                                   "prev_activation_gradient_blocked"),
                                  ("z", dict(l=2, j=1, i=1), "linear_forward_unrolled")]:
        e = ff.explain(net, X, Y, quantity, **idx)
        assert e.kernel == f"kernels/blocked.py {kernel}" and e.matches, str(e)
        assert " + … + " in e.substituted
    # Four examples: outer products for dW, and too few columns for the blocked Z.
    for quantity, idx, kernel in [("dW", dict(l=1, j=3, k=7), "weight_gradient_outer"),
                                  ("z", dict(l=1, j=3, i=2), "linear_forward_unrolled")]:
        e = ff.explain(net, X[:, :4], Y[:4], quantity, **idx)
        assert e.kernel == f"kernels/blocked.py {kernel}" and e.matches, str(e)


def test_an_unknown_backend_is_named_not_guessed():
    from types import SimpleNamespace
    stub = SimpleNamespace(backend="jax", activations=["relu"], cost_name="mean_squared_error",
                           n_layers=1, fused=False, l2=0.0, layer_sizes=[2, 1])
    assert explaining.computed_by(stub, "z", 1, 3) == (None, None)
    net, X, Y = problem(["tanh", "linear"], "mean_squared_error")
    e = ff.explain(net, X, Y, "z", l=1, j=1, i=1, verbose=True)
    e.backend, e.kernel = "jax", None
    assert f"The backend jax computed {e.value:.8g}: matches" in str(e)


def test_by_default_an_explanation_teaches_and_leaves_out_the_engine():
    """The kernel's file, the work thresholds and the "matches" note only with verbose=True,
    or when the value does not match (a bug is always said)."""
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy")
    for quantity, idx in (("z", dict(l=1, j=1, i=1)), ("dW", dict(l=1, j=1, k=1)), ("J", {})):
        quiet = str(ff.explain(net, X, Y, quantity, **idx))
        loud = str(ff.explain(net, X, Y, quantity, **idx, verbose=True))
        assert loud.startswith(quiet) and len(loud.splitlines()) > len(quiet.splitlines())
        for engine in ("kernels/", "BLOCKED_MIN_WORK", "matches", "multiply-adds"):
            assert engine not in quiet
    e = ff.explain(net, X, Y, "z", l=1, j=1, i=1)
    e.value += 1.0   # as if the backend had computed another number
    assert "DOES NOT MATCH" in str(e)
    with pytest.raises(TypeError, match="verbose"):
        ff.explain(net, X, Y, "J", verbose="yes")


def test_matches_says_what_it_checks():
    net, X, Y = problem(["relu", "linear"], "mean_squared_error")
    assert "re-adds this call's own intermediate numbers" in str(
        ff.explain(net, X, Y, "db", l=1, j=1, verbose=True))


def test_highlights_name_what_the_equation_touches():
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy")
    t = net.gradients(X, Y, trace=True)
    W2 = net.params["W2"]
    z = ff.explain(net, X, Y, "z", l=2, j=2, i=3)
    assert z.layer_sizes == [3, 3, 3, 3] and z.highlights["example"] == 3
    assert z.highlights["target"] == ("node", 2, 2)
    assert z.highlights["terms"] == [(("edge", 2, 2, k), W2[1, k - 1]) for k in (1, 2, 3)] + \
        [(("node", 1, k), t["A1"][k - 1, 2]) for k in (1, 2, 3)]
    back = ff.explain(net, X, Y, "dA_prev", l=2, k=3, i=1).highlights
    assert back["target"] == ("node", 1, 3)
    assert back["terms"] == [(("edge", 2, j, 3), W2[j - 1, 2]) for j in (1, 2, 3)] + \
        [(("node", 2, j), t["dZ2"][j - 1, 0]) for j in (1, 2, 3)]
    first = ff.explain(net, X, Y, "z", l=1, j=1, i=1).highlights   # layer 0: the inputs x_k
    assert [e for e, _ in first["terms"]][3:] == [("node", 0, k) for k in (1, 2, 3)]
    dW = ff.explain(net, X, Y, "dW", l=3, j=2, k=1).highlights   # a sum over the examples i
    assert dW == {"target": ("edge", 3, 2, 1), "example": None,
                  "terms": [(("node", 3, 2), t["dZ3"][1, i]) for i in range(4)]
                  + [(("node", 2, 1), t["A2"][0, i]) for i in range(4)]}
    db = ff.explain(net, X, Y, "db", l=2, j=3).highlights
    assert db == {"target": ("node", 2, 3), "example": None,
                  "terms": [(("node", 2, 3), t["dZ2"][2, i]) for i in range(4)]}
    J = ff.explain(net, X, Y, "J")
    assert J.highlights["target"] is None and [e for e, _ in J.highlights["terms"]] == \
        [("node", 3, j) for j in (1, 2, 3)]
    assert sum(v for _, v in J.highlights["terms"]) == pytest.approx(J.value)
    for h in (z.highlights, back, J.highlights):
        assert all(isinstance(v, float) for _, v in h["terms"])


def test_explanation_draws_its_figure():
    net, X, Y = problem(["relu", "tanh", "softmax"], "categorical_cross_entropy")
    e = ff.explain(net, X, Y, "z", l=2, j=2, i=3)
    svg = e.draw()
    assert svg == ff.draw(net, highlight=e, format="svg")   # labelled, the weights on the edges
    assert svg != ff.draw([3, 3, 3, 3], highlight=e.highlights, format="svg")
    assert svg.lstrip().startswith("<svg") or "<svg" in svg[:200]
    page = e._repr_html_()
    assert svg in page and e.latex() in page and page.index(svg) < page.index(e.latex())
    assert e._repr_latex_().startswith("$$")


@pytest.mark.parametrize("activations, cost", CASES)
def test_every_explanation_on_the_reference_backend(activations, cost):
    net, X, Y = problem(activations, cost, "reference", m=2)
    t = net.gradients(X, Y, trace=True)
    for quantity in explaining.QUANTITIES:
        for idx in indices(net, quantity, 2):
            e = ff.explain(net, X, Y, quantity, **idx, verbose=True)
            want = net.cost(X, Y) if quantity == "J" else expected(net, t, quantity, **idx)
            assert e.value == want and e.matches, str(e)
            assert e.kernel.startswith("kernels/") and "py_func" in str(e)


def test_the_debugger_recipe_stops_inside_the_kernel_from_the_repository_root():
    """docs/equations.md's pdb commands, run as written from the repository root."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "equations.md").read_text()
    recipe = next(block for block in re.findall(r"```bash\n(.*?)```", text, re.S)
                  if "python -m pdb" in block)
    done = subprocess.run(["bash", "-c", recipe.replace("python ", f"{sys.executable} ", 1)],
                          cwd=root, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kernels/linear.py:27" in done.stdout
    assert "(0, 0, 0, np.float64(0.1))" in done.stdout   # z_{1,1} starts at b_1
    assert "(0, 0, 1, np.float64(0.1))" in done.stdout   # the next example i, same k
