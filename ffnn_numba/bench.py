"""Side-by-side timing of one training step: Numba loops, vectorized NumPy and PyTorch (CPU).

A training step is what ``Network.fit`` runs for every mini-batch once the batch is in its
buffer: forward propagation, cost, backward propagation and the gradient-descent update.
For loops and numpy it is ``train_step`` of the backend's engine, on the network's own
buffers; for torch, the same network as ``torch.nn.Sequential`` with the same cost and a
plain SGD update. Before any timing, one step from identical parameters is run on every
backend and the results compared. Compilation is never timed: each case is warmed up first.
The backends of one case are timed in alternating rounds, and each reports its median.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numba
import numpy as np

from . import registry
from .checks import agreement_tolerance
from .layout import make_layers, multiply_adds, nodes
from .network import Network
from .training import SGD

SIZES = {
    "tiny": ([2, 16, 16, 1], 32),
    "small": ([64, 32, 10], 64),
    "medium": ([784, 128, 64, 10], 128),
    "large": ([1024, 1024, 1024, 10], 256),
}
DTYPES = {"float64": np.float64, "float32": np.float32}
LEARNING_RATE = 1e-3


def has_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def step_flops(sizes, m):
    """Floating-point operations (2 per multiply-add) of the matrix equations in one step
    (``layout.multiply_adds``)."""
    return 2 * multiply_adds(make_layers(sizes, [0] * (len(sizes) - 1)), m)


def _network(size, dtype, backend, seed=0):
    sizes, m = SIZES[size]
    cost = "binary_cross_entropy" if sizes[-1] == 1 else "categorical_cross_entropy"
    net = Network(sizes, cost=cost, backend=backend, dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((sizes[0], m))
    y = rng.integers(0, max(2, sizes[-1]), m)
    return net, X, y


class Step:
    """One backend's training step on one case, ready to call: ``step()`` returns J."""

    def __init__(self, size, dtype, backend, seed=0, threads=None):
        self.size, self.dtype, self.backend, self.threads = size, dtype, backend, threads
        net, X, y = _network(size, dtype, "numpy" if backend == "torch" else backend, seed)
        self.net = net
        X, Y = net.validate(X, y)
        if backend == "torch":
            self._torch_setup(net, X, Y)
            return
        m = X.shape[1]
        self._b, self._p = net.engine_arguments(m, SGD(LEARNING_RATE))
        nodes(self._b.A, self._p.layers, 0, m)[...] = X
        self._Y, self._train_step = Y, net.engine.train_step

    def __call__(self):
        if self.backend == "torch":
            return self._torch_step()
        return self._train_step(self._b, self._p, self._Y)

    def parameters(self):
        """{"W1": ..., "b1": ..., ...} as float64 arrays."""
        if self.backend == "torch":
            linears = [m for m in self._model if hasattr(m, "weight")]
            out = {}
            for l, linear in enumerate(linears, start=1):
                out[f"W{l}"] = linear.weight.detach().numpy().astype(np.float64)
                out[f"b{l}"] = linear.bias.detach().numpy().astype(np.float64)[:, None]
            return out
        return {k: v.astype(np.float64) for k, v in self.net.params.items()}

    def _torch_setup(self, net, X, Y):
        import torch
        # The output activation is fused into the loss, as the fused pairs here do.
        self._model = net.to_torch()[:-1]
        self._x = torch.from_numpy(np.ascontiguousarray(X.T))   # rows are examples in torch
        if net.cost_name == "binary_cross_entropy":
            self._loss = torch.nn.BCEWithLogitsLoss()
            self._y = torch.from_numpy(np.ascontiguousarray(Y.T))
        else:
            self._loss = torch.nn.CrossEntropyLoss()
            self._y = torch.from_numpy(Y.argmax(axis=0))
        self._optimizer = torch.optim.SGD(self._model.parameters(), lr=LEARNING_RATE)

    def _torch_step(self):
        self._optimizer.zero_grad()
        loss = self._loss(self._model(self._x), self._y)
        loss.backward()
        self._optimizer.step()
        return loss.item()


def agreement(size, dtype, backends):
    """How far each backend's first step lands from numpy's, from the same parameters and data.

    Returns, per backend, the largest difference of the updates Δθ relative to numpy's largest
    |Δθ| (so the gradients themselves are compared), the relative difference of J, and the
    rounding bound ``checks.agreement_tolerance`` they are held to.
    """
    steps = {b: Step(size, dtype, b) for b in backends}
    start = steps["numpy"].parameters()
    costs = {b: float(step()) for b, step in steps.items()}
    updates = {b: {k: v - start[k] for k, v in step.parameters().items()}
               for b, step in steps.items()}
    scale = max(np.max(np.abs(v)) for v in updates["numpy"].values())
    tolerance = agreement_tolerance(*SIZES[size], dtype)
    return {b: {"updates": max(np.max(np.abs(u[k] - updates["numpy"][k])) for k in u) / scale,
                "cost": abs(costs[b] - costs["numpy"]) / abs(costs["numpy"]),
                "tolerance": tolerance}
            for b, u in updates.items()}


BLOCK_SECONDS = 0.01


def block_mean(step, threads=None):
    """Mean seconds per call of ``step()`` over a block of consecutive calls lasting at least
    ``BLOCK_SECONDS`` (and 3 calls), with Numba's thread count set to ``threads`` (None:
    every thread) around the block. A stall inside the block counts in full, as it does in a
    user's ``fit``."""
    saved = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        n, start = 0, time.perf_counter()
        while n < 3 or time.perf_counter() - start < BLOCK_SECONDS:
            step()
            n += 1
        return (time.perf_counter() - start) / n
    finally:
        numba.set_num_threads(saved)


def side_by_side(steps, min_time, rounds=5):
    """The one timer of the benchmark: {name: seconds per call} for ``steps`` = {name: step},
    each the median of block means (``block_mean``) taken in ``rounds`` rounds that alternate
    between the steps, forwards and backwards, so that a passing disturbance of the machine falls
    on all of them alike. A step's ``threads`` attribute, where it has one, limits Numba's threads for it."""
    samples = {name: [] for name in steps}
    for step in steps.values():
        block_mean(step, getattr(step, "threads", None))   # warm up every one first
    per_round = min_time / rounds / len(steps)
    names = list(steps)
    for r in range(rounds):
        # Every other round runs backwards, so that no step always follows the same one: BLAS
        # and OpenMP threads keep spinning for a while after their work, and would otherwise
        # always take their cores from the same neighbour.
        for name in (names if r % 2 == 0 else names[::-1]):
            step = steps[name]
            end = time.perf_counter() + per_round
            while True:
                samples[name].append(block_mean(step, getattr(step, "threads", None)))
                if time.perf_counter() >= end:
                    break
    return {name: statistics.median(times) for name, times in samples.items()}


def allocated_bytes(step, repeats=20):
    """Peak bytes the Python allocator hands out during one step, in steady state (tracemalloc)."""
    step()
    tracemalloc.start()
    try:
        step()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(repeats):
            step()
        return max(0, tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()


def machine_gflops(dtype, n=2048, repeats=5):
    """NumPy's BLAS on an n x n product: the matrix-multiply ceiling of this machine."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    b = a.copy()
    a @ b
    return 2 * n ** 3 / side_by_side({"matmul": lambda: a @ b}, 0.3 * repeats / 5)["matmul"] / 1e9


_STARTUP = """
import time
start = time.perf_counter()
import numpy as np
import ffnn_numba as ff
imported = time.perf_counter()
net = ff.Network([2, 16, 16, 1], cost="binary_cross_entropy", dtype=np.{dtype}, seed=0)
X = np.ones((2, 32))
net.step(X, np.ones(32))
net.fit(X, np.ones(32), epochs=1, batch_size=8)
net.gradients(X, np.ones(32))
done = time.perf_counter()
print(imported - start, done - imported)
"""


def startup_times(dtype_name, cache_dir):
    """(import seconds, seconds to first step, fit and gradients) of a fresh process whose
    kernel cache is ``cache_dir``."""
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", _STARTUP.format(dtype=dtype_name)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return tuple(float(x) for x in out.split())


def environment():
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "machine": platform.machine(),
            "processor": _cpu_name(), "cores": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "numba_threading_layer": _threading_layer()}
    try:
        import threadpoolctl
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                               "num_threads")}
                        for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]
    except ImportError:
        pass
    if has_torch():
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    return info


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _threading_layer():
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return None


def run(sizes=tuple(SIZES), dtypes=tuple(DTYPES), backends=None, min_time=0.5, busy=None,
        startup=False, log=print):
    """Measure every case; with ``busy`` (levels of load, e.g. (0, 1, 2)) also on a busy
    machine (``busy.run``), and with ``startup`` the start-up of fresh processes. Returns the
    raw figures as a JSON-ready dict."""
    backends = backends or ([*registry.BACKENDS] + (["torch"] if has_torch() else []))
    results = {"cases": []}
    for dtype_name in dtypes:
        results.setdefault("machine_gflops", {})[dtype_name] = machine_gflops(DTYPES[dtype_name])
    for size in sizes:
        sizes_, m = SIZES[size]
        flops = step_flops(sizes_, m)
        for dtype_name in dtypes:
            dtype = DTYPES[dtype_name]
            agree = agreement(size, dtype, backends)
            steps = {backend: Step(size, dtype, backend) for backend in backends}
            medians = side_by_side(steps, min_time)
            for backend, step in steps.items():
                seconds = medians[backend]
                results["cases"].append({
                    "size": size, "layers": sizes_, "m": m, "dtype": dtype_name,
                    "backend": backend, "seconds": seconds, "gflops": flops / seconds / 1e9,
                    "agreement": agree[backend], "allocated_bytes": allocated_bytes(step)})
                log(f"  {size:<6} {dtype_name:<7} {backend:<5} {seconds * 1e6:12.1f} us")
    if busy:
        from . import busy as busy_machine
        log("the same steps with other processes spinning on the cores:")
        results["busy"] = busy_machine.run(sizes, dtypes, busy, min_time=1.5 * min_time, log=log)
    if startup:
        with tempfile.TemporaryDirectory() as cache:
            results["startup"] = {"cold": startup_times("float64", cache),
                                  "warm": startup_times("float64", cache)}
    results["environment"] = environment()
    return results


def save_json(results, path):
    with open(path, "w") as f:
        json.dump(results, f, indent=2, default=str)
