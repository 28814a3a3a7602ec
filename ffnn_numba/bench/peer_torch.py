"""PyTorch (eager, CPU) as a benchmark peer (optional extra ``[torch]``).

The network becomes ``ffnn_numba.pytorch.to_torch(net)`` without its output activation, which
is folded into the loss as the fused pairs fold it (``CrossEntropyLoss``, ``BCEWithLogitsLoss``);
rows are examples in PyTorch. The update is ``torch.optim.SGD`` or ``torch.optim.Adam``.

Adam in PyTorch adds ε after the bias correction of v: θ ← θ − α/(1 − β1^s) · m / (√v /
√(1 − β2^s) + ε), where ``kernels/optimizers.py`` (and scikit-learn) divide by √v + ε. The
two agree exactly at step s when PyTorch's ε is ours divided by √(1 − β2^s); ``first_step_eps``
makes them agree on the first update, the one the benchmark checks. They differ by a term of
order ε afterwards, which changes no timing.
"""
import math

import numpy as np


def missing():
    """Why PyTorch cannot be used here, or None when it can."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return "torch is not installed (pip install ffnn-numba[torch])"
    return None


def _loss(net):
    import torch
    if (net.cost_name, net.activations[-1]) == ("categorical_cross_entropy", "softmax"):
        return torch.nn.CrossEntropyLoss(), lambda Y: np.ascontiguousarray(Y.argmax(axis=0))
    if net.activations[-1] == "sigmoid" and net.cost_name != "mean_squared_error":
        # torch averages over every entry; J sums over the n^[L] outputs of each example.
        n = net.layer_sizes[-1]
        bce = torch.nn.BCEWithLogitsLoss()
        return (lambda out, y: n * bce(out, y)), lambda Y: np.ascontiguousarray(Y.T)
    if (net.cost_name, net.activations[-1]) == ("mean_squared_error", "linear"):
        n = net.layer_sizes[-1]
        mse = torch.nn.MSELoss()
        return (lambda out, y: n / 2 * mse(out, y)), lambda Y: np.ascontiguousarray(Y.T)
    raise ValueError(f"the PyTorch peer computes the fused output/cost pairs and mean squared "
                     f"error with a linear output; got {net.cost_name} with {net.activations[-1]}")


class TorchPeer:
    """The network ``net`` (its current parameters) in PyTorch, trained with ``optimizer``
    (``ffnn_numba.training.SGD`` or ``Adam``); ``first_step_eps`` scales Adam's ε so that the
    first update is ours exactly (see the module's docstring).

    ``step(X, Y)`` and ``epoch(X, Y, batch_size, seed)`` return callables running one update
    on the whole batch, or one shuffled epoch; ``parameters()`` gives {"W1": ..., "b1": ...}
    in float64.
    """

    def __init__(self, net, optimizer, first_step_eps=False):
        import torch
        from ..pytorch import to_torch
        self._model = to_torch(net)
        if net.activations[-1] != "linear":
            self._model = self._model[:-1]
        self._loss, self._targets = _loss(net)
        params = self._model.parameters()
        if optimizer.name == "sgd":
            self._optimizer = torch.optim.SGD(params, lr=optimizer.learning_rate)
        elif optimizer.name == "adam":
            eps = optimizer.epsilon
            if first_step_eps:
                eps /= math.sqrt(1 - optimizer.beta_2)
            self._optimizer = torch.optim.Adam(params, lr=optimizer.learning_rate,
                                               betas=(optimizer.beta_1, optimizer.beta_2),
                                               eps=eps)
        else:
            raise ValueError(f"the PyTorch peer runs sgd and adam; got {optimizer.name}")

    def _update(self, x, y):
        self._optimizer.zero_grad()
        loss = self._loss(self._model(x), y)
        loss.backward()
        self._optimizer.step()
        return loss.detach()

    def step(self, X, Y):
        """A callable running one update on the whole batch (X, Y), returning J before it."""
        import torch
        x = torch.from_numpy(np.ascontiguousarray(X.T))
        y = torch.from_numpy(self._targets(Y))
        return lambda: self._update(x, y).item()

    def epoch(self, X, Y, batch_size, seed=0):
        """A callable running one epoch: a fresh random order (``torch.randperm``), then
        ``batch_size`` examples at a time; returns the batch costs."""
        import torch
        x = torch.from_numpy(np.ascontiguousarray(X.T))
        y = torch.from_numpy(self._targets(Y))
        m = x.shape[0]
        generator = torch.Generator().manual_seed(seed)

        def one_epoch():
            order = torch.randperm(m, generator=generator)
            costs = []
            for start in range(0, m, batch_size):
                batch = order[start:start + batch_size]
                costs.append(self._update(x.index_select(0, batch), y.index_select(0, batch)))
            return costs
        return one_epoch

    def parameters(self):
        linears = [module for module in self._model if hasattr(module, "weight")]
        out = {}
        for l, linear in enumerate(linears, start=1):
            out[f"W{l}"] = linear.weight.detach().numpy().astype(np.float64)
            out[f"b{l}"] = linear.bias.detach().numpy().astype(np.float64)[:, None]
        return out
