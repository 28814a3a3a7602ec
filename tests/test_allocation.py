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
net = ff.Network([2, 16, 16, 3], ["relu", "tanh", "softmax"], "categorical_cross_entropy", seed=0,
                 l2=0.01)
Y = np.ascontiguousarray(np.eye(3)[:, y])
Y32 = np.ascontiguousarray(Y[:, :32])   # the engine takes C-ordered arrays, as Network passes them
b, p = net.engine_arguments(32, ff.training.Adam(), np.zeros((2, len(net.theta))))
nodes(b.A, p.layers, 0, 32)[...] = X[:, :32]
order = np.arange(150)

def allocations(kernel, *args):
    kernel(*args)
    before = rtsys.get_allocation_stats().alloc
    kernel(*args)
    return rtsys.get_allocation_stats().alloc - before

print(allocations(kernels.train_step, b, p, Y32),
      allocations(kernels.train_epoch, b, p, X, Y, order[:32], 32, np.zeros(1), np.zeros(1, np.int64)),
      allocations(kernels.train_epoch, b, p, X, Y, order, 32, np.zeros(5), np.zeros(5, np.int64)))
"""


def test_training_allocates_nothing():
    """Each call allocates only the wrappers of its array arguments, however many steps it runs."""
    out = subprocess.run([sys.executable, "-c", SCRIPT], env={"NUMBA_NRT_STATS": "1", "PATH": ""},
                         capture_output=True, text=True, check=True).stdout
    # train_step takes 13 arrays (9 buffers, the layer table, the settings, the kernel table, Y);
    # train_epoch 17 (X, Y, order, costs and hits instead of Y), whether it runs 1 batch or 5.
    assert out.split() == ["13", "17", "17"]
