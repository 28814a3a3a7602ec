"""CSV files as the library reads them: cells, numbers, columns, standardization.

Rows of a CSV file are examples; the library's arrays have one column per example, so the
feature matrix is transposed on the way in.

Files are read as UTF-8, a byte-order mark at the start ignored. A numeric cell is what
``NUMBER`` matches, the same for features, targets and ``predict``: an optional sign, ASCII
digits with an optional decimal point, an optional exponent, and spaces or tabs around it
(``-1.5``, ``3``, ``.5``, ``2e-3``). Python's ``float`` accepts more, and none of it is a
number here: ``1_000``, non-ASCII digits (``٣``), ``nan``, ``inf``, ``infinity``. A cell that
matches but overflows (``1e999``) is refused as not finite. Missing values are not
supported: an empty feature or target cell is an error naming its line.
"""
import csv
import math
import re

import numpy as np

#: A numeric cell: optional sign, ASCII digits, optional decimal point, optional exponent;
#: spaces and tabs around it are allowed. No underscores, no nan or inf.
NUMBER = re.compile(r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*")

#: Targets with at most this many distinct integer values (and no other numbers) classify.
MAX_INTEGER_CLASSES = 20


class DataError(ValueError):
    """A data file the commands cannot use, with the reason."""


class Rows(list):
    """The data rows of a CSV file; ``lines[r]`` is the file line on which row r starts."""

    def __init__(self, rows, lines):
        super().__init__(rows)
        self.lines = lines


def is_number(cell):
    """Whether a cell is a number in the sense of ``NUMBER``."""
    return NUMBER.fullmatch(cell) is not None


def read_csv(path):
    """The header's column names and the rows (lists of strings) of a CSV file."""
    rows, lines = [], []
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            start = 1
            for row in reader:
                if any(cell.strip() for cell in row):
                    rows.append(row)
                    lines.append(start)
                start = reader.line_num + 1
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: cannot be read as CSV: not UTF-8 text ({exc})") from None
    except (OSError, csv.Error) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({exc})") from None
    if not rows:
        raise DataError(f"{path}: the file is empty; it needs a header row and data rows")
    header, rows, lines = [name.strip() for name in rows[0]], rows[1:], lines[1:]
    if not rows:
        raise DataError(f"{path}: the file has a header but no data rows")
    if len(set(header)) != len(header) or "" in header:
        raise DataError(f"{path}: the header needs distinct, non-empty column names; got {header}")
    for row, line in zip(rows, lines):
        if len(row) != len(header):
            raise DataError(f"{path}: line {line} has {len(row)} fields; the header has "
                            f"{len(header)}")
    return header, Rows(rows, lines)


def _line(rows, r):
    lines = getattr(rows, "lines", None)
    return lines[r] if lines is not None else r + 2


def _some(numbers, most=10):
    shown = ", ".join(map(str, numbers[:most]))
    return shown + (f" and {len(numbers) - most} more" if len(numbers) > most else "")


def column_index(path, header, name):
    if name not in header:
        raise DataError(f"{path}: no column {name!r}; the columns are {header}")
    return header.index(name)


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
            cell = row[i]
            if not is_number(cell):
                what = "is empty (missing values are not supported)" if not cell.strip() else \
                    f"{cell!r} is not a number"
                raise DataError(f"{path}: line {_line(rows, r)}, column {names[c]!r}: {what}")
            value = float(cell)
            if not math.isfinite(value):
                raise DataError(f"{path}: line {_line(rows, r)}, column {names[c]!r}: {cell!r} "
                                f"is not a finite number")
            out[r, c] = value
    return out


def target_values(path, header, rows, name):
    """The target column's cells, stripped; an empty cell is an error naming its lines."""
    i = column_index(path, header, name)
    values = [row[i].strip() for row in rows]
    empty = [_line(rows, r) for r, value in enumerate(values) if not value]
    if empty:
        lines = "lines" if len(empty) > 1 else "line"
        raise DataError(f"{path}: the target {name!r} is empty on {lines} {_some(empty)}; "
                        f"every row needs a target value")
    return values


def infer_task(values):
    """"regression" when the column's numbers are not all integers or take more than
    ``MAX_INTEGER_CLASSES`` distinct values, whatever the other cells hold (they are then
    errors, not classes); otherwise (text labels, or few distinct integers) "classification"."""
    numbers = np.array([float(v) for v in values if is_number(v)])
    if numbers.size == 0:
        return "classification"
    if not np.isfinite(numbers).all():
        return "regression"   # and the cell is refused as not finite
    if np.all(numbers == np.round(numbers)) and len(np.unique(numbers)) <= MAX_INTEGER_CLASSES:
        return "classification"
    return "regression"


def class_labels(values):
    """The distinct labels, ordered numerically where they are all numbers, and each row's index."""
    distinct = sorted(set(values))
    if all(is_number(v) for v in distinct):
        distinct = sorted(distinct, key=float)
    lookup = {label: n for n, label in enumerate(distinct)}
    return distinct, np.array([lookup[v] for v in values])


def _powers_of_two(X, *others):
    """Per column, a power of two near the largest magnitude in X and ``others``: dividing by
    it is exact (short of underflow) and brings every value into [-2, 2]."""
    top = np.max(np.abs(X), axis=0, initial=0.0)
    for other in others:
        top = np.maximum(top, np.abs(other))
    top = np.where((top > 0) & np.isfinite(top), top, 1.0)
    return np.ldexp(1.0, np.frexp(top)[1] - 1)


def standardize(X, mean=None, scale=None, names=None, path=None):
    """(X - mean) / scale per column; the statistics are X's own unless given.

    Mean and standard deviation are computed on each column divided by a power of two near
    its largest magnitude, which changes no digit of ordinary data but keeps values near
    ±1e308 from overflowing the sums (which would have made the scale infinite and the
    column zeros). A constant column gets scale 1. Statistics or standardized values that are
    still not finite are a DataError naming the column."""
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(all="ignore"):
        if mean is None:
            top = _powers_of_two(X)
            Xs = X / top
            mean, std = Xs.mean(axis=0) * top, Xs.std(axis=0) * top
            scale = np.where(std > 0, std, 1.0)
        mean, scale = np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)
        Z = (X - mean) / scale
        if not np.isfinite(Z).all():   # X - mean overflowed: the same, scaled
            top = _powers_of_two(X, mean)
            Z = (X / top - mean / top) / (scale / top)
    bad = ~(np.isfinite(mean) & np.isfinite(scale) & (scale > 0) & np.isfinite(Z).all(axis=0))
    if bad.any():
        c = int(np.argmax(bad))
        name = repr(names[c]) if names is not None else str(c)
        raise DataError(f"{path + ': ' if path else ''}column {name}: its values cannot be "
                        f"standardized to finite numbers (mean {mean[c]!r}, scale {scale[c]!r})")
    return Z, mean, scale
