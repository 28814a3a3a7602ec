"""Every JIT option of ffnn_numba.kernels, in one place.

- ``error_model="numpy"``: a division by zero gives inf/nan as in NumPy instead of raising,
  and keeps divisions free of the branch that blocks vectorisation. Inputs are validated
  in Python before any kernel runs, so kernels never need to raise.
- No fastmath: the reference kernels keep IEEE evaluation order, so they are deterministic
  and the finite-difference checks see exact derivatives.
- On-disk cache, on by default. ``FFNN_NUMBA_CACHE=0`` turns it off; Numba's own
  ``NUMBA_CACHE_DIR`` relocates it. Where no cache location is writable the kernels compile
  in memory instead, with a warning, so importing never fails.
"""
import os
import warnings

import numba

CACHE = os.environ.get("FFNN_NUMBA_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")
OPTIONS = {"error_model": "numpy", "nogil": True}


def jit(func):
    """Compile ``func`` in nopython mode with the library's options."""
    if CACHE:
        try:
            return numba.njit(cache=True, **OPTIONS)(func)
        except RuntimeError as exc:  # raised when no cache location is writable
            warnings.warn(f"ffnn_numba: compiling {func.__name__} without an on-disk cache ({exc})",
                          RuntimeWarning, stacklevel=2)
    return numba.njit(**OPTIONS)(func)
