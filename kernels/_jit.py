"""Every JIT option of ffnn_numba.kernels, in one place.

- ``error_model="numpy"``: a division by zero gives inf/nan as in NumPy instead of raising,
  and keeps divisions free of the branch that blocks vectorisation. Inputs are validated
  in Python before any kernel runs, so kernels never need to raise.
- Reference kernels (``jit``) use no fastmath: IEEE evaluation order, deterministic, and the
  finite-difference checks see exact derivatives.
- Blocked kernels (``jit(fast=True)``) allow ``FASTMATH``: reassociation (so that LLVM may
  vectorise sums, whose order then follows the vector width), fused multiply-add and
  sign-of-zero freedom. Never ``nnan``/``ninf``: inf and NaN keep their meaning.
- ``jit(parallel=True)`` for functions with ``prange`` loops and every function that calls
  them: Numba can crash when a cached serial function calls a cached parallel one.
- On-disk cache, on by default, in ``$FFNN_NUMBA_CACHE_DIR`` (default
  ``$XDG_CACHE_HOME/ffnn_numba``, i.e. ``~/.cache/ffnn_numba``), one subdirectory per digest
  of every source file compiled code reads and of the Numba version. Numba itself checks
  only the file of the function it loads, so without the digest a kernel calling into a
  changed file would silently load its old machine code. ``FFNN_NUMBA_CACHE=0`` turns the
  cache off. Where the directory is not writable the kernels compile in memory instead, with
  a warning, so importing never fails.
"""
import hashlib
import os
import warnings
from pathlib import Path

import numba

from ffnn_numba import layout, registry

# Functions that only call parallel kernels must be compiled parallel too (see above); Numba
# then warns that they have no prange of their own, which is expected here.
warnings.filterwarnings("ignore", message=r"(?s).*'parallel=True' was specified but no transformation",
                        category=numba.NumbaPerformanceWarning)

CACHE = os.environ.get("FFNN_NUMBA_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def _cache_dir():
    base = os.environ.get("FFNN_NUMBA_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ffnn_numba"
    digest = hashlib.sha256(numba.__version__.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")) + [Path(layout.__file__),
                                                                 Path(registry.__file__)]:
        digest.update(source.read_bytes())
    return str(Path(base) / digest.hexdigest()[:16])


CACHE_DIR = _cache_dir() if CACHE else None
OPTIONS = {"error_model": "numpy", "nogil": True}
FASTMATH = {"reassoc", "contract", "nsz"}


def jit(func=None, *, fast=False, parallel=False, inline=False):
    """Compile ``func`` in nopython mode with the library's options.

    Use as ``@jit``, ``@jit(fast=True)``, ``@jit(parallel=True)``; ``inline=True`` merges a
    small helper into each caller before typing, so that the reference counting of the
    views it returns can be pruned (measured: 7% of a tiny training step).
    """
    if func is None:
        return lambda f: jit(f, fast=fast, parallel=parallel, inline=inline)
    options = dict(OPTIONS, parallel=parallel)
    if fast:
        options["fastmath"] = FASTMATH
    if inline:
        options["inline"] = "always"
    if CACHE:
        try:
            os.makedirs(CACHE_DIR, exist_ok=True)
            if not os.access(CACHE_DIR, os.W_OK):
                raise OSError(f"{CACHE_DIR} is not writable")
            # Numba's locator reads its directory when the function is decorated, so pointing
            # it at ours for this call leaves every other Numba user's cache where it was.
            saved, numba.config.CACHE_DIR = numba.config.CACHE_DIR, CACHE_DIR
            try:
                return numba.njit(cache=True, **options)(func)
            finally:
                numba.config.CACHE_DIR = saved
        except (OSError, RuntimeError) as exc:  # RuntimeError: Numba found no cache location
            warnings.warn(f"ffnn_numba: compiling {func.__name__} without an on-disk cache ({exc})",
                          RuntimeWarning, stacklevel=2)
    return numba.njit(**options)(func)
