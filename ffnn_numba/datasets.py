"""Small classification data sets generated in code, in the library's layout.

Every generator returns X with one column per example, shape (n^[0], m), and integer class
labels y of shape (m,). Nothing is downloaded.
"""
import numpy as np


def make_spirals(n_per_class=200, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms in the plane, one arm per class.

    A classic task no linear model solves: each arm winds 1.75 turns around the origin.

    Returns
    -------
    X : ndarray of shape (2, n_classes * n_per_class)
    y : ndarray of shape (n_classes * n_per_class,), labels 0..n_classes-1
    """
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.05, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes), n_per_class)
    angle = 3.5 * np.pi * radius + 2 * np.pi * y / n_classes + rng.normal(0.0, noise, radius.size)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, y


def train_test_split(X, y, test_fraction=0.25, seed=0):
    """Split the columns of X (and entries of y) at random into a training and a test part.

    Returns X_train, X_test, y_train, y_test.
    """
    m = X.shape[1]
    order = np.random.default_rng(seed).permutation(m)
    n_test = int(round(test_fraction * m))
    test, train = order[:n_test], order[n_test:]
    return X[:, train], X[:, test], y[train], y[test]
