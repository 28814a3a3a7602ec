"""Teaching tools: explain shows the kernels' own numbers, summary, trace, gradcheck, Jacobian."""
import naive
import numpy as np
import pytest

import ffnn_numba as ff
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
@pytest.mark.parametrize("quantity", ff.teach.QUANTITIES)
def test_every_explanation_shows_the_kernels_value(activations, cost, quantity, backend):
    net, X, Y = problem(activations, cost, backend, m=3)
    t = net.gradients(X, Y, trace=True)
    for idx in indices(net, quantity, 3):
        e = ff.explain(net, X, Y, quantity, **idx)
        want = net.cost(X, Y) if quantity == "J" else expected(net, t, quantity, **idx)
        assert e.value == want
        assert e.matches, str(e)
        assert f"{e.value:.8g}: matches" in str(e)
        assert e.latex().startswith("\\begin{aligned}")


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
    (dict(quantity="q"), "unknown quantity 'q'; valid: z, a, J"),
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
    assert "∂J/∂w_{1,3}^{[2]} = Σ_i" in out and "matches" in out and "softmax" in out
    assert main(["explain", "dA_prev", "--l", "3", "--k", "2", "--i", "1", "--latex"]) == 0
    assert "\\frac{\\partial J}{\\partial a_{2,1}^{[2]}}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "z", "--l", "9", "--j", "1", "--i", "1"])
    assert exit_.value.code == 2
    assert "l = 9 is out of range" in capsys.readouterr().err
