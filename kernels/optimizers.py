"""Parameter updates after each mini-batch, one loop over the flat buffers each.

Index letter: t, every entry of θ (``theta``) and of its gradient g = ∂J/∂θ (``grad``).
``state`` is (2, len(theta)): the optimizer's running vectors (velocity v, or Adam's first
and second moments). ``settings`` is the float64 vector described in ``registry``
(α, μ, β1, β2, ε, Adam's step count). Each kernel overwrites theta and its state.
"""
import math
import types

from numba import prange

from ffnn_numba.registry import (ADAM, BETA_1, BETA_2, EPSILON, LEARNING_RATE, MOMENTUM,
                                 MOMENTUM_COEFFICIENT, NESTEROV, SGD, STEPS)

from ._jit import jit


@jit(inline=True)
def sgd_update(theta, grad, state, settings):
    """θ_t ← θ_t − α g_t."""
    alpha = settings[LEARNING_RATE]
    for t in range(theta.shape[0]):
        theta[t] -= alpha * grad[t]


@jit(inline=True)
def momentum_update(theta, grad, state, settings):
    """v_t ← μ v_t − α g_t;  θ_t ← θ_t + v_t."""
    alpha, mu = settings[LEARNING_RATE], settings[MOMENTUM_COEFFICIENT]
    v = state[0]
    for t in range(theta.shape[0]):
        v[t] = mu * v[t] - alpha * grad[t]
        theta[t] += v[t]


@jit(inline=True)
def nesterov_update(theta, grad, state, settings):
    """v_t ← μ v_t − α g_t;  θ_t ← θ_t + μ v_t − α g_t  (the look-ahead form)."""
    alpha, mu = settings[LEARNING_RATE], settings[MOMENTUM_COEFFICIENT]
    v = state[0]
    for t in range(theta.shape[0]):
        v[t] = mu * v[t] - alpha * grad[t]
        theta[t] += mu * v[t] - alpha * grad[t]


@jit(inline=True)
def adam_update(theta, grad, state, settings):
    """s ← s + 1;  m_t ← β1 m_t + (1 − β1) g_t;  v_t ← β2 v_t + (1 − β2) g_t²;
    θ_t ← θ_t − α_s m_t / (√v_t + ε)  with  α_s = α √(1 − β2^s) / (1 − β1^s).
    """
    settings[STEPS] += 1
    beta_1, beta_2, eps = settings[BETA_1], settings[BETA_2], settings[EPSILON]
    s = settings[STEPS]
    alpha = settings[LEARNING_RATE] * math.sqrt(1 - beta_2 ** s) / (1 - beta_1 ** s)
    m, v = state[0], state[1]
    for t in prange(theta.shape[0]):   # threads only in adam_update_threaded
        m[t] = beta_1 * m[t] + (1 - beta_1) * grad[t]
        v[t] = beta_2 * v[t] + (1 - beta_2) * grad[t] * grad[t]
        theta[t] -= alpha * m[t] / (math.sqrt(v[t]) + eps)


def _renamed(kernel, name):
    """``kernel``'s Python function under another name: a second dispatcher of its own (and
    entry in the cache), compiled with other options."""
    f = getattr(kernel, "py_func", kernel)   # a plain function with NUMBA_DISABLE_JIT
    twin = types.FunctionType(f.__code__, f.__globals__, name, f.__defaults__, f.__closure__)
    twin.__qualname__, twin.__doc__ = name, f.__doc__
    return twin


# Adam's square root and division per entry of θ took 205 µs of a 780 µs medium step
# (float64, 109,386 entries: 3.3 ms of a 20 ms epoch), SGD's update 21 µs. From
# ``THREADED_FROM`` entries the loops backend's table calls this twin, whose loop over t
# is shared among threads (each entry its own: the same numbers on any count); below, a
# parallel region would cost more than it saves (``calls.table``).
adam_update_threaded = jit(_renamed(adam_update, "adam_update_threaded"), parallel=True)
THREADED_FROM = 1 << 16


UPDATE_RULES = {"sgd": sgd_update, "momentum": momentum_update, "nesterov": nesterov_update,
              "adam": adam_update}


@jit(inline=True)
def parameter_update(theta, grad, state, settings, code):
    """The update of the optimizer ``code``."""
    if code == SGD:
        sgd_update(theta, grad, state, settings)
    elif code == MOMENTUM:
        momentum_update(theta, grad, state, settings)
    elif code == NESTEROV:
        nesterov_update(theta, grad, state, settings)
    elif code == ADAM:
        adam_update(theta, grad, state, settings)
