"""Every JIT option of ffnn_numba.kernels, in one place.

- ``error_model="numpy"``: a division by zero gives inf/nan as in NumPy instead of raising,
  and keeps divisions free of the branch that blocks vectorisation. Inputs are validated
  in Python before any kernel runs, so kernels never need to raise.
- Reference kernels (``jit``) use no fastmath: IEEE evaluation order, deterministic, and the
  finite-difference checks see exact derivatives.
- Blocked kernels (``jit(fast=True)``) allow ``FASTMATH``: reassociation (so that LLVM may
  vectorise sums, whose order then follows the vector width), fused multiply-add and
  sign-of-zero freedom. Never ``nnan``/``ninf``: inf and NaN keep their meaning.
- ``jit(parallel=True)`` only for the functions with ``prange`` loops of their own
  (``gemm.packed_gemm``): on their callers it ran Numba's parallel passes over large
  functions with nothing to parallelise (1-2 s of a cold start). The callers are serial and
  call it by symbol (``_linking``); loaded from the cache, they start its threads as well
  (``tests/test_linking.py``, ``tests/test_threads.py``).
- Every kernel is compiled by ``_linking.Compiler``: it calls the other kernels by symbol
  instead of linking in, re-optimising and re-emitting their machine code.
- On-disk cache, on by default, in ``$FFNN_NUMBA_CACHE_DIR`` (default
  ``$XDG_CACHE_HOME/ffnn_numba``, i.e. ``~/.cache/ffnn_numba``), one subdirectory per digest
  of every source file compiled code reads and of the Numba version. Numba itself checks
  only the file of the function it loads, so without the digest a kernel calling into a
  changed file would silently load its old machine code. ``FFNN_NUMBA_CACHE=0`` turns the
  cache off. The cache never stops a kernel from running, and warns at most once per process
  for each kind of trouble, naming the directory:

  - a damaged, truncated or foreign file (each data file carries a checksum and the key it
    was saved under) is deleted with the rest of its function's entries and the kernel
    recompiled, so the next process finds a clean cache;
  - a read-only directory is still read; kernels missing from it compile in memory;
  - a directory that cannot be created: every kernel compiles in memory.
"""
import contextlib
import glob
import hashlib
import os
import pickle
import sys
import warnings
from pathlib import Path

import numba
# Numba's cache classes are private API, used here only: pyproject.toml pins numba to 0.68.x.
from numba.core.caching import (CompileResultCacheImpl, FunctionCache, IndexDataCacheFile,
                                _CacheLocator, _SourceFileBackedLocatorMixin)
from numba.core.dispatcher import Dispatcher

from ffnn_numba import layout, registry

from . import _linking

CACHE = os.environ.get("FFNN_NUMBA_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def sources():
    """Every source file compiled code reads: the kernels, the layout and the registry."""
    return sorted(Path(__file__).parent.glob("*.py")) + [Path(layout.__file__),
                                                         Path(registry.__file__)]


def digest(paths):
    """16 hex digits of the SHA-256 of the Numba version and the bytes of ``paths``."""
    h = hashlib.sha256(numba.__version__.encode())
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _cache_dir():
    base = os.environ.get("FFNN_NUMBA_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ffnn_numba"
    return str(Path(base) / digest(sources()))


CACHE_DIR = _cache_dir() if CACHE else None
OPTIONS = {"error_model": "numpy", "nogil": True}
FASTMATH = {"reassoc", "contract", "nsz"}

_warned = set()


def _warn_once(kind, message):
    """Warn about cache trouble of one ``kind`` once per process, not once per kernel."""
    if kind not in _warned:
        _warned.add(kind)
        warnings.warn(f"ffnn_numba: {message}", RuntimeWarning, stacklevel=2)


class _Locator(_SourceFileBackedLocatorMixin, _CacheLocator):
    """Put a function's cache under ``CACHE_DIR``, also where that is read-only.

    Numba's locators test a directory by writing to it and move on to another one otherwise,
    so a read-only cache would never be read. Here a failed write surfaces when saving.
    """

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = os.path.join(CACHE_DIR, self.get_suitable_cache_subpath(py_file))

    def get_cache_path(self):
        return self._cache_path

    def ensure_cache_path(self):
        os.makedirs(self._cache_path, exist_ok=True)

    @classmethod
    def from_function(cls, py_func, py_file):
        locator = cls(py_func, py_file)
        locator.ensure_cache_path()  # OSError if it cannot be created: jit() compiles in memory
        return locator


@contextlib.contextmanager
def _locked(directory):
    """Hold an exclusive lock on ``directory`` while in the block (it writes nothing, so a
    read-only directory can be locked too)."""
    if sys.platform == "win32":   # no fcntl: saving stays unlocked there
        yield
        return
    import fcntl
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # releases the lock


class _CheckedFiles(IndexDataCacheFile):
    """Numba's index and data files of one function, checked when read: anything wrong raises.

    Numba quietly ignores an index of another version or source, but the digest in
    ``CACHE_DIR`` already covers both, so such an index is foreign here. Pickle notices a
    truncated data file but not changed bytes inside its machine code, which could crash the
    process that runs it; hence the checksum. The key inside a data file catches one that
    belongs to another function or signature.
    """

    _CHECKSUM_SIZE = hashlib.sha256().digest_size

    def __init__(self, cache_path, filename_base, source_stamp):
        super().__init__(cache_path, filename_base, source_stamp)
        self._version = (self._version, self._index_name)  # written first in the index

    def _load_index(self):
        try:
            with open(self._index_path, "rb") as f:
                version, (stamp, overloads) = pickle.load(f), pickle.load(f)
        except FileNotFoundError:
            return {}
        if (version, stamp) != (self._version, self._source_stamp):
            raise ValueError(f"{self._index_name} is not the index of this function")
        return overloads

    def save(self, key, data):
        # Another process may save an entry of the same function meanwhile (the dtypes of
        # ``ffnn-numba compile``, the workers of a search): Numba reads the index, names the
        # new data file after the index's length and writes the index back, so unlocked, one
        # process's entry could be lost or its data file taken by the other's.
        with _locked(self._cache_path):
            super().save(key, (key, data))

    def load(self, key):
        entry = super().load(key)
        if entry is None:
            return None
        if entry[0] != key:
            raise ValueError(f"a data file of {self._index_name} belongs to another entry")
        return entry[1]

    def _save_data(self, name, data):
        data = self._dump(data)
        with self._open_for_write(self._data_path(name)) as f:
            f.write(data + hashlib.sha256(data).digest())

    def _load_data(self, name):
        with open(self._data_path(name), "rb") as f:
            data = f.read()
        data, checksum = data[:-self._CHECKSUM_SIZE], data[-self._CHECKSUM_SIZE:]
        if hashlib.sha256(data).digest() != checksum:
            raise ValueError(f"{name} fails its checksum")
        return pickle.loads(data)


class _Impl(CompileResultCacheImpl):
    _locator_classes = [_Locator]


class _Cache(FunctionCache):
    """Numba's per-function cache, which recompiles instead of failing on a bad cache."""

    _impl_class = _Impl

    def __init__(self, py_func):
        super().__init__(py_func)  # builds Numba's unchecked files, replaced here
        self._cache_file = _CheckedFiles(self._cache_path, self._impl.filename_base,
                                         self._impl.locator.get_source_stamp())

    def load_overload(self, sig, target_context):
        try:
            compiled = super().load_overload(sig, target_context)
        except _linking.StaleDependency:   # a kernel it calls was compiled again since
            return None   # Numba compiles it against that one and replaces this entry
        except Exception as exc:  # unpickling garbage can raise almost anything
            self._discard()
            _warn_once("damaged", f"found damaged files in the kernel cache {CACHE_DIR}; "
                                  f"discarding them and recompiling ({type(exc).__name__}: {exc})")
            return None  # Numba compiles, then saves a fresh entry
        if compiled is not None:
            _linking.provides(compiled.library, compiled.fndesc)
            # Numba runs a loaded entry's reload_init but does not keep it on its library, so
            # a function compiled later that links this one (a parallel loop's body links the
            # kernels it calls) would be saved without the Dependency entries it needs.
            compiled.library._reload_init.update(compiled.reload_init or ())
        return compiled

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except Exception as exc:  # read-only directory, full disk, a damaged index left behind
            _warn_once("save", f"cannot save kernels in the kernel cache {CACHE_DIR}; those "
                               f"missing from it compile in memory ({type(exc).__name__}: {exc})")

    def _discard(self):
        """Delete this function's index and data files, so that saving starts afresh."""
        data = os.path.join(glob.escape(self._cache_path),
                            glob.escape(self._impl.filename_base) + ".*.nbc")
        for path in [self._cache_file._index_path, *glob.glob(data)]:
            with contextlib.suppress(OSError):  # read-only: each process recompiles, and warns
                os.remove(path)


def jit(func=None, *, fast=False, parallel=False, inline=False):
    """Compile ``func`` in nopython mode with the library's options.

    Use as ``@jit``, ``@jit(fast=True)``, ``@jit(parallel=True)``; ``inline=True`` merges a
    function into each caller before typing, where it then runs under the caller's
    options: use it only where both have the same ``fast``, or where the function does no
    floating-point arithmetic. Calls between kernels go by symbol (``_linking``), which LLVM
    cannot inline, so ``inline=True`` marks every function whose call would cost more than
    its compilation once per caller: helpers called once per number or block (``sigmoid``,
    ``dot_block``, ``copy_tile``); the views of the buffers, so that their reference counting
    can be pruned (7% of a tiny step); the small kernels a step calls once per layer (as calls
    by symbol, a tiny epoch took 376 -> 413 µs; the activations, costs and updates are called
    through the network's kernel table instead, ``calls``, so that only those it uses
    compile); and the thin layers between an entry point and the kernels (choice of a
    product form, dispatch on a code for ``activation_forward`` and its kind).
    """
    if func is None:
        return lambda f: jit(f, fast=fast, parallel=parallel, inline=inline)
    options = dict(OPTIONS, parallel=parallel)
    if fast:
        options["fastmath"] = FASTMATH
    if inline:
        options["inline"] = "always"
    dispatcher = numba.njit(pipeline_class=_linking.Compiler, **options)(func)
    if not isinstance(dispatcher, Dispatcher):   # a plain function: NUMBA_DISABLE_JIT
        return dispatcher
    _linking.register(dispatcher)
    if CACHE:
        try:
            # What numba.njit(cache=True) does, with our cache class instead of Numba's.
            dispatcher._cache = _Cache(func)
        # OSError: CACHE_DIR cannot be created; RuntimeError: no cache locator, which only a
        # NUMBA_CACHE_LOCATOR_CLASSES naming unusable ones could cause.
        except (OSError, RuntimeError) as exc:
            _warn_once("create", f"compiling kernels without an on-disk cache: {CACHE_DIR} "
                                 f"cannot be created ({type(exc).__name__}: {exc})")
    return dispatcher
