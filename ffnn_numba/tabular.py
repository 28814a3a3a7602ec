"""Networks for tables: the pipelines of the ``train`` and ``predict`` commands.

``train_csv`` reads a CSV file (``csvdata``), infers the task, standardizes, trains and
returns a network carrying its preprocessing in ``metadata``; ``predict_csv`` checks that
metadata against the network and applies it to new rows. The command line only parses
arguments and prints.
"""
import csv
import io
import math

import numpy as np

from .csvdata import (NUMBER, DataError, class_labels, infer_task, is_number,  # noqa: F401
                      numeric_columns, read_csv, standardize, target_values)
from .io import MAX_PARAMETERS
from .network import Network
from .registry import DEFAULT_OUTPUT


def check_size(sizes):
    """Refuse, before allocating, a network larger than ``load`` accepts back."""
    n_params = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))
    if n_params > MAX_PARAMETERS:
        raise ValueError(f"the network {list(sizes)} has {n_params} parameters; at most "
                         f"{MAX_PARAMETERS} are allowed (ffnn_numba.io.MAX_PARAMETERS)")


def train_csv(path, target, *, task=None, hidden=(), activation="relu", backend="loops",
              seed=0, l2=0.0, log=print, **fit_options):
    """Train a network on the CSV file ``path`` to predict its column ``target``.

    The task is inferred from the target when ``task`` is None (see ``infer_task``); the
    features (and a regression target) are standardized with statistics kept in the
    network's ``metadata``. ``fit_options`` go to ``Network.fit``.

    Returns
    -------
    net, history, task
    """
    header, rows = read_csv(path)
    values = target_values(path, header, rows, target)
    features = [name for name in header if name != target]
    if not features:
        raise DataError(f"{path}: no feature columns besides the target")
    inferred, task = task is None, task or infer_task(values)
    X, mean, scale = standardize(numeric_columns(path, header, rows, features),
                                 names=features, path=path)
    meta = {"task": task, "features": features, "target": target,
            "feature_mean": mean.tolist(), "feature_scale": scale.tolist()}
    if task == "classification":
        classes, Y = class_labels(values)
        if len(classes) < 2:
            raise DataError(f"{path}: the target {target!r} has one class only")
        binary = len(classes) == 2
        cost = "binary_cross_entropy" if binary else "categorical_cross_entropy"
        sizes = [len(features), *hidden, 1 if binary else len(classes)]
        meta["classes"] = classes
    else:
        try:
            y = numeric_columns(path, header, rows, [target])[:, 0]
        except DataError as exc:
            if not inferred:
                raise
            raise DataError(f"{exc} (the target's other values make this a regression; "
                            f"give --task classification if the column holds labels)") from None
        y_std, y_mean, y_scale = standardize(y[:, None], names=[target], path=path)
        cost, sizes, Y = "mean_squared_error", [len(features), *hidden, 1], y_std.T
        meta.update(target_mean=float(y_mean[0]), target_scale=float(y_scale[0]))
    check_size(sizes)
    net = Network(sizes, [activation] * len(hidden) + [DEFAULT_OUTPUT[cost]], cost,
                  backend=backend, seed=seed, l2=l2)
    net.metadata = meta
    log(f"{task}: {len(rows)} rows, {len(features)} features"
        + (f", {len(classes)} classes" if task == "classification" else "")
        + f"; network {sizes}, {cost}")
    return net, net.fit(X.T, Y, seed=seed, **fit_options), task


def predict_csv(net, model_path, path):
    """Predictions for every row of the CSV file ``path`` with a network ``train_csv`` made
    (loaded from ``model_path``): class labels, or regression values on the target's scale."""
    meta = net.metadata
    check_metadata(model_path, meta, net.layer_sizes, net.cost_name)
    header, rows = read_csv(path)
    X = numeric_columns(path, header, rows, meta["features"])
    X, _, _ = standardize(X, np.array(meta["feature_mean"], dtype=np.float64),
                          np.array(meta["feature_scale"], dtype=np.float64),
                          names=meta["features"], path=path)
    out = net.predict(X.T)
    if meta["task"] == "classification":
        return [meta["classes"][int(c)] for c in np.ravel(out)]
    with np.errstate(all="ignore"):
        values = np.ravel(out).astype(np.float64) * meta["target_scale"] + meta["target_mean"]
    if not np.isfinite(values).all():
        line = rows.lines[int(np.argmax(~np.isfinite(values)))]
        raise DataError(f"{path}: line {line}: the prediction is not a finite number (the "
                        f"input is far outside the training data?)")
    return [repr(float(v)) for v in values]


def predictions_csv(labels):
    """The text of a predictions file: a ``prediction`` header, then one CSV-quoted row each."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["prediction"])
    writer.writerows([label] for label in labels)
    return text.getvalue()


def _number_list(value, length):
    return (isinstance(value, list) and len(value) == length
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    for v in value))


def _positive(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def check_metadata(path, meta, layer_sizes, cost):
    """The metadata ``train`` saves with a model, checked against the network before
    ``predict`` uses it: feature names and statistics, task, classes or target statistics.
    Raises DataError naming the first problem."""
    def bad(problem):
        return DataError(f"{path}: the model's metadata {problem}")

    if not isinstance(meta, dict) or "features" not in meta:
        raise DataError(f"{path}: this network was not saved by ffnn-numba train, so its "
                        f"feature columns are unknown")
    features, n_input, n_output = meta["features"], layer_sizes[0], layer_sizes[-1]
    if (not isinstance(features, list) or not all(isinstance(f, str) and f for f in features)
            or len(set(features)) != len(features)):
        raise bad("'features' must be a list of distinct, non-empty column names")
    if len(features) != n_input:
        raise bad(f"names {len(features)} features, but the network takes n^[0] = {n_input}")
    if not _number_list(meta.get("feature_mean"), n_input):
        raise bad(f"'feature_mean' is missing, or not {n_input} finite numbers")
    scale = meta.get("feature_scale")
    if not _number_list(scale, n_input) or not all(s > 0 for s in scale):
        raise bad(f"'feature_scale' is missing, or not {n_input} finite positive numbers")
    task = meta.get("task")
    if task == "classification":
        classes = meta.get("classes")
        if (not isinstance(classes, list) or len(classes) < 2
                or not all(isinstance(c, str) for c in classes)
                or len(set(classes)) != len(classes)):
            raise bad("'classes' must be a list of at least two distinct labels")
        if len(classes) == 2 and cost == "binary_cross_entropy" and n_output == 1:
            return
        if cost == "categorical_cross_entropy" and n_output == len(classes):
            return
        raise bad(f"lists {len(classes)} classes, but the network's output (n^[L] = "
                  f"{n_output}, {cost}) does not predict {len(classes)} classes")
    if task == "regression":
        if not _positive(meta.get("target_scale")):
            raise bad("'target_scale' is missing, or not a finite positive number")
        mean = meta.get("target_mean")
        if not isinstance(mean, (int, float)) or isinstance(mean, bool) or not math.isfinite(mean):
            raise bad("'target_mean' is missing, or not a finite number")
        if n_output != 1 or cost != "mean_squared_error":
            raise bad(f"says regression, but the network's output (n^[L] = {n_output}, {cost}) "
                      f"is not one value fitted by mean_squared_error")
        return
    raise bad(f"has task {task!r}; expected 'classification' or 'regression'")
