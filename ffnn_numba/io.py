"""Saving and loading a network: one ``.npz`` file, read without pickle.

The file holds two arrays: ``header``, a JSON text (format name and version, layer sizes,
activations, cost, dtype, λ, the library version and the network's ``metadata``), and
``theta``, the flat parameter buffer in the header's dtype. ``np.load`` runs with
``allow_pickle=False``, so a file holding pickled objects is refused before anything in it
runs; every field is checked before a network is built from it.
"""
import json
import zipfile

import numpy as np

from . import registry

FORMAT = "ffnn-numba network"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A file that is not a network saved by ffnn-numba, or is damaged."""


def save(net, path):
    from . import __version__
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "library_version": __version__,
              "layer_sizes": list(net.layer_sizes), "activations": list(net.activations),
              "cost": net.cost_name, "dtype": np.dtype(net.dtype).name, "l2": net.l2,
              "metadata": net.metadata}
    with open(path, "wb") as f:
        np.savez(f, header=np.array(json.dumps(header)), theta=net._theta)


def load(cls, path, backend):
    try:
        with open(path, "rb") as f:
            if f.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
                raise ModelFileError(f"{path}: not an .npz file, so not a saved network")
        with np.load(path, allow_pickle=False) as data:
            if sorted(data.files) != ["header", "theta"]:
                raise ModelFileError(f"{path}: expected the arrays 'header' and 'theta'; "
                                     f"found {sorted(data.files)}")
            header_text, theta = data["header"], data["theta"]
    except ModelFileError:
        raise
    except ValueError as exc:  # np.load refusing pickled objects, or a damaged array
        raise ModelFileError(f"{path}: not a network file ffnn-numba can read safely ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelFileError(f"{path}: cannot be read as a saved network ({exc})") from None
    header = _header(path, header_text)
    try:
        net = cls(header["layer_sizes"], header["activations"], header["cost"], backend=backend,
                  dtype=header["dtype"], l2=header["l2"])
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the header describes no valid network ({exc})") from None
    if theta.dtype != net.dtype or theta.shape != net._theta.shape:
        raise ModelFileError(f"{path}: the parameters are {theta.dtype} {theta.shape}, but the "
                             f"header's network needs {np.dtype(net.dtype).name} "
                             f"{net._theta.shape}")
    if not np.isfinite(theta).all():
        raise ModelFileError(f"{path}: the parameters contain NaN or infinite values")
    net._theta[...] = theta
    net.metadata = header["metadata"]
    return net


def _header(path, text):
    if text.dtype.kind != "U" or text.shape != ():
        raise ModelFileError(f"{path}: the header is not a JSON text")
    try:
        header = json.loads(str(text))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an ffnn-numba network file")
    if header.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: file format version {header.get('format_version')!r}; "
                             f"this ffnn-numba reads version {FORMAT_VERSION}")
    expected = {"layer_sizes": list, "activations": list, "cost": str, "dtype": str,
                "l2": (int, float), "metadata": dict}
    for key, kind in expected.items():
        if not isinstance(header.get(key), kind):
            raise ModelFileError(f"{path}: the header's {key!r} is missing or malformed")
    if header["dtype"] not in ("float32", "float64") or header["cost"] not in registry.COSTS:
        raise ModelFileError(f"{path}: the header names an unknown dtype or cost")
    return header
