"""ffnn-numba: feedforward neural networks written the way their derivation is written.

The equations of forward and backward propagation live twice: as Numba-compiled loops over
the derivation's index letters (``ffnn_numba.kernels``) and as NumPy matrix forms
(``ffnn_numba.vectorized``). ``Network`` runs on either and can switch at any time.
"""
import os as _os
import sys as _sys

# Tools that give a process its share of the cores (joblib's workers, Dask's nanny, batch
# schedulers) say so in OMP_NUM_THREADS; Numba reads only NUMBA_NUM_THREADS, and only when
# it is first imported. An explicit NUMBA_NUM_THREADS always wins.
_omp = _os.environ.get("OMP_NUM_THREADS", "").strip()
if ("NUMBA_NUM_THREADS" not in _os.environ and "numba" not in _sys.modules
        and _omp.isdigit() and int(_omp) >= 1):
    _os.environ["NUMBA_NUM_THREADS"] = str(min(int(_omp), _os.cpu_count() or 1))

from . import compiling  # noqa: E402,F401 - after the thread count is settled
from .network import Network  # noqa: E402
from .registry import ACTIVATIONS as _ACTIVATIONS  # noqa: E402
from .registry import COSTS as _COSTS  # noqa: E402
from .threads import get_num_threads, set_num_threads  # noqa: E402

# The teaching tools and the data sets load on first use: a worker process of a parallel
# search (joblib, Dask) imports this package to unpickle an estimator, and needs only the model.
_LAZY = {"datasets": (".datasets", None), "teach": (".teach", None),
         "examples": (".teach.examples", None), "exercises": (".teach.exercises", None),
         "explain": (".teach.explain", "explain"), "draw": (".teach.figure", "draw"),
         "gradcheck": (".teach.checks", "gradcheck"),
         "activation_jacobian": (".teach.checks", "activation_jacobian")}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    module, attribute = _LAZY[name]
    value = importlib.import_module(module, __name__)
    value = value if attribute is None else getattr(value, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


from .registry import __version__  # noqa: E402,F401

ACTIVATIONS = tuple(_ACTIVATIONS)
"""Names of the activations a layer may use."""

COSTS = tuple(_COSTS)
"""Names of the costs a network may minimise."""

__all__ = ["ACTIVATIONS", "COSTS", "Network", "activation_jacobian", "datasets", "draw", "examples", "exercises",
           "explain",
           "get_num_threads", "gradcheck", "set_num_threads", "__version__"]
