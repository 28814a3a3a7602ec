"""The benchmark's peers, by name: other implementations of the same network and training,
each an optional extra, skipped with its reason where it is not installed.

- "torch": PyTorch eager on the CPU (``peer_torch``), step and epoch;
- "jax": JAX, the step in one ``jax.jit`` and the epoch in one ``lax.scan`` (``peer_jax``);
- "sklearn": scikit-learn's ``MLPClassifier.partial_fit``, epoch only (``peer_sklearn``).

Every peer is built from a ``Network`` (its parameters are copied) and an optimizer object of
``ffnn_numba.training`` (SGD or Adam), and offers ``step(X, Y)``, ``epoch(X, Y, batch_size,
seed)`` (callables) and ``parameters()``.
"""
import importlib

MODULES = {"torch": "peer_torch", "jax": "peer_jax", "sklearn": "peer_sklearn"}
CLASSES = {"torch": "TorchPeer", "jax": "JaxPeer", "sklearn": "SklearnPeer"}
STEP_PEERS = ("torch", "jax")   # scikit-learn has no step of its own to time


def module(name):
    return importlib.import_module(f".{MODULES[name]}", __package__)


def missing(name):
    """Why the peer ``name`` cannot run here (it is not installed), or None when it can."""
    return module(name).missing()


def installed(names=tuple(MODULES)):
    """The peers among ``names`` that can run here."""
    return [name for name in names if missing(name) is None]


def make(name, net, optimizer, **options):
    """The peer ``name`` holding a copy of ``net``'s parameters, trained with ``optimizer``."""
    return getattr(module(name), CLASSES[name])(net, optimizer, **options)
