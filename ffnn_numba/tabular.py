"""CSV data for the ``train`` and ``predict`` commands: reading, checking, standardizing.

Rows of a CSV file are examples; the library's arrays have one column per example, so the
feature matrix is transposed on the way in.
"""
import csv
import math

import numpy as np


class DataError(ValueError):
    """A data file the commands cannot use, with the reason."""


def read_csv(path):
    """The header's column names and the rows (lists of strings) of a CSV file."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({exc})") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise DataError(f"{path}: the file is empty; it needs a header row and data rows")
    header, rows = [name.strip() for name in rows[0]], rows[1:]
    if not rows:
        raise DataError(f"{path}: the file has a header but no data rows")
    if len(set(header)) != len(header) or "" in header:
        raise DataError(f"{path}: the header needs distinct, non-empty column names; got {header}")
    for n, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise DataError(f"{path}: line {n} has {len(row)} fields; the header has {len(header)}")
    return header, rows


def numeric_columns(path, header, rows, names):
    """The named columns as a float64 (m, len(names)) array; every cell must be a finite number."""
    missing = [name for name in names if name not in header]
    if missing:
        raise DataError(f"{path}: no column {', '.join(map(repr, missing))}; "
                        f"the columns are {header}")
    index = [header.index(name) for name in names]
    out = np.empty((len(rows), len(names)))
    for r, row in enumerate(rows):
        for c, i in enumerate(index):
            try:
                value = float(row[i])
            except ValueError:
                raise DataError(f"{path}: line {r + 2}, column {names[c]!r}: {row[i]!r} is not "
                                f"a number") from None
            if not math.isfinite(value):
                raise DataError(f"{path}: line {r + 2}, column {names[c]!r}: {row[i]!r} is not "
                                f"a finite number")
            out[r, c] = value
    return out


def infer_task(values):
    """"classification" for text labels or at most 20 distinct integers, else "regression"."""
    try:
        numbers = np.array([float(v) for v in values])
    except ValueError:
        return "classification"
    if np.all(numbers == np.round(numbers)) and len(np.unique(numbers)) <= 20:
        return "classification"
    return "regression"


def class_labels(values):
    """The distinct labels, ordered numerically where they are numbers, and each row's index."""
    distinct = sorted(set(values))
    try:
        distinct = sorted(distinct, key=float)
    except ValueError:
        pass
    lookup = {label: n for n, label in enumerate(distinct)}
    return distinct, np.array([lookup[v] for v in values])


def standardize(X, mean=None, scale=None):
    """(X - mean) / scale per column; the statistics are X's own unless given."""
    if mean is None:
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
    return (X - mean) / scale, np.asarray(mean), np.asarray(scale)
