"""scikit-learn's ``MLPClassifier`` as a benchmark peer (optional extra ``[sklearn]``): an
epoch is one ``partial_fit`` call over the whole training set, which shuffles the examples
and runs one update per batch, as ``Network.fit`` does for one epoch.

The classifier is made to compute what the network computes: the same hidden sizes and
activation, the output and cost scikit-learn pairs with the labels (softmax and categorical
cross-entropy for several classes, sigmoid and binary cross-entropy for two), no L2 term
(``alpha=0``), a constant learning rate, SGD without momentum or Adam with the same β1, β2, ε
(scikit-learn writes Adam as ``kernels/optimizers.py`` does), and the network's own
parameters: ``coefs_[l-1]`` is W^[l] transposed, ``intercepts_[l-1]`` is b^[l].
"""
import warnings

import numpy as np

# scikit-learn's names of the activations it has.
ACTIVATIONS = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh", "linear": "identity"}


def missing():
    """Why scikit-learn cannot be used here, or None when it can."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return "scikit-learn is not installed (pip install ffnn-numba[sklearn])"
    return None


def load_digits():
    """scikit-learn's bundled 8 x 8 digits (shipped inside the package, nothing downloaded) as
    (X, y): X (64, 1797) with pixels scaled to [0, 1], one column per example, and labels."""
    from sklearn.datasets import load_digits as load
    digits = load()
    return np.ascontiguousarray(digits.data.T / 16.0), digits.target


def _labels(net, Y):
    """(labels as scikit-learn takes them, the classes) for one-hot or 0/1 targets Y."""
    if net.cost_name == "categorical_cross_entropy" and net.activations[-1] == "softmax":
        return Y.argmax(axis=0), np.arange(net.layer_sizes[-1])
    if (net.cost_name, net.activations[-1], net.layer_sizes[-1]) == (
            "binary_cross_entropy", "sigmoid", 1):
        return Y[0].astype(np.int64), np.arange(2)
    raise ValueError(f"the scikit-learn peer classifies with softmax and categorical "
                     f"cross-entropy, or one sigmoid output and binary cross-entropy; got "
                     f"{net.cost_name} with {net.activations[-1]}")


class SklearnPeer:
    """The network ``net`` (its current parameters) as a scikit-learn ``MLPClassifier``
    trained with ``optimizer`` (``ffnn_numba.training.SGD`` or ``Adam``).

    ``step(X, Y)`` and ``epoch(X, Y, batch_size, seed)`` return callables running one update
    on the whole batch, or one shuffled epoch (one ``partial_fit``); ``parameters()`` gives
    {"W1": ..., "b1": ...} in float64.
    """

    def __init__(self, net, optimizer):
        from sklearn.neural_network import MLPClassifier
        hidden = set(net.activations[:-1])
        if len(hidden) > 1 or not hidden <= set(ACTIVATIONS):
            raise ValueError(f"scikit-learn uses one hidden activation from "
                             f"{', '.join(ACTIVATIONS)}; got {net.activations[:-1]}")
        if optimizer.name not in ("sgd", "adam"):
            raise ValueError(f"the scikit-learn peer runs sgd and adam; got {optimizer.name}")
        settings = dict(learning_rate_init=optimizer.learning_rate, learning_rate="constant")
        if optimizer.name == "sgd":
            settings.update(momentum=0.0, nesterovs_momentum=False)
        else:
            settings.update(beta_1=optimizer.beta_1, beta_2=optimizer.beta_2,
                            epsilon=optimizer.epsilon)
        self._net, self.dtype = net, np.dtype(net.dtype)
        activation = ACTIVATIONS[hidden.pop()] if hidden else "identity"
        self._model = MLPClassifier(
            hidden_layer_sizes=tuple(net.layer_sizes[1:-1]), activation=activation,
            solver=optimizer.name, alpha=0.0, max_iter=1, tol=0.0, n_iter_no_change=1 << 30,
            **settings)
        self._started = False

    def _start(self, rows, labels, classes):
        """Let scikit-learn set itself up with one example, then put the network's parameters
        in its place and start its optimizer afresh."""
        self._model.set_params(batch_size=1, shuffle=False)
        self._model.partial_fit(rows[:1], labels[:1], classes=classes)
        net = self._net
        for l in range(1, len(net.layer_sizes)):
            self._model.coefs_[l - 1][...] = net.params[f"W{l}"].T
            self._model.intercepts_[l - 1][...] = net.params[f"b{l}"][:, 0]
        del self._model._optimizer   # the next partial_fit builds a fresh one on these arrays
        self._started = True

    def _data(self, X, Y):
        labels, classes = _labels(self._net, Y)
        rows = np.ascontiguousarray(np.asarray(X, self.dtype).T)
        if not self._started:
            self._start(rows, labels, classes)
        return rows, labels

    def step(self, X, Y):
        """A callable running one update on the whole batch (X, Y)."""
        rows, labels = self._data(X, Y)
        self._model.set_params(batch_size=rows.shape[0], shuffle=False)
        return lambda: self._partial_fit(rows, labels)

    def epoch(self, X, Y, batch_size, seed=0):
        """A callable running one epoch: ``partial_fit`` over every example, shuffled afresh
        each time (a RandomState instance, which scikit-learn draws on, not re-seeds)."""
        rows, labels = self._data(X, Y)
        self._model.set_params(batch_size=batch_size, shuffle=True,
                               random_state=np.random.RandomState(seed))
        return lambda: self._partial_fit(rows, labels)

    def _partial_fit(self, rows, labels):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # no convergence talk from one epoch
            self._model.partial_fit(rows, labels)
        return self._model.loss_

    def parameters(self):
        out = {}
        for l, (coef, intercept) in enumerate(zip(self._model.coefs_, self._model.intercepts_),
                                              start=1):
            out[f"W{l}"] = coef.T.astype(np.float64)
            out[f"b{l}"] = intercept.astype(np.float64)[:, None]
        return out
