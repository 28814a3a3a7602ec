"""The three products of a layer alone (``ffnn-numba bench --products``): the loops backend's
kernels against NumPy's BLAS, side by side.

For a layer n_prev -> n on m examples, each equation as the engine computes it
(``kernels.step``'s ``layer_*``: the form it chooses for that size) against NumPy's
``matmul`` into a preallocated output:

    Z = W A_prev + b        (n, n_prev, m)        np.matmul(W, A_prev, out=Z); Z += b
    dW = dZ A_prev^T        (n, m, n_prev)        np.matmul(dZ, A_prev.T, out=dW)
    dA_prev = W^T dZ        (n_prev, n, m)        np.matmul(W.T, dZ, out=dA_prev)

on every thread of both (NumPy's BLAS on its own), timed by the benchmark's one timer
(``step.side_by_side``), with a rest before each turn so that BLAS threads still spinning
from the last call take no core from the next. Each timed call runs the product ``repeats``
times (about a million multiply-adds in all): the loops kernel in a compiled loop, as an
epoch calls it, NumPy's in a Python loop, as the numpy backend calls it; at the digits
sizes a call from Python would otherwise cost as much as the product.

Cases (``CASES``): a layer of the large step, and the first layers of the two digits
networks of the epoch benchmark.
"""
import numba
import numpy as np

from .step import DTYPES, side_by_side
from ..kernels import step as engine
from ..layout import scratch_size, make_layers

# name: (n, n_prev, m)
CASES = {"large 1024 -> 1024, m = 256": (1024, 1024, 256),
         "digits-32 64 -> 32, m = 32": (32, 64, 32),
         "digits-200 64 -> 64, m = 200": (64, 64, 200)}
EQUATIONS = ("Z = W A_prev + b", "dW = dZ A_prev^T", "dA_prev = W^T dZ")


@numba.njit
def _forward(repeats, Z, W, A_prev, b, scratch):
    for _ in range(repeats):
        engine.layer_linear_forward(Z, W, A_prev, b, scratch)


@numba.njit
def _weight_gradient(repeats, dW, dZ, A_prev, scratch):
    for _ in range(repeats):
        engine.layer_weight_gradient(dW, dZ, A_prev, scratch)


@numba.njit
def _prev_activation_gradient(repeats, dA_prev, W, dZ, scratch):
    for _ in range(repeats):
        engine.layer_prev_activation_gradient(dA_prev, W, dZ, scratch)


def repeats(n, n_prev, m):
    """Calls per timed call: about 2^20 multiply-adds in all, at least one."""
    return max(1, (1 << 20) // (n * n_prev * m))


def calls(n, n_prev, m, dtype, seed=0):
    """{equation: (loops call, numpy call)} on one layer's random operands, each running
    the product ``repeats(n, n_prev, m)`` times."""
    rng = np.random.default_rng(seed)
    W, A_prev, dZ = (rng.standard_normal(shape).astype(dtype)
                     for shape in [(n, n_prev), (n_prev, m), (n, m)])
    b = rng.standard_normal((n, 1)).astype(dtype)
    Z, dW, dA_prev = (np.empty(shape, dtype) for shape in [(n, m), (n, n_prev), (n_prev, m)])
    scratch = np.empty(max(1, scratch_size(make_layers([n_prev, n], [0]), m)), dtype)

    r = repeats(n, n_prev, m)

    def numpy_z():
        for _ in range(r):
            np.matmul(W, A_prev, out=Z)
            np.add(Z, b, out=Z)

    def numpy_dw():
        for _ in range(r):
            np.matmul(dZ, A_prev.T, out=dW)

    def numpy_da():
        for _ in range(r):
            np.matmul(W.T, dZ, out=dA_prev)
    return {EQUATIONS[0]: (lambda: _forward(r, Z, W, A_prev, b, scratch), numpy_z),
            EQUATIONS[1]: (lambda: _weight_gradient(r, dW, dZ, A_prev, scratch), numpy_dw),
            EQUATIONS[2]: (lambda: _prev_activation_gradient(r, dA_prev, W, dZ, scratch),
                           numpy_da)}


def run(dtypes, min_time, log=print):
    """One JSON-ready row per case, dtype and equation: seconds and GFLOP/s of the loops
    kernel and of NumPy's, and the loops' share of NumPy's throughput."""
    rows = []
    for name, (n, n_prev, m) in CASES.items():
        for dtype_name in dtypes:
            flops = 2.0 * n * n_prev * m
            for equation, (loops, numpy) in calls(n, n_prev, m, DTYPES[dtype_name]).items():
                seconds = side_by_side({"loops": loops, "numpy": numpy}, min_time)
                seconds = {k: v / repeats(n, n_prev, m) for k, v in seconds.items()}
                rows.append({"case": name, "shape": [n, n_prev, m], "dtype": dtype_name,
                             "equation": equation, "seconds": seconds,
                             "gflops": {k: flops / v / 1e9 for k, v in seconds.items()},
                             "share": seconds["numpy"] / seconds["loops"]})
                log(f"  products {name:<30} {dtype_name:<7} {equation:<18} loops "
                    f"{rows[-1]['gflops']['loops']:6.1f} GFLOP/s, numpy "
                    f"{rows[-1]['gflops']['numpy']:6.1f}")
    return rows


def table(rows):
    lines = ["| layer | dtype | equation | loops | NumPy | loops GFLOP/s | NumPy GFLOP/s | "
             "loops / NumPy |", "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['dtype']} | {r['equation']} | "
                     f"{r['seconds']['loops'] * 1e6:.1f} µs | {r['seconds']['numpy'] * 1e6:.1f} µs"
                     f" | {r['gflops']['loops']:.1f} | {r['gflops']['numpy']:.1f} | "
                     f"{r['share']:.2f}x |")
    return "\n".join(lines)


TEXT = ("Each product of one layer alone, as the loops engine computes it (the form "
        "`kernels/step.py` chooses for its size: at these sizes the register-tiled GEMM of "
        "`kernels/gemm.py`), against NumPy's BLAS into a preallocated output, both on every "
        "thread, timed side by side in alternating turns after a rest. Each timed call runs "
        "the product often enough for about a million multiply-adds: the loops kernel in a "
        "compiled loop, as an epoch calls it; NumPy's in a Python loop, as the numpy backend "
        "calls it. Times are per product.")
