"""The on-disk kernel cache heals itself and never stops a kernel from running.

Each case runs fresh processes on a real cache directory: one fills it, the test damages or
locks what it wrote, and the next process must still compute the right result, warn exactly
once, and (where it can write) leave a cache that the process after it loads without a word.
"""
import json
import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

WARNING = "RuntimeWarning: ffnn_numba:"

# Two small kernels of one source file (kernels/linear.py), so that one's files can stand in
# as foreign files for the other; --extra compiles two entries the filled cache lacks.
SCRIPT = """
import json, os, sys
if "--read-only" in sys.argv:
    # Tests run as root, whom chmod does not stop; refuse every write the cache makes instead.
    import numba.core.caching

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied (simulated)")

    numba.core.caching.IndexDataCacheFile._open_for_write = refuse
    os.remove = refuse
import numpy as np
from ffnn_numba import kernels

rng = np.random.default_rng(0)
W, A, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((3, 1))
Z, db = np.empty((3, 5)), np.empty((3, 1))
kernels.linear_forward(Z, W, A, b)
kernels.bias_gradient(db, Z)
assert np.allclose(Z, W @ A + b, rtol=1e-12, atol=0), Z
assert np.allclose(db, Z.sum(axis=1, keepdims=True), rtol=1e-12, atol=0), db
if "--extra" in sys.argv:
    Z32 = np.empty((3, 5), np.float32)
    kernels.linear_forward(Z32, W.astype(np.float32), A.astype(np.float32), b.astype(np.float32))
    assert np.allclose(Z32, W @ A + b, rtol=1e-4, atol=1e-5), Z32
    dW = np.empty((3, 4))
    kernels.weight_gradient(dW, Z, A)
    assert np.allclose(dW, Z @ A.T, rtol=1e-12, atol=0), dW
cached = (kernels.linear_forward, kernels.bias_gradient)
print(json.dumps({"hits": sum(sum(k.stats.cache_hits.values()) for k in cached),
                  "cache": type(kernels.linear_forward._cache).__name__}))
"""


def run(cache_dir, *args, **env):
    """Run SCRIPT in a fresh process; return its report and how many cache warnings it gave."""
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=str(cache_dir), **env)
    env.pop("NUMBA_DISABLE_JIT", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr.count(WARNING), done.stderr


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A cache holding linear_forward and bias_gradient for float64."""
    root = tmp_path_factory.mktemp("filled")
    report, warnings, stderr = run(root)
    assert (report["hits"], warnings) == (0, 0), stderr
    return root


@pytest.fixture
def cache(filled, tmp_path):
    """A copy of the filled cache, and a function giving the path of one of its files."""
    root = tmp_path / "cache"
    shutil.copytree(filled, root)

    def file(kernel, suffix):
        path, = root.glob(f"*/kernels_*/linear.{kernel}-*.py*{suffix}")
        return path

    return root, file


def garbage(n):
    return np.random.default_rng(1).bytes(n)


def flip_middle_byte(data):
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


DAMAGE = {  # file of linear_forward to damage, new content given the old one and bias_gradient's
    "truncated index": (".nbi", lambda old, other: old[:len(old) // 2]),
    "garbage index": (".nbi", lambda old, other: garbage(len(old))),
    "empty index": (".nbi", lambda old, other: b""),
    "foreign pickle as index": (".nbi", lambda old, other: pickle.dumps({"not": "an index"})),
    "index of another function": (".nbi", lambda old, other: other),
    "truncated data": (".1.nbc", lambda old, other: old[:len(old) // 2]),
    "garbage data": (".1.nbc", lambda old, other: garbage(len(old))),
    "empty data": (".1.nbc", lambda old, other: b""),
    "flipped byte in data": (".1.nbc", lambda old, other: flip_middle_byte(old)),
    "data of another function": (".1.nbc", lambda old, other: other),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_file_is_discarded_and_the_cache_heals(cache, case):
    root, file = cache
    suffix, damage = DAMAGE[case]
    path = file("linear_forward", suffix)
    path.write_bytes(damage(path.read_bytes(), file("bias_gradient", suffix).read_bytes()))

    report, warnings, stderr = run(root)
    assert warnings == 1, stderr
    assert "damaged" in stderr and str(root) in stderr, stderr
    assert report["hits"] == 1, report  # bias_gradient's entry was left alone

    report, warnings, stderr = run(root)
    assert (report["hits"], warnings) == (2, 0), stderr


def test_a_read_only_cache_is_read_and_warns_once_when_it_cannot_save(cache):
    root, _ = cache
    before = sorted((p, p.stat().st_mtime_ns) for p in root.rglob("*"))

    report, warnings, stderr = run(root, "--read-only")
    assert (report["hits"], warnings) == (2, 0), stderr

    # Two new entries, linear_forward for float32 and weight_gradient: one warning for both.
    report, warnings, stderr = run(root, "--read-only", "--extra")
    assert (report["hits"], warnings) == (2, 1), stderr
    assert "cannot save" in stderr and str(root) in stderr, stderr
    assert sorted((p, p.stat().st_mtime_ns) for p in root.rglob("*")) == before


def test_a_damaged_file_in_a_read_only_cache_only_costs_a_recompilation(cache):
    root, file = cache
    path = file("linear_forward", ".1.nbc")
    path.write_bytes(garbage(path.stat().st_size))

    report, warnings, stderr = run(root, "--read-only")
    assert report["hits"] == 1, report
    assert warnings == 2 and "damaged" in stderr and "cannot save" in stderr, stderr
    assert path.exists()  # nothing could be deleted


def test_a_cache_directory_that_cannot_be_created_compiles_in_memory(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")
    report, warnings, stderr = run(blocker / "cache")
    assert report == {"hits": 0, "cache": "NullCache"}
    assert warnings == 1 and "without an on-disk cache" in stderr and str(blocker) in stderr, stderr


def test_the_cache_can_be_turned_off(tmp_path):
    report, warnings, stderr = run(tmp_path / "cache", FFNN_NUMBA_CACHE="0")
    assert report == {"hits": 0, "cache": "NullCache"}
    assert warnings == 0, stderr
    assert not (tmp_path / "cache").exists()
