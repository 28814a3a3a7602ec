"""The machine a benchmark ran on: CPU, cores, library versions, and its matrix-multiply
ceiling (NumPy's BLAS on a large product, timed with the benchmark's timer in the same run)."""
import importlib.metadata
import os
import platform

import numba
import numpy as np

from .step import side_by_side

LIBRARIES = ("numpy", "numba", "torch", "jax", "jaxlib", "scikit-learn", "tbb")


CEILING_N = 1024   # large enough for BLAS to reach its peak, small enough to time quickly


def machine_gflops(dtype, n=CEILING_N, min_time=0.3):
    """GFLOP/s of NumPy's BLAS on an n x n product: the matrix-multiply ceiling."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    b = a.copy()
    a @ b
    return 2 * n ** 3 / side_by_side({"matmul": lambda: a @ b}, min_time)["matmul"] / 1e9


def ceilings():
    """{"float64": GFLOP/s, "float32": GFLOP/s} of ``machine_gflops``."""
    return {name: machine_gflops(dtype) for name, dtype in (("float64", np.float64),
                                                            ("float32", np.float32))}


def environment():
    info = {"python": platform.python_version(), "machine": platform.machine(),
            "processor": cpu_name(), "cpu_flags": vector_flags(), "cores": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "numba_threading_layer": _threading_layer()}
    for library in LIBRARIES:
        try:
            info[library] = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            pass
    try:
        import threadpoolctl
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                               "num_threads")}
                        for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]
    except ImportError:
        pass
    if "torch" in info:
        import torch
        info["torch_threads"] = torch.get_num_threads()
    return info


def _cpuinfo_field(name):
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(name):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_name():
    """The CPU's model name (/proc/cpuinfo), or what ``platform`` knows."""
    return _cpuinfo_field("model name") or platform.processor()


def vector_flags():
    """The widest vector instruction sets the CPU offers, from /proc/cpuinfo's flags."""
    flags = set((_cpuinfo_field("flags") or "").split())
    return " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")
                    if f in flags) or None


def _threading_layer():
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return None
