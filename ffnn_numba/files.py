"""Every file the library writes (models, explorer pages, figures, predictions, benchmark
reports) is written whole or not at all: to a temporary file beside the target, renamed over
it once complete, so a failure part-way (a full disk, Ctrl-C) leaves the old file byte for byte.
"""
import contextlib
import errno
import os
import secrets
import stat


@contextlib.contextmanager
def replacing(path, mode="w", **open_options):
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path``.

    Parameters
    ----------
    path : str or path-like
        The target. A symbolic link is written through (its target replaced), and an existing
        file's permission bits are kept.
    mode : {"w", "wb"}
    **open_options
        Passed to ``open`` (``encoding``, ``newline``).

    Yields
    ------
    file object
        On the temporary file. When the ``with`` block raises, the temporary file is removed
        and the target left untouched.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    target = os.path.realpath(os.fspath(path))
    old = _existing(target, path)
    directory, name = os.path.split(target)
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:  # mode 0o666 less the umask, as open() gives a new file
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, mode, **open_options) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if old is not None:
            os.chmod(temporary, stat.S_IMODE(old.st_mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text(path, text, **open_options):
    """Write ``text`` to ``path`` whole or not at all (UTF-8 unless an encoding is given)."""
    open_options.setdefault("encoding", "utf-8")
    with replacing(path, "w", **open_options) as f:
        f.write(text)
    return path


def _existing(target, path):
    """The target's stat, None where it does not exist; refuses what is not a regular file."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(old.st_mode):
        raise IsADirectoryError(errno.EISDIR, "cannot write a file over a directory", str(path))
    if not stat.S_ISREG(old.st_mode):
        raise OSError(errno.EINVAL, "not a regular file; only a regular file is replaced",
                      str(path))
    return old
