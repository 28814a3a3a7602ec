"""The loops engine calls a network's activation, cost and update kernels through a table
of their addresses (``kernels/calls.py``): only those a network uses are compiled."""
import json
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from ffnn_numba.kernels import calls

pytestmark = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no addresses without the JIT")

SCRIPT = """
import json, numpy as np, ffnn_numba as ff
from ffnn_numba.kernels import activations, costs, optimizers
X, y = ff.datasets.make_spirals(n_per_class=20, seed=0)
net = ff.Network([2, 16, 3], ["relu", "softmax"], "categorical_cross_entropy", seed=0)
net.fit(X, y, epochs=1, batch_size=16, verbose=False)
net.gradients(X, y)
compiled = [f.py_func.__name__ for module in (activations, costs, optimizers)
            for f in vars(module).values() if getattr(f, "overloads", None)]
print(json.dumps(sorted(compiled)))
"""


def test_only_the_kernels_a_network_uses_are_compiled():
    env = dict(os.environ, FFNN_NUMBA_CACHE="0")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    compiled = set(json.loads(done.stdout.splitlines()[-1]))
    assert {"relu_forward", "relu_backward", "softmax_forward", "output_delta",
            "softmax_cross_entropy_from_logits", "sgd_update"} <= compiled, compiled
    assert not compiled & {"tanh_forward", "elu_backward", "mean_squared_error_cost",
                           "softmax_backward",   # the fused pair starts from output_delta
                           "categorical_cross_entropy_seed", "adam_update"}, compiled


def test_a_call_through_the_table_takes_c_ordered_arrays_only():
    @numba.njit
    def through(address, A, Z):
        calls.call(address, (A, Z))

    with pytest.raises(numba.core.errors.TypingError, match="C-ordered, aligned, writeable"):
        through(0, np.zeros((3, 4)), np.zeros((4, 3)).T)


def test_the_problem_of_another_backend_is_refused_by_the_loops_engine():
    import ffnn_numba as ff
    from ffnn_numba import kernels
    net = ff.Network([2, 4, 1], seed=0, backend="numpy")
    b, p = net.engine_arguments(3)
    with pytest.raises(ValueError, match="no kernel table"):
        kernels.forward_propagation(b, p, 3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_of_a_large_theta_runs_its_threaded_twin_with_the_same_numbers(dtype):
    """From THREADED_FROM entries of θ the table holds adam_update_threaded, whose loop over
    t is shared among threads: every entry is computed alone, so the numbers are the same."""
    from ffnn_numba import layout, registry
    from ffnn_numba.kernels import optimizers
    n = optimizers.THREADED_FROM + 5
    rng = np.random.default_rng(0)
    theta, grad = rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)
    state = rng.random((2, n)).astype(dtype)
    settings = np.zeros(registry.N_SETTINGS)
    settings[[registry.LEARNING_RATE, registry.BETA_1, registry.BETA_2, registry.EPSILON]] = (
        1e-3, 0.9, 0.999, 1e-8)
    runs = []
    for update in (optimizers.adam_update, optimizers.adam_update_threaded):
        args = [theta.copy(), grad, state.copy(), settings.copy()]
        for _ in range(3):
            update(*args)
        runs.append(args)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    if not numba.config.DISABLE_JIT:
        small, large = (layout.make_layers(sizes, [0, 0]) for sizes in ([2, 8, 3], [784, 128, 10]))
        assert layout.n_params(large) >= optimizers.THREADED_FROM > layout.n_params(small)
        threaded = calls.table(large, registry.MEAN_SQUARED_ERROR, False, registry.ADAM,
                               dtype)[0, layout.UPDATE]
        serial = calls.table(small, registry.MEAN_SQUARED_ERROR, False, registry.ADAM,
                             dtype)[0, layout.UPDATE]
        number = numba.np.numpy_support.from_dtype(np.dtype(dtype))
        vector, matrix = numba.types.Array(number, 1, "C"), numba.types.Array(number, 2, "C")
        assert threaded == calls.address_of(optimizers.adam_update_threaded, vector, vector,
                                            matrix, numba.types.Array(numba.types.float64, 1, "C"))
        assert serial != threaded
