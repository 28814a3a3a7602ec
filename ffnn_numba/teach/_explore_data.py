"""Examples for the explorer page from a CSV file: its first rows, read with a saved model's
own preprocessing (the metadata ``ffnn-numba train`` saves). Seeded random examples are
``examples.random_examples``."""
import numpy as np

from ..csvdata import DataError, Rows, numeric_columns, read_csv, standardize, target_values
from ..tabular import check_metadata


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
