"""Reading a saved network's ``.npz`` archive in bounded time and memory (see ``io``): the
file opened only if it is regular, reads of at most ``MAX_READ`` bytes, members decompressed
``CHUNK`` bytes at a time up to what they may hold, ``.npy`` headers parsed without pickle.
Every refusal is a ``ModelFileError`` naming the file and the reason.
"""
import os
import stat
import struct
import zipfile

import numpy as np

#: Room allowed for the ``.npy`` header in front of each member's data, in bytes.
NPY_HEADER_BYTES = 4096

MAX_READ = 4 << 20   # no single read from the file is larger
CHUNK = 1 << 20      # members are decompressed this much at a time
MEMBERS = ("header.npy", "theta.npy")   # what np.savez(header=..., theta=...) writes


class ModelFileError(ValueError):
    """A file that is not a network saved by ffnn-numba, or is damaged."""


def open_regular(path):
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


class BoundedFile:
    """The archive file, for ``zipfile``: no single read is longer than ``MAX_READ`` bytes,
    whatever sizes the zip records claim (a forged central directory of gigabytes, say)."""

    def __init__(self, f, size, path):
        self._f, self._size, self._path = f, size, path

    def read(self, n=-1):
        if n is None or n < 0:
            n = max(self._size - self._f.tell(), 0)
        if n > MAX_READ:
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


def archive_members(path, archive):
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if sorted(names) != sorted(MEMBERS):
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


class Member:
    """A member of the archive, read at most ``limit`` bytes in all and ``CHUNK`` bytes per
    call to ``zipfile``, so neither a lying size nor a zip bomb can expand past ``limit``."""

    def __init__(self, raw, limit):
        self._raw, self.left = raw, limit

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        parts = []
        while n > 0:
            part = self._raw.read(min(n, CHUNK))
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


def open_member(path, archive, info, data_bytes, what):
    limit = data_bytes + NPY_HEADER_BYTES
    if info.file_size > limit:
        raise ModelFileError(f"{path}: {info.filename} ({what}) declares {info.file_size} bytes "
                             f"uncompressed; at most {limit} are read")
    return Member(archive.open(info), info.file_size)


def npy_header(path, member, name):
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


def theta_header(path, member, n, dtype):
    shape, fortran, file_dtype = npy_header(path, member, "theta.npy")
    if (file_dtype.kind != "f" or file_dtype.itemsize != dtype.itemsize or shape != (n,)
            or fortran and len(shape) > 1):
        raise ModelFileError(f"{path}: the parameters are {file_dtype.name} {shape}, but the "
                             f"header's network needs {dtype.name} ({n},)")
    return file_dtype


def read_into(path, member, theta, file_dtype):
    """theta[...] = the member's data, a chunk at a time (byte order converted if needed)."""
    per_chunk = max(CHUNK // file_dtype.itemsize, 1)
    for start in range(0, theta.size, per_chunk):
        count = min(per_chunk, theta.size - start)
        data = member.read(count * file_dtype.itemsize)
        if len(data) != count * file_dtype.itemsize:
            raise ModelFileError(f"{path}: the parameters are truncated")
        theta[start:start + count] = np.frombuffer(data, file_dtype)
    if not member.at_end():
        raise ModelFileError(f"{path}: the parameters array has trailing data")
