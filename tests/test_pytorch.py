"""The PyTorch bridge: both ways, parameters bit for bit, outputs and gradients to rounding."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch extra (PyTorch) is not installed",
                            exc_type=ImportError)

import ffnn_numba as ff  # noqa: E402
from ffnn_numba import registry  # noqa: E402
from ffnn_numba.pytorch import from_torch, to_torch  # noqa: E402

ACTIVATIONS = [a for a in registry.ACTIVATIONS]


@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_to_torch_outputs_and_gradients(hidden, backend):
    net = ff.Network([3, 5, 4, 2], [hidden, "tanh", "linear"], "mean_squared_error",
                     backend=backend, seed=0)
    X = np.random.default_rng(0).standard_normal((3, 6))
    Y = np.random.default_rng(1).standard_normal((2, 6))
    seq = to_torch(net)
    x = torch.from_numpy(X.T.copy()).requires_grad_(True)
    out = seq(x)
    np.testing.assert_allclose(out.detach().numpy().T, net.forward(X), rtol=1e-12, atol=1e-14)
    loss = ((out - torch.from_numpy(Y.T.copy())) ** 2).sum() / (2 * 6)   # our J
    loss.backward()
    grads = net.gradients(X, Y)
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for l, linear in enumerate(linears, start=1):
        np.testing.assert_allclose(linear.weight.grad.numpy(), grads[f"dW{l}"], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(linear.bias.grad.numpy(), grads[f"db{l}"][:, 0], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(x.grad.numpy().T, grads["dA0"], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_bit_exact(dtype):
    net = ff.Network([4, 8, 8, 3], ["relu", "silu", "softmax"], "categorical_cross_entropy",
                     dtype=dtype, seed=0)
    seq = to_torch(net)
    assert seq[0].weight.dtype == getattr(torch, np.dtype(dtype).name)
    back = from_torch(seq, "categorical_cross_entropy")
    assert back.activations == net.activations and back.dtype == net.dtype
    for key in net.params:
        assert back.params[key].tobytes() == net.params[key].tobytes()


def test_from_torch_model():
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.ELU(), torch.nn.Linear(6, 6),
                              torch.nn.Linear(6, 2), torch.nn.Softmax(dim=1)).double()
    net = from_torch(seq, "categorical_cross_entropy")
    assert net.layer_sizes == (3, 6, 6, 2) and net.activations == ("elu", "linear", "softmax")
    X = np.random.default_rng(0).standard_normal((3, 5))
    np.testing.assert_allclose(net.forward(X), seq(torch.from_numpy(X.T.copy())).detach().numpy().T,
                               rtol=1e-12)


@pytest.mark.parametrize("seq, match", [
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU()), "unsupported module GELU"),
    (lambda: torch.nn.Sequential(torch.nn.ReLU()), "follows no Linear layer"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)), "takes 4 inputs"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)), "has no bias"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)), "unsupported module"),
    (lambda: torch.nn.Sequential(), "holds no Linear layer"),
])
def test_unsupported_models(seq, match):
    with pytest.raises(ValueError, match=match):
        from_torch(seq())
