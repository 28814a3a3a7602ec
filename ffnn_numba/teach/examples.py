"""Small networks with fixed numbers, for teaching: every printed value can be checked by hand.

``lecture_network`` is the derivation's own figure, a 3-3-3-3 network (relu, tanh, softmax,
categorical cross-entropy), with one-decimal parameters and inputs, chosen so that every sum
``ff.explain`` prints has several nonzero terms:

- every bias is nonzero; every relu unit is active (z > 0) on at least three of the four
  examples, and exactly one z^[1] is negative (unit 2 on example 2), the one place where
  relu'(z) = 0 shows;
- the targets are smoothed one-hot labels of the classes 1, 2, 3, 2: 0.8 on the example's
  class and 0.1 on the others, so every column of Y sums to 1 (as the derivation's
  dZ^[L] = (A - Y)/m needs) and no term of J, of the seed or of softmax's sum over p is 0.

``describe_network`` prints X, Y and every W^[l], b^[l] with 1-based row and column labels
(and which relu units, or whole layers, are zero on every example), and ``example_problem``
is what the ``explain`` command runs on: a random network there has nonzero biases
(``random_biases``), and a layer whose every relu is zero on all m examples is warned of.
"""
import warnings
from typing import NamedTuple

import numpy as np

from .. import validation
from ..network import Network

X = ((1.0, -0.5, 2.0, 0.5),
     (0.5, 1.5, -1.0, 1.0),
     (-1.0, 0.5, 1.0, -1.5))
"""The inputs x_{k,i} = a_{k,i}^[0]: row k, column i (m = 4 examples)."""

CLASSES = (1, 2, 3, 2)
"""The class of each example, 1-based."""

ON_CLASS, OFF_CLASS = 0.8, 0.1
"""The targets: y_{j,i} = 0.8 where j is example i's class, 0.1 elsewhere (one-hot labels
with label smoothing 0.3 over the 3 classes; written out so that every y is exactly the
float nearest to what it prints)."""

PARAMETERS = {
    "W1": ((0.9, 0.7, 0.3), (0.9, -0.4, -0.7), (0.8, 0.6, -0.3)),
    "b1": ((0.1,), (-0.5,), (0.2,)),
    "W2": ((-0.8, -0.7, 0.6), (0.2, -0.1, 0.6), (0.4, -0.4, 0.4)),
    "b2": ((-0.2,), (0.3,), (-0.1,)),
    "W3": ((0.4, -0.6, 0.7), (-0.6, 0.6, -0.7), (0.8, -0.2, 0.8)),
    "b3": ((-0.4,), (-0.3,), (-0.2,)),
}
"""w_{j,k}^[l] (row j, column k) and b_j^[l] of the lecture network."""

LAYER_SIZES = (3, 3, 3, 3)
ACTIVATIONS = ("relu", "tanh", "softmax")
COST = "categorical_cross_entropy"


class Example(NamedTuple):
    """A network and the data it is explained on: X is (n^[0], m), Y is (n^[L], m)."""
    net: Network
    X: np.ndarray
    Y: np.ndarray


def lecture_targets():
    """Y of the lecture network, (3, 4): 0.8 on each example's class, 0.1 elsewhere."""
    one_hot = np.eye(LAYER_SIZES[-1])[:, np.array(CLASSES) - 1]
    return np.where(one_hot == 1, ON_CLASS, OFF_CLASS)


def lecture_network(backend="loops", dtype=np.float64):
    """The derivation's 3-3-3-3 network with the fixed parameters and data of this module.

    Parameters
    ----------
    backend : {"loops", "numpy", "reference"}, default "loops"
    dtype : {numpy.float64, numpy.float32}, default numpy.float64

    Returns
    -------
    Example
        ``(net, X, Y)``: new arrays on every call, so changing them changes nothing here.

    Examples
    --------
    >>> import ffnn_numba as ff
    >>> from ffnn_numba.teach.examples import lecture_network
    >>> net, X, Y = lecture_network()
    >>> print(ff.explain(net, X, Y, "z", l=1, j=2, i=2).substituted)
    0.9·(-0.5) + (-0.4)·1.5 + (-0.7)·0.5 + (-0.5)
    """
    net = Network(list(LAYER_SIZES), list(ACTIVATIONS), COST, backend=backend, dtype=dtype,
                  seed=0)
    for key, values in PARAMETERS.items():
        net.params[key][...] = values
    return Example(net, np.array(X, dtype=dtype), lecture_targets().astype(dtype))


def _matrix(title, M, rows, columns, extra=None):
    """A matrix as a table with 1-based labels ``rows``=1.. and ``columns``=1..; ``extra``,
    a (name, column) pair, adds one more column after a bar."""
    width = 10
    header = " " * 8 + "".join(f"{f'{columns}={c}':>{width}}" for c in range(1, M.shape[1] + 1))
    lines = [title, header + (f"  |{extra[0]:>{width}}" if extra else "")]
    for r, row in enumerate(np.asarray(M, dtype=np.float64), start=1):
        line = f"{f'{rows}={r}':>8}" + "".join(f"{x + 0.0:>{width}.4g}" for x in row)
        lines.append(line + (f"  |{float(extra[1][r - 1, 0]) + 0.0:>{width}.4g}" if extra else ""))
    return lines


def describe_network(net, X, Y):
    """X, Y and every W^[l], b^[l] as text, each with 1-based row and column labels, so that
    a printed explanation can be checked by hand.

    Parameters
    ----------
    net : Network
    X, Y : array_like
        As for ``net.gradients``; class labels are shown as the one-hot columns they become.

    Returns
    -------
    str
    """
    X, Y = net.validate(X, Y)
    lines = _matrix(f"X = A^[0], {X.shape[0]} x {X.shape[1]} (row k: input node, column i: "
                    f"example)", X, "k", "i")
    lines += [""] + _matrix(f"Y, {Y.shape[0]} x {Y.shape[1]} (row j: output node, column i: "
                            f"example)", Y, "j", "i")
    for l in range(1, net.n_layers + 1):
        W, b = net.params[f"W{l}"], net.params[f"b{l}"]
        lines += [""] + _matrix(f"W^[{l}] | b^[{l}], {W.shape[0]} x {W.shape[1]} | "
                                f"{b.shape[0]} x 1 (row j: node of layer {l}, column k: node of "
                                f"layer {l - 1}); activation {net.activations[l - 1]}",
                                W, "j", "k", ("b_j", b))
    dead = dead_units(net, X)
    for l, units in dead.items():
        lines.append("")
        lines.append(dead_message(l, units, net.layer_sizes[l], X.shape[1]))
    return "\n".join(lines)


def dead_units(net, X):
    """{l: [j, ...]}: the 1-based relu units of each layer that are zero (z <= 0) on every
    example of X, for the layers that have any."""
    X = np.asarray(X, dtype=net.dtype)
    trace = net.forward(X, trace=True)
    dead = {}
    for l in range(1, net.n_layers + 1):
        if net.activations[l - 1] != "relu":
            continue
        units = [j + 1 for j in np.flatnonzero(np.all(trace[f"Z{l}"] <= 0, axis=1))]
        if units:
            dead[l] = units
    return dead


def dead_message(l, units, n, m):
    """What a layer's dead relu units mean, in a sentence."""
    if len(units) == n:
        return (f"Layer {l} is dead: every relu unit is zero on all {m} examples (z^[{l}] <= 0), "
                f"so a^[{l}] = 0 and dZ^[{l}] = 0: every dW, db of layers 1..{l} (and the dW of "
                f"the layer after it) is 0; try another seed or more examples.")
    return (f"Layer {l}: relu unit{'s' if len(units) > 1 else ''} "
            f"{', '.join(map(str, units))} of {n} {'are' if len(units) > 1 else 'is'} zero on all "
            f"{m} examples (dead: their dz and the gradients of their weights are 0).")


def warn_dead_layers(net, X):
    """A RuntimeWarning for each layer whose every relu unit is zero on all examples."""
    for l, units in dead_units(net, X).items():
        if len(units) == net.layer_sizes[l]:
            warnings.warn(dead_message(l, units, len(units), np.shape(X)[1]), RuntimeWarning,
                          stacklevel=3)


def random_biases(net, seed=0):
    """Set every b^[l] of ``net`` to seeded nonzero values, so that no ``+ b`` of an
    explained sum is 0: a magnitude 0.05..0.3 (two decimals) with a random sign, drawn from
    ``default_rng([seed, 2])`` (the weights use ``default_rng(seed)``, the examples
    ``default_rng([seed, 1])``)."""
    rng = np.random.default_rng([seed, 2])
    for l in range(1, net.n_layers + 1):
        b = net.params[f"b{l}"]
        size = np.round(rng.uniform(0.05, 0.3, b.shape), 2)
        b[...] = np.where(rng.random(b.shape) < 0.5, -size, size)
    return net


def random_examples(net, m, seed=0):
    """m seeded random examples for ``net``.

    Parameters
    ----------
    net : Network
    m : int
    seed : int, default 0
        Drawn from a stream of their own, ``default_rng([seed, 1])``: a network made with the
        same seed draws its weights from ``default_rng(seed)``, and X does not repeat them.

    Returns
    -------
    X : ndarray of shape (n^[0], m)
        N(0, 1) values, as standardized features are.
    Y : ndarray
        Targets the network's cost accepts: class labels (m,) for categorical
        cross-entropy, N(0, 1) values (n^[L], m) for mean squared error, 0/1 labels
        (n^[L], m) otherwise.
    """
    rng = np.random.default_rng([seed, 1])
    n_input, n_output = net.layer_sizes[0], net.layer_sizes[-1]
    X = rng.standard_normal((n_input, m))
    if net.cost_name == "categorical_cross_entropy":
        return X, rng.integers(0, n_output, m)
    if net.cost_name == "mean_squared_error":
        return X, rng.standard_normal((n_output, m))
    return X, rng.integers(0, 2, (n_output, m)).astype(np.float64)


def example_problem(layers=None, activations=None, cost=None, m=None, backend="loops", seed=0):
    """The network and data the ``explain`` and ``explore`` commands show: the lecture
    network when no architecture is given, else a seeded random network of that shape and m
    random examples (``random_examples``).

    Parameters
    ----------
    layers : list of int or None
        n^[0], ..., n^[L].
    activations : list of str or None
        As ``Network`` defaults them; the lecture network's for a 3-3-3-3 network without a
        cost.
    cost : str or None
        Default: binary cross-entropy for one output node (categorical cross-entropy of one
        class would make J and every gradient 0), categorical cross-entropy otherwise.
    m : int or None
        Examples; the lecture network has 4.
    backend : str
    seed : int
        The random seed of the random network's parameters and data (the lecture network
        has none).

    Returns
    -------
    Example
        A random network's biases are nonzero (``random_biases``).

    Warns
    -----
    RuntimeWarning
        When every relu unit of a layer is zero on all m examples (a dead layer: every
        gradient up to it is 0).
    """
    if layers is None and activations is None and cost is None and m in (None, 4):
        return lecture_network(backend)
    layers = list(LAYER_SIZES) if layers is None else list(layers)
    if activations is None and cost is None and layers == list(LAYER_SIZES):
        activations = list(ACTIVATIONS)
    if cost is None:
        cost = "binary_cross_entropy" if layers[-1] == 1 else COST
    cost = validation.check_cost(cost)
    m = validation.check_positive_int(4 if m is None else m, "m")
    net = random_biases(Network(layers, activations, cost, backend=backend, seed=seed), seed)
    X, Y = random_examples(net, m, seed)
    warn_dead_layers(net, X)
    return Example(net, X, Y)
