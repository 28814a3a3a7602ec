"""Checks of table-shaped input the estimators take (pandas DataFrames, object arrays,
class labels), each refusing by name what scikit-learn's own checks would pass on or fail on
with an unrelated message. Duck-typed: pandas is never imported here."""
import sys

import numpy as np


def check_numeric_columns(X):
    """Refuse X holding a column of strings (or other values that are not numbers), naming
    the column: a DataFrame's by its name, an array's by its index. The error is NumPy's own
    type, a ValueError for a string and a TypeError for another object, as scikit-learn's."""
    if hasattr(X, "iloc") and hasattr(X, "dtypes") and getattr(X, "ndim", None) == 2:
        columns = [(f"column {name!r}", X.iloc[:, j], dtype)
                   for j, (name, dtype) in enumerate(zip(X.columns, X.dtypes))
                   if getattr(dtype, "kind", "O") not in "biuf"]
    elif isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "OUS":
        columns = [(f"column {j}", X[:, j], X.dtype) for j in range(X.shape[1])]
    else:
        return
    for label, values, dtype in columns:
        try:
            np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:   # the same type: a string or another object
            bad = next((v for v in np.asarray(values, dtype=object) if not _is_number(v)), None)
            raise type(exc)(f"X's {label} holds values that are not numbers (dtype {dtype}; "
                            f"{bad!r}: {exc}); encode it as numbers first, e.g. with "
                            f"sklearn.preprocessing.OneHotEncoder or OrdinalEncoder") from None


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def check_labels(y):
    """Refuse class labels with missing values (None, NaN, pandas' NA) by name, where
    scikit-learn's checks fail on them with an unrelated TypeError or pass them through."""
    try:
        labels = np.asarray(y)
    except (TypeError, ValueError):   # ragged: scikit-learn's own check names it
        return
    if labels.ndim != 1 or labels.dtype != object:
        return
    pandas = sys.modules.get("pandas")   # pandas.NA exists only once pandas is imported
    missing = (pandas.isna(labels) if pandas is not None
               else np.array([v is None or (isinstance(v, float) and v != v) for v in labels]))
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValueError(f"Input y contains missing labels ({labels[first]!r} at sample "
                         f"{first}, {int(missing.sum())} in all); drop those samples or give "
                         f"them a label")
