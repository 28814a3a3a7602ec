"""The network's views into its flat buffers: the parameter mapping ``net.params`` and the
per-batch node buffers (see ``layout`` for where everything lives)."""
import math
from collections.abc import MutableMapping

import numpy as np

from . import registry
from .layout import N, biases, n_nodes, scratch_size, weights


class Parameters(MutableMapping):
    """W^[l] and b^[l] as views of the network's flat parameter buffer.

    Writing into a view changes the network; assigning ``params["W1"] = array`` copies the
    array into the buffer after checking its shape. Keys cannot be added or removed.
    """

    def __init__(self, theta, layers):
        L = layers.shape[0] - 1
        self._views = {}
        for l in range(1, L + 1):
            self._views[f"W{l}"] = weights(theta, layers, l)
            self._views[f"b{l}"] = biases(theta, layers, l)
        self._prefixed = {}   # see copies

    def __getitem__(self, key):
        return self._views[key]

    def __setitem__(self, key, value):
        if key not in self._views:
            raise KeyError(f"no parameter {key!r}; the parameters are {list(self._views)}")
        view = self._views[key]
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{key} must hold real numbers; got dtype {value.dtype}")
        if value.shape != view.shape:
            raise ValueError(f"{key} must have shape {view.shape}; got {value.shape}")
        with np.errstate(over="ignore", invalid="ignore"):   # checked just below
            cast = value.astype(view.dtype)
        if not np.isfinite(cast).all():
            raise ValueError(f"{key} contains NaN or infinite values as {view.dtype}"
                             + (" (the values overflow it)" if np.isfinite(value).all() else ""))
        view[...] = cast

    def __delitem__(self, key):
        raise TypeError("parameters cannot be removed from a network")

    def __iter__(self):
        return iter(self._views)

    def items(self):   # the mixin's goes through __getitem__ for each key: 3x slower
        return self._views.items()

    def copies(self, prefix=""):
        """{prefix + key: a copy of that view}, new arrays (the prefixed keys are made once:
        the public ``gradients`` of a small network spent 2 µs on this dict)."""
        pairs = self._prefixed.get(prefix)
        if pairs is None:
            pairs = self._prefixed[prefix] = tuple((prefix + k, v) for k, v in self._views.items())
        return {key: view.copy() for key, view in pairs}

    def __len__(self):
        return len(self._views)

    def __repr__(self):
        return "Parameters(" + ", ".join(f"{k}: {v.shape}" for k, v in self._views.items()) + ")"


class Workspace:
    """Node buffers for up to ``capacity`` examples, reused from call to call."""

    def __init__(self, layers, capacity, dtype):
        size = n_nodes(layers) * capacity
        self.capacity = capacity
        self.Z, self.A, self.dZ, self.dA = (np.zeros(size, dtype) for _ in range(4))
        self.Y = np.zeros(layers[-1, N] * capacity, dtype)
        self.scratch = np.zeros(scratch_size(layers, capacity), dtype)
        self.nbytes = sum(b.nbytes for b in (self.Z, self.A, self.dZ, self.dA, self.Y,
                                             self.scratch))

    @staticmethod
    def size(layers, capacity, dtype):
        """Bytes of a workspace for ``capacity`` examples: the node buffers grow linearly with
        it, the scratch of the blocked products by whole panels, up to a bound."""
        n = 4 * n_nodes(layers) + int(layers[-1, N])
        return np.dtype(dtype).itemsize * (n * capacity + scratch_size(layers, capacity))

    @staticmethod
    def largest(layers, dtype, limit):
        """The largest capacity whose workspace fits in ``limit`` bytes (at least 1)."""
        low, high = 1, max(1, limit // Workspace.size(layers, 1, dtype) + 1)
        while Workspace.size(layers, high, dtype) <= limit:   # the scratch may stop growing
            low, high = high, 2 * high
        while high - low > 1:   # size grows with capacity: bisect
            mid = (low + high) // 2
            low, high = (mid, high) if Workspace.size(layers, mid, dtype) <= limit else (low, mid)
        return low


def initialize(params, layer_sizes, activations, init, rng):
    """Fill ``params``: W^[l] as ``init`` says (see ``Network``), b^[l] = 0; drawn in float64
    from ``rng`` and cast, so both dtypes start from the same numbers."""
    for l, activation in enumerate(activations, start=1):
        n_prev, n = layer_sizes[l - 1], layer_sizes[l]
        kind = registry.ACTIVATIONS[activation].init if init == "auto" else init
        if kind == "he":
            W = rng.normal(0.0, math.sqrt(2.0 / n_prev), size=(n, n_prev))
        elif kind == "glorot":
            limit = math.sqrt(6.0 / (n_prev + n))
            W = rng.uniform(-limit, limit, size=(n, n_prev))
        else:
            W = 0.01 * rng.standard_normal((n, n_prev))
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros((n, 1))


def own_array(value):
    """``value``, or a plain C-contiguous writeable copy where it is an array that is not one
    (a memory map, read-only or not; an unaligned or strided array)."""
    if isinstance(value, np.ndarray) and (type(value) is not np.ndarray
                                          or not value.flags.carray):
        return np.array(value, order="C")
    return value
