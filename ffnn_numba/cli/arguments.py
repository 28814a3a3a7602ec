"""The ``ffnn-numba`` command's argument types: each returns the parsed value or raises
argparse.ArgumentTypeError, which argparse prints as "ffnn-numba CMD: error: argument
--NAME: MESSAGE" with exit status 2."""
import argparse
import math
import re

from ..csvdata import NUMBER


def integer(low, high=None):
    """An integer in low..high (high None: no upper bound)."""
    def parse(text):
        value = int(text) if re.fullmatch(r"[ \t]*[+-]?[0-9]+[ \t]*", text) else None
        if value is None or value < low or high is not None and value > high:
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"expected an integer {bounds}; got {text!r}")
        return value
    return parse


def real(low, high=None, low_open=False, high_open=False):
    """A finite real number in the interval from low to high, ends open or closed as given."""
    def parse(text):
        value = float(text) if NUMBER.fullmatch(text) else math.nan
        if not (math.isfinite(value) and (value > low if low_open else value >= low)
                and (high is None or (value < high if high_open else value <= high))):
            upper = "∞)" if high is None else f"{high:g}" + (")" if high_open else "]")
            interval = ("(" if low_open else "[") + f"{low:g}, " + upper
            raise argparse.ArgumentTypeError(f"expected a finite number in {interval}; "
                                             f"got {text!r}")
        return value
    return parse


MAX_LAYER_SIZE = 1_000_000   # nodes per layer on the command line


def sizes(at_least):
    """Comma-separated layer sizes, each a positive integer; at least ``at_least`` of them."""
    def parse(text):
        parts = [part.strip() for part in text.split(",")]
        if parts == [""]:
            parts = []
        sizes = [int(part) for part in parts
                 if re.fullmatch("[0-9]+", part) and 1 <= int(part) <= MAX_LAYER_SIZE]
        if len(sizes) != len(parts) or len(sizes) < at_least:
            need = f"at least {at_least} " if at_least else ""
            raise argparse.ArgumentTypeError(f"expected {need}comma-separated layer sizes, each "
                                             f"an integer from 1 to {MAX_LAYER_SIZE}; got {text!r}")
        return sizes
    return parse


def names(what, valid):
    """Comma-separated names, each one of ``valid``."""
    def parse(text):
        names = [name.strip() for name in text.split(",")]
        unknown = [name for name in names if name not in valid]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {what} {unknown[0]!r}; valid: "
                                             f"{', '.join(valid)}")
        return names
    return parse


def bench_list(option):
    """A comma-separated list of ``bench`` cases, returned as the text the bench reads."""
    def parse(text):
        from .. import bench as b
        valid = {"sizes": tuple(b.SIZES), "dtypes": tuple(b.DTYPES),
                 "backends": b.BACKENDS}[option]
        names = [name.strip() for name in text.split(",")]
        if any(name not in valid for name in names) or len(set(names)) != len(names):
            raise argparse.ArgumentTypeError(f"expected distinct comma-separated names from "
                                             f"{', '.join(valid)}; got {text!r}")
        if option == "backends" and "numpy" not in names:
            raise argparse.ArgumentTypeError(f"must include numpy, the reference every backend is "
                                             f"checked against; got {text!r}")
        missing = [b.unavailable(name) for name in names if b.unavailable(name)]
        if option == "backends" and missing:
            raise argparse.ArgumentTypeError(missing[0])
        return ",".join(names)
    return parse


def busy_levels(text):
    try:
        levels = [int(n) for n in text.split(",")]
    except ValueError:
        levels = []
    if not levels or any(not 0 <= n <= 64 for n in levels):
        raise argparse.ArgumentTypeError(f"expected comma-separated counts from 0 to 64; got {text!r}")
    return levels


def threads(text):
    import numba
    return integer(1, numba.config.NUMBA_NUM_THREADS)(text)
