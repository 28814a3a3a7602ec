"""kernels/ ships as ffnn_numba.kernels, from a wheel as from an editable install; JIT options."""
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

import ffnn_numba
from ffnn_numba.kernels import _jit

ROOT = Path(__file__).resolve().parents[1]


def test_kernels_is_a_subpackage():
    assert ffnn_numba.kernels.__name__ == "ffnn_numba.kernels"
    assert callable(ffnn_numba.kernels.linear_forward)


def test_wheel_ships_and_imports_the_kernels(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, cwd=tmp_path)
    wheel, = tmp_path.glob("ffnn_numba-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ffnn_numba/kernels/linear.py" in names and "ffnn_numba/network.py" in names
    assert not any(name.startswith("kernels/") for name in names)
    assert {f"ffnn_numba/teach/static/{name}" for name in ("explore.js", "explore.css", "mathml.js",
                                                     "equations.js")} <= set(names)
    assert "ffnn_numba/teach/exercises/catalog.py" in names
    assert {f"ffnn_numba/{room}/__init__.py" for room in
            ("teach", "teach/exercises", "vectorized", "bench", "cli")} <= set(names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import numpy as np, ffnn_numba as ff, ffnn_numba.kernels as k; print(k.__file__); "
            "print(ff.Network([2, 1], 'sigmoid', 'binary_cross_entropy', seed=0)"
            ".cost(np.ones((2, 3)), [0, 1, 1]))")
    env = dict(os.environ, PYTHONPATH=str(site), FFNN_NUMBA_CACHE="0")
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env,
                         capture_output=True, text=True).stdout.split()
    assert out[0].startswith(str(site))
    assert float(out[1]) > 0


def test_cache_falls_back_when_the_directory_cannot_be_created(monkeypatch, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")
    monkeypatch.setattr(_jit, "CACHE", True)
    monkeypatch.setattr(_jit, "CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(_jit, "_warned", set())
    with pytest.warns(RuntimeWarning, match="without an on-disk cache"):
        twice = _jit.jit(lambda x: 2 * x)
    assert twice(3) == 6
    assert type(twice._cache).__name__ == "NullCache"


def test_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setattr(_jit, "CACHE", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        twice = _jit.jit(lambda x: 2 * x)
    assert twice(4) == 8
    assert type(twice._cache).__name__ == "NullCache"


def test_cache_directory_follows_every_kernel_source(tmp_path):
    """A change in any file compiled code reads must change the cache directory."""
    kernels = Path(ffnn_numba.kernels.__file__).parent
    names = {p.name for p in _jit.sources()}
    assert {p.name for p in kernels.glob("*.py")} | {"layout.py", "registry.py"} == names
    copies = []
    for source in _jit.sources():
        copy = tmp_path / f"{len(copies)}-{source.name}"
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    original = _jit.digest(copies)
    assert original == _jit.digest(_jit.sources()) and len(original) == 16
    for copy in copies:
        saved = copy.read_bytes()
        copy.write_bytes(saved + b"\n# changed\n")
        assert _jit.digest(copies) != original, copy.name
        copy.write_bytes(saved)
    if _jit.CACHE_DIR is not None:
        assert Path(_jit.CACHE_DIR).name == original


def test_no_kernel_module_sets_its_own_jit_flags():
    """Every JIT option lives in kernels/_jit.py: no other kernel module calls numba's
    decorators (or spells a flag) itself."""
    import re
    for source in Path(ffnn_numba.kernels.__file__).parent.glob("*.py"):
        if source.name == "_jit.py":
            continue
        text = source.read_text()
        assert not re.search(r"\b(njit|numba\.jit|fastmath|boundscheck|error_model|nogil)\b",
                             text), source.name
        for line in re.findall(r"^from numba import (.*)$", text, re.M):
            # prange and the chunk size of its tasks are loop constructs, not compile flags
            assert set(line.replace(" ", "").split(",")) <= {"prange", "parallel_chunksize"}, line