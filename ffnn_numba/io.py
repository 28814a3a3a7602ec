"""Saving and loading a network: one ``.npz`` file, read without pickle.

The file holds two arrays: ``header``, a JSON text (format name and version, layer sizes,
activations, cost, dtype, λ, the library version and the network's ``metadata``), and
``theta``, the flat parameter buffer in the header's dtype.

Loading trusts nothing in the file, and decides in bounded time and memory, before anything
large is allocated or decompressed:

- the path must name a regular file (a directory, FIFO, device or socket is refused unread,
  so ``load`` never blocks on a pipe);
- no single read from the file exceeds ``archive.MAX_READ`` bytes, whatever a zip record claims, so
  a forged central directory cannot make ``zipfile`` read gigabytes at once;
- the archive must hold exactly the members ``header.npy`` and ``theta.npy``, stored or
  deflated (the two ways NumPy writes them), not encrypted;
- ``header.npy`` may declare at most ``4 * MAX_HEADER_CHARS + NPY_HEADER_BYTES`` bytes; its
  ``.npy`` header must describe one Unicode string (never Python objects, which would need
  pickle); the JSON text is at most ``MAX_HEADER_CHARS`` characters nested at most
  ``MAX_JSON_DEPTH`` deep;
- the header's network may have at most ``MAX_PARAMETERS`` parameters, counted in Python
  integers (no overflow) before the network is built;
- ``theta.npy`` may declare at most the bytes the header's network implies plus
  ``NPY_HEADER_BYTES``, and its ``.npy`` header must give exactly that network's shape and
  dtype, all checked before a byte of the parameters is decompressed; the data are then read
  in bounded chunks straight into the network, the CRC is checked, and NaN or infinite values
  are refused.

Every refusal is a ``ModelFileError`` (a ``ValueError``) naming the file and the reason.

Saving writes a temporary file next to the target and renames it into place only once it is
complete, so a failed save (metadata that is not JSON, a full disk, Ctrl-C) leaves the
previous file untouched and no temporary file behind.
"""
import json
import re
import struct
import zipfile

import numpy as np

from . import files, registry
from .archive import NPY_HEADER_BYTES, ModelFileError  # noqa: F401 - part of this API
from .archive import (BoundedFile, archive_members, npy_header, open_member, open_regular,
                      read_into, theta_header)

FORMAT = "ffnn-numba network"
FORMAT_VERSION = 1

#: Longest JSON header ``load`` reads (and ``save`` writes), in characters: 1 Mi.
MAX_HEADER_CHARS = 1 << 20
#: Deepest nesting of lists and objects in the JSON header (the metadata included).
MAX_JSON_DEPTH = 64
#: Most parameters a loaded network may have (2 GiB of float64); raise it to load larger
#: networks from files you trust.
MAX_PARAMETERS = 1 << 28
# ---------------------------------------------------------------------------------- saving

def header_text(net):
    """The JSON header ``save`` writes for ``net``; ValueError or TypeError, naming the
    problem, if its metadata is not plain JSON or the header is beyond what ``load`` reads."""
    from .registry import __version__
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "library_version": __version__,
              "layer_sizes": list(net.layer_sizes), "activations": list(net.activations),
              "cost": net.cost_name, "dtype": np.dtype(net.dtype).name, "l2": net.l2,
              "fused": net.fused, "metadata": net.metadata}
    if not isinstance(net.metadata, dict):
        raise TypeError(f"cannot save: metadata must be a dict; got {type(net.metadata).__name__}")
    try:
        text = json.dumps(header, allow_nan=False)
    except TypeError as exc:
        raise TypeError(f"cannot save: metadata must hold only JSON values (dict, list, str, "
                        f"int, float, bool, None): {exc}") from None
    except ValueError as exc:  # NaN or infinity, or a circular reference
        raise ValueError(f"cannot save: metadata must be plain JSON: {exc}") from None
    except RecursionError:
        raise ValueError(f"cannot save: metadata is nested more than {MAX_JSON_DEPTH} "
                         f"deep") from None
    problem = _text_problem(text)
    if problem:
        raise ValueError(f"cannot save: {problem}, which load would refuse")
    return text


def save(net, path):
    text = header_text(net)           # every check comes before the file system is touched
    theta = net.theta
    if not np.isfinite(theta).all():
        raise ValueError("cannot save: the parameters contain NaN or infinite values "
                         "(training diverged?); load would refuse the file")
    with files.replacing(path, "wb") as f:
        np.savez(f, header=np.array(text), theta=theta)


# --------------------------------------------------------------------------------- loading

def load(path, build):
    """Read a file written by ``save``: ``build(layer_sizes, activations, cost, dtype, l2,
    fused)`` makes the network (``Network.load`` passes one), whose parameters are then read in."""
    if not callable(build):   # io.load(path, backend) was this function's old signature
        raise TypeError(f"build must make the network from the header (Network.load passes "
                        f"one); got {build!r}. To load a network, use "
                        f"ffnn_numba.Network.load(path, backend=...)")
    f, size = open_regular(path)
    with f:
        if f.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise ModelFileError(f"{path}: not an .npz file, so not a saved network")
        try:
            with zipfile.ZipFile(BoundedFile(f, size, path)) as archive:
                members = archive_members(path, archive)
                header = _header(path, _read_header_text(path, archive, members["header.npy"]))
                n = _parameter_count(path, header)
                dtype = np.dtype(header["dtype"])
                implied = "the parameters, as the header implies"
                with open_member(path, archive, members["theta.npy"], n * dtype.itemsize,
                                 implied) as member:
                    file_dtype = theta_header(path, member, n, dtype)
                    try:
                        net = build(header["layer_sizes"], header["activations"], header["cost"],
                                    header["dtype"], header["l2"], header["fused"])
                    except (TypeError, ValueError) as exc:
                        raise ModelFileError(f"{path}: the header describes no valid network "
                                             f"({exc})") from None
                    read_into(path, member, net.theta, file_dtype)
        except ModelFileError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                KeyError, NotImplementedError, RuntimeError, struct.error) as exc:
            raise ModelFileError(f"{path}: cannot be read as a saved network ({exc})") from None
    if not np.isfinite(net.theta).all():
        raise ModelFileError(f"{path}: the parameters contain NaN or infinite values")
    net.metadata = header["metadata"]
    return net


def _read_header_text(path, archive, info):
    with open_member(path, archive, info, 4 * MAX_HEADER_CHARS, "the header") as member:
        shape, _, dtype = npy_header(path, member, "header.npy")
        if dtype.hasobject:
            raise ModelFileError(f"{path}: not a network file ffnn-numba can read safely (the "
                                 f"array 'header' holds Python objects, which only pickle could "
                                 f"load, and pickle is never used)")
        if dtype.kind != "U" or shape != ():
            raise ModelFileError(f"{path}: the header is not a JSON text")
        if dtype.itemsize > 4 * MAX_HEADER_CHARS:
            raise ModelFileError(f"{path}: the header is {dtype.itemsize // 4} characters long; "
                                 f"at most {MAX_HEADER_CHARS} are read")
        data = member.read(dtype.itemsize)
        if len(data) != dtype.itemsize or not member.at_end():
            raise ModelFileError(f"{path}: the header array is truncated or has trailing data")
    return str(np.frombuffer(data, dtype, count=1)[0])


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _text_problem(text):
    """Why a JSON header text is beyond what is read (too long, too deeply nested), or None."""
    if len(text) > MAX_HEADER_CHARS:
        return (f"the JSON header is {len(text)} characters long; at most {MAX_HEADER_CHARS} "
                f"are read")
    outside = np.frombuffer(_STRING.sub("", text).encode("utf-32-le"), np.uint32)
    steps = (np.isin(outside, (ord("["), ord("{"))).astype(np.int64)
             - np.isin(outside, (ord("]"), ord("}"))))
    depth = int(np.cumsum(steps).max(initial=0))
    if depth > MAX_JSON_DEPTH:
        return f"the JSON header is nested {depth} deep; at most {MAX_JSON_DEPTH} levels are read"
    return None


def _header(path, text):
    problem = _text_problem(text)
    if problem:
        raise ModelFileError(f"{path}: {problem}")
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer of 4300+ digits
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
    if not isinstance(header.setdefault("fused", None), (bool, type(None))):   # None: older files
        raise ModelFileError(f"{path}: the header's 'fused' is malformed")
    if header["dtype"] not in ("float32", "float64") or header["cost"] not in registry.COSTS:
        raise ModelFileError(f"{path}: the header names an unknown dtype or cost")
    return header


def _parameter_count(path, header):
    """Σ_l n^[l] (n^[l-1] + 1) for the header's layer sizes, refused above MAX_PARAMETERS."""
    sizes = header["layer_sizes"]
    if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1
                             for n in sizes):
        shown = sizes if len(sizes) <= 10 else f"{len(sizes)} entries"
        raise ModelFileError(f"{path}: the header describes no valid network (layer_sizes must "
                             f"be at least two positive integers; got {shown})")
    n = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))
    if n > MAX_PARAMETERS:
        raise ModelFileError(f"{path}: the header's network has {n} parameters; load refuses "
                             f"more than ffnn_numba.io.MAX_PARAMETERS = {MAX_PARAMETERS}")
    return n
