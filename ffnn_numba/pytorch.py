"""The bridge to PyTorch (optional extra ``[torch]``): ``to_torch(net)`` and ``from_torch``.

A network becomes ``torch.nn.Sequential(Linear, activation, Linear, activation, ...)`` in the
network's dtype; PyTorch's rows are examples, so ``seq(X.T)`` equals ``net.forward(X).T``.
torch's ``Linear.weight`` is (out, in), the layout of W^[l], so parameters are copied
bit for bit both ways.
"""
import numpy as np

from .network import Network
from .registry import ELU_ALPHA, LEAKY_RELU_SLOPE


def _modules():
    import torch.nn as nn
    return {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
            "softplus": nn.Softplus, "silu": nn.SiLU,
            "leaky_relu": lambda: nn.LeakyReLU(LEAKY_RELU_SLOPE), "elu": lambda: nn.ELU(ELU_ALPHA),
            "softmax": lambda: nn.Softmax(dim=-1)}


def to_torch(net):
    """An equivalent ``torch.nn.Sequential`` in the network's dtype (needs PyTorch).

    Rows are examples in PyTorch: ``to_torch(net)(torch.from_numpy(X.T))`` is
    ``net.forward(X).T``.
    """
    import torch
    dtype = getattr(torch, np.dtype(net.dtype).name)
    modules = []
    for l, name in enumerate(net.activations, start=1):
        linear = torch.nn.Linear(net.layer_sizes[l - 1], net.layer_sizes[l], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(net.params[f"W{l}"].copy()))
            linear.bias.copy_(torch.from_numpy(net.params[f"b{l}"][:, 0].copy()))
        modules.append(linear)
        if name != "linear":
            modules.append(_modules()[name]())
    return torch.nn.Sequential(*modules)


def _activation_name(module):
    import torch.nn as nn
    simple = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.SiLU: "silu"}
    if type(module) in simple:
        return simple[type(module)]
    if isinstance(module, nn.Identity):
        return "linear"
    if isinstance(module, nn.LeakyReLU) and module.negative_slope == LEAKY_RELU_SLOPE:
        return "leaky_relu"
    if isinstance(module, nn.ELU) and module.alpha == ELU_ALPHA:
        return "elu"
    if isinstance(module, nn.Softplus) and module.beta == 1 and module.threshold >= 20:
        return "softplus"
    if isinstance(module, nn.Softmax) and module.dim in (-1, 1):
        return "softmax"
    raise ValueError(f"unsupported module {module!r}: from_torch reads Linear layers and the "
                     f"activations ReLU, Sigmoid, Tanh, SiLU, Identity, "
                     f"LeakyReLU({LEAKY_RELU_SLOPE:g}), ELU(alpha={ELU_ALPHA:g}), Softplus(beta=1) "
                     f"and Softmax(dim=-1 or 1)")


def from_torch(seq, cost="mean_squared_error", *, backend="loops", seed=None):
    """A network from a ``torch.nn.Sequential`` of Linear layers, each followed by at most
    one supported activation (ReLU, Sigmoid, Tanh, SiLU, Identity, LeakyReLU(0.01), ELU(1),
    Softplus(1), Softmax(-1)); parameters are copied bit for bit."""
    import torch
    layers, pending = [], None
    for module in seq:
        if isinstance(module, torch.nn.Linear):
            if pending is not None:
                layers.append((pending, "linear"))
            if module.bias is None:
                raise ValueError(f"{module!r} has no bias; every layer here has b^[l]")
            pending = module
        else:
            name = _activation_name(module)
            if pending is None:
                raise ValueError(f"{module!r} follows no Linear layer")
            layers.append((pending, name))
            pending = None
    if pending is not None:
        layers.append((pending, "linear"))
    if not layers:
        raise ValueError("the Sequential holds no Linear layer")
    dtypes = {layer.weight.dtype for layer, _ in layers}
    if len(dtypes) != 1 or dtypes.pop() not in (torch.float32, torch.float64):
        raise ValueError("every Linear layer must be float32, or every one float64")
    sizes = [layers[0][0].in_features]
    for layer, _ in layers:
        if layer.in_features != sizes[-1]:
            raise ValueError(f"{layer!r} takes {layer.in_features} inputs; the layer before "
                             f"gives {sizes[-1]}")
        sizes.append(layer.out_features)
    dtype = np.float64 if layers[0][0].weight.dtype == torch.float64 else np.float32
    net = Network(sizes, [name for _, name in layers], cost, backend=backend, dtype=dtype, seed=seed)
    for l, (layer, _) in enumerate(layers, start=1):
        net.params[f"W{l}"] = layer.weight.detach().cpu().numpy()
        net.params[f"b{l}"] = layer.bias.detach().cpu().numpy()[:, None]
    return net
