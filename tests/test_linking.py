"""Kernels call the kernels below them by symbol (``kernels/_linking.py``), and a cached
caller always runs against the very callees it was compiled with.

Each case that involves the cache runs fresh processes on a real cache directory.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from ffnn_numba.kernels import _linking, blocked

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                                reason="nothing is compiled with NUMBA_DISABLE_JIT=1")

# A network above the blocked threshold (its products go through gemm's parallel loops),
# trained, then asked for gradients; --gradients-only skips the fit, so that forward and
# backward propagation are the first kernels the process loads. --new-ids makes every
# compilation of the process get other mangled names than the process that filled the cache.
SCRIPT = """
import json, sys
if "--new-ids" in sys.argv:
    import itertools
    from numba.core.bytecode import FunctionIdentity
    FunctionIdentity._unique_ids = itertools.count(10 ** 6)
import numpy as np
import ffnn_numba as ff
from ffnn_numba.kernels import step
rng = np.random.default_rng(0)
X, y = rng.standard_normal((64, 128)), rng.integers(0, 10, 128)
layers = ([64, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_cross_entropy")
net = ff.Network(*layers, seed=0)
if "--gradients-only" not in sys.argv:
    net.fit(X, y, epochs=1, batch_size=128, verbose=False)
    layers = ([64, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_cross_entropy")
net = ff.Network(*layers, seed=0)
g = net.gradients(X, y)
print(json.dumps({"dW1": float(np.abs(g["dW1"]).sum()), "dA0": float(np.abs(g["dA0"]).sum()),
                  "misses": sum(step.forward_propagation.stats.cache_misses.values())}))
"""


def run(cache_dir, *args):
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=str(cache_dir))
    env.pop("FFNN_NUMBA_CACHE", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_kernel_keeps_the_kernels_it_calls_as_symbols_not_copies():
    # Compiled here, not loaded: the module of a loaded kernel is not kept.
    script = (
        "import json, ffnn_numba as ff\n"
        "from ffnn_numba.kernels import step\n"
        "X, y = ff.datasets.make_spirals(n_per_class=10, seed=0)\n"
        "ff.Network([2, 8, 3], ['relu', 'softmax'], 'categorical_cross_entropy').forward(X)\n"
        "module = next(iter(step.forward_propagation.overloads.values())).library._final_module\n"
        "print(json.dumps([[f.name, f.is_declaration] for f in module.functions]))\n")
    env = dict(os.environ, FFNN_NUMBA_CACHE="0")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    functions = json.loads(done.stdout.splitlines()[-1])
    kernels = [(name, declared) for name, declared in functions
               if "ffnn_numba7kernels" in name and "forward_propagation" not in name]
    assert any("rows_times" in name for name, _ in kernels), kernels   # it is called ...
    assert all(declared for _, declared in kernels), kernels            # ... never copied in


def test_a_stale_dependency_is_refused_by_name():
    Z, W, A = np.zeros((3, 4)), np.ones((3, 5)), np.ones((5, 4))
    blocked.rows_times(Z, W, A)
    cres = next(iter(blocked.rows_times.overloads.values()))
    fresh = _linking.Dependency(cres.fndesc.modname, cres.fndesc.qualname,
                                tuple(cres.fndesc.argtypes), cres.fndesc.mangled_name)
    fresh()   # the one it was compiled as: fine
    with pytest.raises(_linking.StaleDependency, match="rows_times is compiled as"):
        _linking.Dependency(fresh.module, fresh.qualname, fresh.argtypes, "another")()


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    root = tmp_path_factory.mktemp("linked")
    return root, run(root)


def test_a_cached_caller_loads_the_kernels_it_calls_before_itself(filled):
    root, first = filled
    again = run(root, "--gradients-only")   # forward and backward propagation load first
    assert again == dict(first, misses=0)


def test_a_caller_built_against_another_compilation_of_a_callee_compiles_again(filled, tmp_path):
    root, first = filled
    cache = tmp_path / "cache"
    shutil.copytree(root, cache)
    index = [p for p in cache.rglob("*.nbi") if "pack_panels" in p.name]
    assert len(index) == 1, index
    index[0].unlink()   # pack_panels compiles again, under another name (--new-ids)
    healed = run(cache, "--gradients-only", "--new-ids")
    assert healed["misses"] == 1 and healed == dict(first, misses=1)
    assert run(cache, "--gradients-only") == dict(first, misses=0)   # and the cache is whole


def test_a_users_cached_function_may_call_a_kernel_that_calls_others(tmp_path):
    user = tmp_path / "user_module.py"
    user.write_text(
        "import numba\n"
        "from ffnn_numba.kernels import blocked\n"
        "@numba.njit(cache=True)\n"
        "def products(C, L, R):\n"
        "    blocked.dot_products(C, L, R)\n")
    script = ("import sys, numpy as np; sys.path.insert(0, sys.argv[1]); import user_module\n"
              "rng = np.random.default_rng(0)\n"
              "L, R = rng.standard_normal((9, 7)), rng.standard_normal((5, 7))\n"
              "C = np.zeros((9, 5)); user_module.products(C, L, R)\n"
              "assert np.allclose(C, L @ R.T, rtol=1e-12, atol=1e-12)\n"
              "print(sum(user_module.products.stats.cache_hits.values()))\n")
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=str(tmp_path / "kernels"),
               NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    hits = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        hits.append(int(done.stdout.split()[-1]))
    assert hits == [0, 1]


def test_a_function_compiled_against_loaded_kernels_is_saved_with_their_dependencies(tmp_path):
    """The threaded loop of the products, compiled in a process that loaded the kernels it
    calls from the cache (its parallel body links row_group, which calls pack_panels by
    symbol), is saved with their Dependency entries: a third process that loads it first
    thing loads pack_panels before it (Numba keeps a loaded entry's reload_init off its
    library, so without ``_jit`` putting it back the third process died on a missing
    symbol)."""
    script = ("import sys, numpy as np\n"
              "from ffnn_numba.kernels import gemm\n"
              "if sys.argv[1] == 'threads': gemm.use_threads(np.float64)\n"
              "rng = np.random.default_rng(0)\n"
              "L, R = rng.standard_normal((256, 64)), rng.standard_normal((200, 64)).T\n"
              "C = np.zeros((256, 200))\n"
              "gemm.gemm(C, L, R, np.empty(gemm.scratch_length(256, 64, 200)), False)\n"
              "assert np.allclose(C, L @ R, rtol=1e-12, atol=1e-12)\n"
              "print('ok')\n")
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=str(tmp_path))
    env.pop("FFNN_NUMBA_CACHE", None)
    for mode in ("serial", "threads", "threads"):   # fill, compile against loaded, load
        done = subprocess.run([sys.executable, "-c", script, mode], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
