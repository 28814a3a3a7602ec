"""``Network(..., fused=False)``: the chain the derivation writes (J from a, the seed, the output
activation's backward step) instead of the shortcut dZ^[L] = (A - Y)/m, equal to rounding."""
import collections
import json
import zipfile

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import reference, registry
from ffnn_numba.teach.examples import lecture_network

PAIRS = sorted(registry.FUSED)
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-4}


def problem(activation, cost, dtype, backend, fused):
    rng = np.random.default_rng(0)
    n_out = 1 if cost == "binary_cross_entropy" else 3
    net = ff.Network([4, 5, n_out], ["tanh", activation], cost, backend=backend, dtype=dtype,
                     seed=1, fused=fused)
    X = rng.standard_normal((4, 6))
    if cost == "categorical_cross_entropy":
        Y = np.eye(n_out)[:, rng.integers(0, n_out, 6)]
    else:
        Y = (rng.random((n_out, 6)) < 0.5).astype(float)
    return net, X, Y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("backend", registry.ALL_BACKENDS)
@pytest.mark.parametrize("activation, cost", PAIRS)
def test_the_long_chain_equals_the_shortcut(activation, cost, backend, dtype):
    fused, X, Y = problem(activation, cost, dtype, backend, None)
    chain, _, _ = problem(activation, cost, dtype, backend, False)
    assert fused.fused and not chain.fused
    scale = TOLERANCE[dtype]
    assert chain.cost(X, Y) == pytest.approx(fused.cost(X, Y), rel=scale)
    a, b = chain.gradients(X, Y), fused.gradients(X, Y)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=scale, atol=scale * np.abs(b[key]).max())
    chain.fit(X, Y, epochs=3, batch_size=4, seed=0, verbose=False)
    fused.fit(X, Y, epochs=3, batch_size=4, seed=0, verbose=False)
    np.testing.assert_allclose(chain.theta, fused.theta, rtol=10 * scale, atol=10 * scale)


def test_on_the_reference_backend_the_chain_runs_the_seed_and_softmax_backward():
    """The code a student derives is the code that runs: the plain J, the seed and the
    softmax's backward step, never the fused output_delta or the cost from the logits."""
    calls = collections.Counter()

    def counted(name):
        original = reference.EQUATIONS[name]

        def run(*args):
            calls[name] += 1
            return original(*args)
        return run

    names = ["categorical_cross_entropy_cost", "categorical_cross_entropy_seed",
             "softmax_backward", "output_delta", "softmax_cross_entropy_from_logits"]
    net, X, Y = lecture_network(backend="reference")
    chain = ff.Network(net.layer_sizes, net.activations, net.cost_name, backend="reference",
                       fused=False)
    chain.theta[...] = net.theta
    with reference.replaced(**{name: counted(name) for name in names}):
        chain.cost(X, Y)
        chain.gradients(X, Y)
        chain.step(X, Y)
    assert calls["categorical_cross_entropy_cost"] >= 2
    assert calls["categorical_cross_entropy_seed"] >= 2 and calls["softmax_backward"] >= 2
    assert calls["output_delta"] == calls["softmax_cross_entropy_from_logits"] == 0


def test_fused_is_checked_and_kept_through_save_load_and_pickle(tmp_path):
    with pytest.raises(ValueError, match="fused=True needs an output/cost pair"):
        ff.Network([2, 3, 1], cost="mean_squared_error", fused=True)
    with pytest.raises(TypeError, match="fused"):
        ff.Network([2, 3, 2], cost="categorical_cross_entropy", fused="no")
    assert ff.Network([2, 3, 2], cost="categorical_cross_entropy", fused=True).fused
    assert not ff.Network([2, 3, 1], cost="mean_squared_error").fused
    net = ff.Network([2, 3, 2], cost="categorical_cross_entropy", fused=False, seed=0)
    net.save(tmp_path / "chain.npz")
    assert not ff.Network.load(tmp_path / "chain.npz").fused
    import pickle
    assert not pickle.loads(pickle.dumps(net)).fused


def test_a_file_saved_before_the_fused_flag_loads_with_the_default(tmp_path):
    path = tmp_path / "old.npz"
    ff.Network([2, 3, 2], cost="categorical_cross_entropy", seed=0).save(path)
    with zipfile.ZipFile(path) as archive:
        header = json.loads(str(np.load(archive.open("header.npy"))))
        theta = np.load(archive.open("theta.npy"))
    del header["fused"]
    np.savez(path, header=np.array(json.dumps(header)), theta=theta)
    assert ff.Network.load(path).fused


def test_explain_on_the_chain_shows_the_softmax_step_not_the_shortcut():
    net, X, Y = lecture_network(backend="reference")
    chain = ff.Network(net.layer_sizes, net.activations, net.cost_name, backend="reference",
                       fused=False)
    chain.theta[...] = net.theta
    shortcut = str(ff.explain(net, X, Y, "dZ", l=3, j=1, i=1))
    long_way = str(ff.explain(chain, X, Y, "dZ", l=3, j=1, i=1))
    assert "(a_{1,1}^{[3]} − y_{1,1}) / m" in shortcut
    assert "Σ_p" in long_way and "(a_{1,1}^{[3]} − y_{1,1}) / m" not in long_way
    assert ff.explain(chain, X, Y, "dZ", l=3, j=1, i=1).value == pytest.approx(
        ff.explain(net, X, Y, "dZ", l=3, j=1, i=1).value, rel=1e-12)


def test_the_explorer_shows_the_chain_of_an_unfused_network(tmp_path):
    from ffnn_numba.cli import main
    from ffnn_numba.teach.explore import explorer_data, with_fused
    net, X, Y = lecture_network()
    chain = with_fused(net, False)
    assert not chain.fused and np.array_equal(chain.theta, net.theta)
    assert with_fused(net, None) is net
    data = explorer_data(chain, X, Y)
    assert data["fused"] is False
    np.testing.assert_allclose(data["layers"][3]["dZ"], explorer_data(net, X, Y)["layers"][3]["dZ"],
                               rtol=1e-12, atol=1e-15)
    assert main(["explore", "--unfused", "--output", str(tmp_path / "chain.html")]) == 0
    assert '"fused":false' in (tmp_path / "chain.html").read_text()
