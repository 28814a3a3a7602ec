"""Forward and backward propagation through the whole network, written in Python.

The counterpart of ``ffnn_numba.kernels.step``: same functions, same signatures (the
network's ``layout.Buffers`` b and ``layout.Problem`` p, then the call's own arguments), same
flat buffers. ``PythonEngine`` runs them over a set of equations: ``vectorized``, each
equation in its NumPy matrix form (the "numpy" backend), or ``reference.EQUATIONS``, the
reference loop nests of ``ffnn_numba.kernels`` run as plain Python (the "reference"
backend). ``b.scratch`` is left unused.
Index letter: l layer, 1..L (row l of ``layers``; row 0 is the input layer).
"""
import numpy as np

from .. import vectorized
from ..layout import ACT, N, biases, nodes, weights


def l2_penalty(theta, layers, l2, m):
    """λ/(2m) Σ_l ||W^[l]||², the L2 term of J (weights only)."""
    return l2 / (2 * m) * sum(float(np.sum(weights(theta, layers, l).astype(np.float64) ** 2))
                              for l in range(1, layers.shape[0]))


def l2_gradient(grad, theta, layers, l2, m):
    """dW^[l] += (λ/m) W^[l] for every l."""
    for l in range(1, layers.shape[0]):
        weights(grad, layers, l)[...] += l2 / m * weights(theta, layers, l)


class PythonEngine:
    """The engine functions of ``kernels.step``, in Python, over the equations ``eq`` (a module
    or object with the names and signatures of ``ffnn_numba.vectorized``) and the L2 term's
    ``l2_penalty(theta, layers, l2, m)`` and ``l2_gradient(grad, theta, layers, l2, m)``."""

    def __init__(self, eq, l2_penalty=l2_penalty, l2_gradient=l2_gradient):
        self.eq, self.l2_penalty, self.l2_gradient = eq, l2_penalty, l2_gradient

    def forward_propagation(self, b, p, m):
        """From A^[0] (already in b.A), for l = 1..L: Z^[l] (eq:Z), then A^[l] (eq:A)."""
        layers = p.layers
        for l in range(1, layers.shape[0]):
            Z = nodes(b.Z, layers, l, m)
            self.eq.linear_forward(Z, weights(b.theta, layers, l),
                                   nodes(b.A, layers, l - 1, m), biases(b.theta, layers, l))
            self.eq.activation_forward(nodes(b.A, layers, l, m), Z, layers[l, ACT])

    def output_cost(self, b, p, Y):
        """J = f(A^[L], Y)  (eq:J), plus the L2 term when p.l2 > 0."""
        layers = p.layers
        L, m = layers.shape[0] - 1, Y.shape[1]
        J = self.eq.cost_forward(nodes(b.Z, layers, L, m), nodes(b.A, layers, L, m), Y,
                                 p.cost, p.fused)
        return J + self.l2_penalty(b.theta, layers, p.l2, m) if p.l2 > 0 else J

    def backward_propagation(self, b, p, Y, to_input):
        """From the seed dJ/dA^[L], for l = L..1: dZ^[l] (eq:dZ), dW^[l] (eq:dW),
        db^[l] (eq:db) and dA^[l-1] (eq:dA_prev); dA^[0] only when ``to_input``; the L2
        term's gradient when p.l2 > 0."""
        layers = p.layers
        L, m = layers.shape[0] - 1, Y.shape[1]
        if p.fused:
            self.eq.output_delta(nodes(b.dZ, layers, L, m), nodes(b.A, layers, L, m), Y)
        else:
            self.eq.cost_backward(nodes(b.dA, layers, L, m), nodes(b.A, layers, L, m), Y, p.cost)
        for l in range(L, 0, -1):
            dZ = nodes(b.dZ, layers, l, m)
            if l < L or not p.fused:
                self.eq.activation_backward(dZ, nodes(b.dA, layers, l, m),
                                            nodes(b.Z, layers, l, m), nodes(b.A, layers, l, m),
                                            layers[l, ACT])
            self.eq.weight_gradient(weights(b.grad, layers, l), dZ, nodes(b.A, layers, l - 1, m))
            self.eq.bias_gradient(biases(b.grad, layers, l), dZ)
            if l > 1 or to_input:
                self.eq.prev_activation_gradient(nodes(b.dA, layers, l - 1, m),
                                                 weights(b.theta, layers, l), dZ)
        if p.l2 > 0:
            self.l2_gradient(b.grad, b.theta, layers, p.l2, m)

    def train_step(self, b, p, Y):
        """One step of the update rule p.optimizer on the batch in b.A; returns J before it."""
        self.forward_propagation(b, p, Y.shape[1])
        J = self.output_cost(b, p, Y)
        self.backward_propagation(b, p, Y, False)
        self.eq.parameter_update(b.theta, b.grad, b.state, p.settings, p.optimizer)
        return J

    def train_epoch(self, b, p, X, Y, order, batch_size, costs, hits):
        """One pass over the examples in ``order``, ``batch_size`` at a time; costs[c] and
        hits[c] are batch c's J and correct predictions before its update."""
        layers = p.layers
        L, n_output = layers.shape[0] - 1, layers[-1, N]
        for c in range(costs.shape[0]):
            batch = order[c * batch_size:(c + 1) * batch_size]
            m = batch.shape[0]
            Y_batch = b.Y[:n_output * m].reshape((n_output, m))
            X.take(batch, axis=1, out=nodes(b.A, layers, 0, m), mode="clip")
            Y.take(batch, axis=1, out=Y_batch, mode="clip")
            costs[c] = self.train_step(b, p, Y_batch)
            hits[c] = self.eq.correct_predictions(nodes(b.A, layers, L, m), Y_batch, p.cost)


# The numpy backend's engine, also as module functions (the names of kernels.step).
ENGINE = PythonEngine(vectorized)
forward_propagation = ENGINE.forward_propagation
output_cost = ENGINE.output_cost
backward_propagation = ENGINE.backward_propagation
train_step = ENGINE.train_step
train_epoch = ENGINE.train_epoch
