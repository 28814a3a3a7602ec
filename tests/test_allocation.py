"""The compiled training step and epoch allocate nothing inside: Numba's runtime counts every allocation."""
import subprocess
import sys

SCRIPT = """
import numpy as np
from numba.core.runtime import rtsys
import ffnn_numba as ff
from ffnn_numba import kernels
from ffnn_numba.layout import nodes

X, y = ff.datasets.make_spirals(n_per_class=50, seed=0)
net = ff.Network([2, 16, 16, 3], ["relu", "tanh", "softmax"], "categorical_cross_entropy", seed=0)
Y = np.ascontiguousarray(np.eye(3)[:, y])
ws = net._workspace(32)
nodes(ws.A, net._layers, 0, 32)[...] = X[:, :32]
state, settings = np.zeros((2, len(net._theta))), ff.training.Adam().settings()
args = (net._theta, net._grad, state, settings, ws.Z, ws.A, ws.dZ, ws.dA, ws.scratch, net._layers,
        Y[:, :32], net._cost_code, net._fused, 0.01, 3)
costs, order = np.zeros(5), np.arange(150)
epoch = (costs, np.zeros(5, np.int64), net._theta, net._grad, state, settings, ws.Z, ws.A, ws.dZ, ws.dA, ws.scratch, ws.Y,
         net._layers, X, Y, order, 32, net._cost_code, net._fused, 0.01, 3)

def allocations(kernel, *args):
    kernel(*args)
    before = rtsys.get_allocation_stats().alloc
    kernel(*args)
    return rtsys.get_allocation_stats().alloc - before

one_batch = (np.zeros(1), np.zeros(1, np.int64)) + epoch[2:15] + (order[:32],) + epoch[16:]
print(allocations(kernels.train_step, *args), allocations(kernels.train_epoch, *one_batch),
      allocations(kernels.train_epoch, *epoch))
"""


def test_training_allocates_nothing():
    """Each call allocates only the wrappers of its array arguments, however many steps it runs."""
    out = subprocess.run([sys.executable, "-c", SCRIPT], env={"NUMBA_NRT_STATS": "1", "PATH": ""},
                         capture_output=True, text=True, check=True).stdout
    # train_step takes 11 arrays; train_epoch 16, whether it runs 1 batch or 5.
    assert out.split() == ["11", "16", "16"]
