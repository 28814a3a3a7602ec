"""ffnn-numba: feedforward neural networks written the way their derivation is written.

The equations of forward and backward propagation live twice: as Numba-compiled loops over
the derivation's index letters (``ffnn_numba.kernels``) and as NumPy matrix forms
(``ffnn_numba.vectorized``). ``Network`` runs on either and can switch at any time.
"""
from . import datasets
from .network import Network
from .registry import ACTIVATIONS as _ACTIVATIONS
from .registry import COSTS as _COSTS
from .checks import activation_jacobian, gradcheck
from .teach import explain
from .threads import get_num_threads, set_num_threads

__version__ = "0.1.0"

ACTIVATIONS = tuple(_ACTIVATIONS)
"""Names of the activations a layer may use."""

COSTS = tuple(_COSTS)
"""Names of the costs a network may minimise."""

__all__ = ["ACTIVATIONS", "COSTS", "Network", "activation_jacobian", "datasets", "explain",
           "get_num_threads", "gradcheck", "set_num_threads", "__version__"]
