"""scikit-learn estimators on top of ``Network``: ``MLPClassifier`` and ``MLPRegressor``.

Optional extra ``[sklearn]``. scikit-learn's conventions hold on this side: X is
(n_samples, n_features), one row per sample; it is transposed to the library's one column
per example inside. Parameters are named as in ``sklearn.neural_network`` where the meaning
is the same; ``backend`` and ``dtype`` are added.

Differences from scikit-learn's MLP, by design: ``solver`` is "sgd" or "adam" ("lbfgs" is
not offered); ``learning_rate`` is "constant" or "invscaling" ("adaptive" is not offered);
with ``early_stopping`` the validation cost (not the accuracy) decides when to stop. As in
scikit-learn every layer starts Glorot-uniform, and the L2 term is the same,
``alpha``/(2 n_samples) Σ ||W||².
"""
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import training, validation
from .columns import check_labels, check_numeric_columns
from .network import Network

_SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_OUTPUTS = {"sigmoid": "logistic", "softmax": "softmax", "linear": "identity"}


class _BaseMLP(BaseEstimator):
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 backend="loops", dtype=np.float64):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.backend = backend
        self.dtype = dtype

    # -- settings ------------------------------------------------------------------------

    def _optimizer(self):
        if self.solver == "adam":
            return training.Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        if self.solver == "sgd":
            if self.momentum == 0:
                return training.SGD(self.learning_rate_init)
            kind = training.Nesterov if self.nesterovs_momentum else training.Momentum
            return kind(self.learning_rate_init, self.momentum)
        raise ValueError(f"solver must be 'sgd' or 'adam'; got {self.solver!r} "
                         f"(ffnn-numba does not offer lbfgs)")

    def _schedule(self):
        if self.learning_rate == "constant":
            return training.Constant()
        if self.learning_rate == "invscaling":
            return training.InverseScaling(self.power_t)
        raise ValueError(f"learning_rate must be 'constant' or 'invscaling'; got "
                         f"{self.learning_rate!r}")

    def _hidden(self):
        sizes = ([self.hidden_layer_sizes] if np.isscalar(self.hidden_layer_sizes)
                 else list(self.hidden_layer_sizes))
        if any(not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers; got "
                             f"{self.hidden_layer_sizes!r}")
        if self.activation not in _SKLEARN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {list(_SKLEARN_ACTIVATIONS)}; got "
                             f"{self.activation!r}")
        return [int(n) for n in sizes]

    # -- training --------------------------------------------------------------------------

    def _fit(self, X, Y, incremental):
        if not incremental and not (self.warm_start and hasattr(self, "network_")):
            self._build(X.shape[1], Y.shape[0])
        net = self.network_
        net.l2 = float(self.alpha)
        m = X.shape[0]
        batch = min(200, m) if self.batch_size == "auto" else int(self.batch_size)
        validation = self.early_stopping and not incremental
        history = net.fit(
            X.T, Y, epochs=1 if incremental else self.max_iter, batch_size=max(1, min(batch, m)),
            optimizer=self._optimizer(), schedule=self._schedule(), shuffle=self.shuffle,
            validation_fraction=self.validation_fraction if validation else None,
            patience=None if incremental else self.n_iter_no_change, min_delta=self.tol,
            restore_best=validation, verbose=bool(self.verbose),
            reset_optimizer=not (incremental or self.warm_start))
        if incremental and hasattr(self, "loss_curve_"):
            self.loss_curve_ = self.loss_curve_ + history["cost"]
        else:
            self.loss_curve_ = list(history["cost"])
        self.n_iter_ = len(history["cost"]) if not incremental else getattr(self, "n_iter_", 0) + 1
        self.t_ = getattr(self, "t_", 0) * incremental + m * len(history["cost"])
        self.best_loss_ = None if validation else float(min(self.loss_curve_))
        if validation:
            self.validation_scores_ = list(history["val_accuracy"])
            self.best_validation_score_ = max(self.validation_scores_)
        if not incremental and len(history["cost"]) == self.max_iter and self.max_iter > 0:
            warnings.warn(f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                          f"and the optimization hasn't converged yet.", ConvergenceWarning,
                          stacklevel=3)
        return self

    def _build(self, n_features, n_outputs):
        hidden = self._hidden()
        activation = _SKLEARN_ACTIVATIONS[self.activation]
        self.network_ = Network([n_features, *hidden, n_outputs],
                                [activation] * len(hidden) + [self._output_activation],
                                self._cost, backend=self.backend, dtype=self.dtype,
                                seed=self._seed(), init="glorot")

    def _seed(self):
        if isinstance(self.random_state, np.random.RandomState):
            return int(self.random_state.randint(np.iinfo(np.int32).max))
        return self.random_state

    def _validate(self, X, y="no_validation", **settings):
        """scikit-learn's ``validate_data`` (X, or X and y, as float64 or float32), after two
        checks it leaves out: a column of strings in X is named (its own error names only
        the value), and a sparse y is refused as a sparse X is (it would accept a sparse
        y, which no target conversion here takes)."""
        check_numeric_columns(X)
        if isinstance(y, str) and y == "no_validation":   # validate_data's own default
            return validate_data(self, X, dtype=[np.float64, np.float32], **settings)
        validation.check_dense(y, "y")
        return validate_data(self, X, y, multi_output=True, dtype=[np.float64, np.float32],
                             **settings)

    # -- fitted attributes in scikit-learn's layout ----------------------------------------

    @property
    def coefs_(self):
        check_is_fitted(self, "network_")
        return [self.network_.params[f"W{l}"].T.copy() for l in range(1, self.network_.n_layers + 1)]

    @property
    def intercepts_(self):
        check_is_fitted(self, "network_")
        return [self.network_.params[f"b{l}"][:, 0].copy()
                for l in range(1, self.network_.n_layers + 1)]

    @property
    def n_layers_(self):
        check_is_fitted(self, "network_")
        return self.network_.n_layers + 1

    @property
    def n_outputs_(self):
        check_is_fitted(self, "network_")
        return self.network_.layer_sizes[-1]

    @property
    def out_activation_(self):
        check_is_fitted(self, "network_")
        return _OUTPUTS[self.network_.activations[-1]]

    def _forward(self, X):
        check_is_fitted(self, "network_")
        X = self._validate(X, reset=False)
        return self.network_.forward(X.T).T


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier on the ffnn-numba engine.

    Binary targets get one logistic output and binary cross-entropy; more classes a softmax
    output and categorical cross-entropy; a 2-D indicator matrix (multi-label) logistic
    outputs and multi-label cross-entropy. Labels may be of any type scikit-learn accepts.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _targets(self, y, classes=None):
        if np.ndim(y) == 2 and np.shape(y)[1] > 1:
            if type_of_target(y) != "multilabel-indicator":
                raise ValueError("a 2-D y must be a multi-label indicator matrix of 0s and 1s")
            self._binarizer = None
            self.classes_ = np.arange(np.shape(y)[1])
            self._cost, self._output_activation = "multilabel_cross_entropy", "sigmoid"
            return np.asarray(y, dtype=np.float64).T
        y = column_or_1d(y, warn=True)
        # Sorted, as the binarizer orders its columns: classes_[j] is output j's label.
        classes = unique_labels(y) if classes is None else np.unique(np.asarray(classes))
        if len(classes) < 2:
            raise ValueError(f"a classifier needs samples of at least 2 classes in the data; "
                             f"got 1 class ({classes[0]!r})")
        if not np.isin(y, classes).all():
            raise ValueError(f"y holds labels outside classes={list(classes)}")
        self._binarizer = LabelBinarizer().fit(classes)
        self.classes_ = self._binarizer.classes_
        binary = len(classes) == 2
        self._cost = "binary_cross_entropy" if binary else "categorical_cross_entropy"
        self._output_activation = "sigmoid" if binary else "softmax"
        return self._binarizer.transform(y).astype(np.float64).T

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and labels y; returns self."""
        check_labels(y)
        X, y = self._validate(X, y)
        return self._fit(X, self._targets(y), incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One pass over (X, y), continuing from the current parameters and optimizer state.

        ``classes`` (every label there will be) is needed on the first call.
        """
        first = not hasattr(self, "network_")
        if first and classes is None and np.ndim(y) == 1:
            raise ValueError("classes must be given on the first call of partial_fit")
        if not first and classes is not None and not np.array_equal(
                np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={np.asarray(classes).tolist()!r} is not the same as on "
                             f"the first call of partial_fit, was: {self.classes_.tolist()!r}")
        check_labels(y)
        X, y = self._validate(X, y, reset=first)
        if first:
            Y = self._targets(y, classes)
            self._build(X.shape[1], Y.shape[0])
        elif self._binarizer is None:
            Y = np.asarray(y, dtype=np.float64).T
        else:
            y = column_or_1d(y, warn=True)
            if not np.isin(y, self.classes_).all():
                raise ValueError(f"y holds labels outside classes_={list(self.classes_)}")
            Y = self._binarizer.transform(y).astype(np.float64).T
        return self._fit(X, Y, incremental=True)

    def predict_proba(self, X):
        """Class probabilities, (n_samples, n_classes); for binary, [1 - p, p]."""
        P = self._forward(X)
        if self._cost == "binary_cross_entropy":
            return np.hstack([1 - P, P])
        return P

    def predict(self, X):
        P = self._forward(X)
        if self._binarizer is None:
            return (P > 0.5).astype(int)
        if self._cost == "binary_cross_entropy":
            return self.classes_[(P[:, 0] > 0.5).astype(int)]
        return self.classes_[P.argmax(axis=1)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor on the ffnn-numba engine (identity output, mean
    squared error J = 1/(2 n_samples) Σ ||y - ŷ||²)."""

    _cost, _output_activation = "mean_squared_error", "linear"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, k)."""
        X, y = self._validate(X, y, y_numeric=True)
        return self._fit(X, self._targets(y), incremental=False)

    def partial_fit(self, X, y):
        """One pass over (X, y), continuing from the current parameters and optimizer state."""
        first = not hasattr(self, "network_")
        X, y = self._validate(X, y, y_numeric=True, reset=first)
        Y = self._targets(y)
        if first:
            self._build(X.shape[1], Y.shape[0])
        return self._fit(X, Y, incremental=True)

    def _targets(self, y):
        y = np.asarray(y, dtype=np.float64)
        self._flat = y.ndim == 1
        return (y[:, None] if self._flat else y).T

    def predict(self, X):
        P = self._forward(X)
        return P[:, 0] if self._flat else P
