"""Examples for the explorer page: seeded random ones, or the first rows of a CSV file read
with a saved model's own preprocessing (the metadata ``ffnn-numba train`` saves)."""
import numpy as np

from .csvdata import DataError, Rows, numeric_columns, read_csv, standardize, target_values
from .tabular import check_metadata


def random_examples(net, m, seed):
    """X ~ N(0, 1), (n^[0], m), as standardized features are; targets the cost accepts:
    class labels, 0/1 labels, or N(0, 1) values."""
    rng = np.random.default_rng(seed)
    n_input, n_output = net.layer_sizes[0], net.layer_sizes[-1]
    X = rng.standard_normal((n_input, m))
    if net.cost_name == "categorical_cross_entropy":
        return X, rng.integers(0, n_output, m)
    if net.cost_name == "mean_squared_error":
        return X, rng.standard_normal((n_output, m))
    return X, rng.integers(0, 2, (n_output, m)).astype(np.float64)


def csv_examples(net, model_path, data_path, m):
    """The first m rows of the CSV file ``data_path`` as (X, Y) for ``net``, loaded from
    ``model_path`` and saved by ``ffnn-numba train``: features standardized with the saved
    statistics, class labels mapped to the saved classes, a regression target standardized."""
    meta = net.metadata
    check_metadata(model_path, meta, net.layer_sizes, net.cost_name)
    header, rows = read_csv(data_path)
    if not rows:
        raise DataError(f"{data_path}: no data rows")
    rows = Rows(rows[:m], rows.lines[:m])
    X = numeric_columns(data_path, header, rows, meta["features"])
    X, _, _ = standardize(X, np.array(meta["feature_mean"]), np.array(meta["feature_scale"]),
                          names=meta["features"], path=data_path)
    target = meta["target"]
    if meta["task"] == "regression":
        y = numeric_columns(data_path, header, rows, [target])
        y, _, _ = standardize(y, np.array([meta["target_mean"]]), np.array([meta["target_scale"]]),
                              names=[target], path=data_path)
        return X.T, y.T
    classes = meta["classes"]
    values = target_values(data_path, header, rows, target)
    unknown = sorted(set(values) - set(classes))
    if unknown:
        raise DataError(f"{data_path}: the target {target!r} holds {unknown[0]!r}, which is not "
                        f"one of the model's classes {classes}")
    labels = np.array([classes.index(v) for v in values])
    return X.T, labels if net.cost_name == "categorical_cross_entropy" else labels[None, :]
