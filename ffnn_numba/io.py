"""Saving and loading a network: one ``.npz`` file, read without pickle.

The file holds two arrays: ``header``, a JSON text (format name and version, layer sizes,
activations, cost, dtype, λ, the library version and the network's ``metadata``), and
``theta``, the flat parameter buffer in the header's dtype.

Loading trusts nothing in the file, and decides in bounded time and memory, before anything
large is allocated or decompressed:

- the path must name a regular file (a directory, FIFO, device or socket is refused unread,
  so ``load`` never blocks on a pipe);
- no single read from the file exceeds ``_MAX_READ`` bytes, whatever a zip record claims, so
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
import os
import re
import stat
import struct
import zipfile

import numpy as np

from . import files, registry

FORMAT = "ffnn-numba network"
FORMAT_VERSION = 1

#: Longest JSON header ``load`` reads (and ``save`` writes), in characters: 1 Mi.
MAX_HEADER_CHARS = 1 << 20
#: Deepest nesting of lists and objects in the JSON header (the metadata included).
MAX_JSON_DEPTH = 64
#: Most parameters a loaded network may have (2 GiB of float64); raise it to load larger
#: networks from files you trust.
MAX_PARAMETERS = 1 << 28
#: Room allowed for the ``.npy`` header in front of each member's data, in bytes.
NPY_HEADER_BYTES = 4096

_MAX_READ = 4 << 20   # no single read from the file is larger
_CHUNK = 1 << 20      # members are decompressed this much at a time
_MEMBERS = ("header.npy", "theta.npy")   # what np.savez(header=..., theta=...) writes


class ModelFileError(ValueError):
    """A file that is not a network saved by ffnn-numba, or is damaged."""


# ---------------------------------------------------------------------------------- saving

def header_text(net):
    """The JSON header ``save`` writes for ``net``; ValueError or TypeError, naming the
    problem, if its metadata is not plain JSON or the header is beyond what ``load`` reads."""
    from .registry import __version__
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "library_version": __version__,
              "layer_sizes": list(net.layer_sizes), "activations": list(net.activations),
              "cost": net.cost_name, "dtype": np.dtype(net.dtype).name, "l2": net.l2,
              "metadata": net.metadata}
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
    """Read a file written by ``save``: ``build(layer_sizes, activations, cost, dtype, l2)``
    makes the network (``Network.load`` passes one), whose parameters are then read in."""
    f, size = _open_regular(path)
    with f:
        if f.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise ModelFileError(f"{path}: not an .npz file, so not a saved network")
        try:
            with zipfile.ZipFile(_BoundedFile(f, size, path)) as archive:
                members = _members(path, archive)
                header = _header(path, _read_header_text(path, archive, members["header.npy"]))
                n = _parameter_count(path, header)
                dtype = np.dtype(header["dtype"])
                with _open_member(path, archive, members["theta.npy"],
                                  n * dtype.itemsize, "the parameters, as the header implies") as member:
                    file_dtype = _theta_header(path, member, n, dtype)
                    try:
                        net = build(header["layer_sizes"], header["activations"], header["cost"],
                                    header["dtype"], header["l2"])
                    except (TypeError, ValueError) as exc:
                        raise ModelFileError(f"{path}: the header describes no valid network "
                                             f"({exc})") from None
                    _read_into(path, member, net.theta, file_dtype)
        except ModelFileError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                KeyError, NotImplementedError, RuntimeError, struct.error) as exc:
            raise ModelFileError(f"{path}: cannot be read as a saved network ({exc})") from None
    if not np.isfinite(net.theta).all():
        raise ModelFileError(f"{path}: the parameters contain NaN or infinite values")
    net.metadata = header["metadata"]
    return net


def _open_regular(path):
    """The file at ``path``, opened for reading, and its size; refused unless a regular file.

    The file is opened without blocking and checked again once open, so a FIFO put in its
    place meanwhile is refused too instead of waiting forever for a writer."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: cannot be read as a saved network (no such file)") from None
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: cannot be read as a saved network ({exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ModelFileError(f"{path}: is a directory, not a saved network")
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError(f"{path}: is not a regular file (a FIFO, socket or device), so "
                             f"not a saved network")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read as a saved network ({exc})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise ModelFileError(f"{path}: is not a regular file, so not a saved network")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), st.st_size


class _BoundedFile:
    """The archive file, for ``zipfile``: no single read is longer than ``_MAX_READ`` bytes,
    whatever sizes the zip records claim (a forged central directory of gigabytes, say)."""

    def __init__(self, f, size, path):
        self._f, self._size, self._path = f, size, path

    def read(self, n=-1):
        if n is None or n < 0:
            n = max(self._size - self._f.tell(), 0)
        if n > _MAX_READ:
            raise ModelFileError(f"{self._path}: a zip record asks for {n} bytes at once; a "
                                 f"saved network never does (damaged or hostile file)")
        return self._f.read(n)

    def seek(self, *args):
        return self._f.seek(*args)

    def tell(self):
        return self._f.tell()

    def seekable(self):
        return True

    def close(self):
        pass


def _members(path, archive):
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if sorted(names) != sorted(_MEMBERS):
        found = sorted(name[:-4] if name.endswith(".npy") else name for name in names)
        raise ModelFileError(f"{path}: expected the arrays 'header' and 'theta'; found "
                             f"{found if len(found) <= 10 else f'{len(found)} members'}")
    for info in infos:
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{path}: the member {info.filename!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(f"{path}: the member {info.filename!r} uses zip compression "
                                 f"method {info.compress_type}; a saved network is stored or "
                                 f"deflated")
    return {info.filename: info for info in infos}


class _Member:
    """A member of the archive, read at most ``limit`` bytes in all and ``_CHUNK`` bytes per
    call to ``zipfile``, so neither a lying size nor a zip bomb can expand past ``limit``."""

    def __init__(self, raw, limit):
        self._raw, self.left = raw, limit

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        parts = []
        while n > 0:
            part = self._raw.read(min(n, _CHUNK))
            if not part:
                break
            parts.append(part)
            n -= len(part)
            self.left -= len(part)
        return b"".join(parts)

    def at_end(self):
        """True if nothing follows; reading to the end also makes ``zipfile`` check the CRC."""
        return self._raw.read(1) == b""

    def close(self):
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _open_member(path, archive, info, data_bytes, what):
    limit = data_bytes + NPY_HEADER_BYTES
    if info.file_size > limit:
        raise ModelFileError(f"{path}: {info.filename} ({what}) declares {info.file_size} bytes "
                             f"uncompressed; at most {limit} are read")
    return _Member(archive.open(info), info.file_size)


def _npy_header(path, member, name):
    """Shape, Fortran order and dtype from a member's ``.npy`` header."""
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(member, max_header_size=NPY_HEADER_BYTES)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(member, max_header_size=NPY_HEADER_BYTES)
        raise ValueError(f".npy format version {version}")
    except (ValueError, SyntaxError, TypeError, struct.error) as exc:
        raise ModelFileError(f"{path}: {name} is not a readable .npy array ({exc})") from None


def _read_header_text(path, archive, info):
    with _open_member(path, archive, info, 4 * MAX_HEADER_CHARS, "the header") as member:
        shape, _, dtype = _npy_header(path, member, "header.npy")
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


def _theta_header(path, member, n, dtype):
    shape, fortran, file_dtype = _npy_header(path, member, "theta.npy")
    if (file_dtype.kind != "f" or file_dtype.itemsize != dtype.itemsize or shape != (n,)
            or fortran and len(shape) > 1):
        raise ModelFileError(f"{path}: the parameters are {file_dtype.name} {shape}, but the "
                             f"header's network needs {dtype.name} ({n},)")
    return file_dtype


def _read_into(path, member, theta, file_dtype):
    """theta[...] = the member's data, a chunk at a time (byte order converted if needed)."""
    per_chunk = max(_CHUNK // file_dtype.itemsize, 1)
    for start in range(0, theta.size, per_chunk):
        count = min(per_chunk, theta.size - start)
        data = member.read(count * file_dtype.itemsize)
        if len(data) != count * file_dtype.itemsize:
            raise ModelFileError(f"{path}: the parameters are truncated")
        theta[start:start + count] = np.frombuffer(data, file_dtype)
    if not member.at_end():
        raise ModelFileError(f"{path}: the parameters array has trailing data")
