"""The rooms keep their shape: import-linter's contracts (pyproject.toml), no reads of another
object's private names, engine functions of at most 8 parameters.

import-linter reads the package from its directory, where kernels/ is not (it ships as
ffnn_numba.kernels): the contracts are checked on a copy of the tree laid out as installed.
"""
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ffnn_numba import kernels
from ffnn_numba.vectorized import step as vectorized_step

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("ffnn_numba/**/*.py"), *ROOT.glob("kernels/*.py")])
# Numba's own hooks: a dispatcher's cache (kernels/_jit.py) and a struct proxy's value
# (numba.core.cgutils, kernels/_views.py); namedtuple's public _replace.
# Numba's hooks that kernels/_jit.py and kernels/_linking.py use on purpose (numba is pinned to
# 0.68.x), and namedtuple's own _replace.
ALLOWED_PRIVATE = {"dispatcher._cache", "library._linking_libraries", "library._reload_init",
                   "out._getvalue", "outcome._replace"}


def test_the_import_contracts_hold(tmp_path):
    pytest.importorskip("importlinter", reason="the contracts need import-linter "
                        "(pip install import-linter; .ci/run installs it)")
    shutil.copytree(ROOT / "ffnn_numba", tmp_path / "ffnn_numba",
                    ignore=shutil.ignore_patterns("__pycache__", "kernels"))
    shutil.copytree(ROOT / "kernels", tmp_path / "ffnn_numba" / "kernels",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    done = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command;"
                           " lint_imports_command()", "--no-cache"], cwd=tmp_path,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_module_reads_another_objects_private_names():
    reads = []
    for path in SOURCES:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#")[0]
            code = re.sub(r"``[^`]*``|\"[^\"]*\"|'[^']*'", "", code)   # docs and strings
            for found in re.findall(r"\b([a-z_]+)\.(_[a-z]\w*)", code):
                name = ".".join(found)
                if found[0] not in ("self", "cls") and name not in ALLOWED_PRIVATE:
                    reads.append(f"{path.relative_to(ROOT)}:{number}: {name}")
    assert not reads, "\n".join(reads)


@pytest.mark.parametrize("engine", [kernels, vectorized_step.ENGINE], ids=["loops", "numpy"])
def test_engine_functions_take_at_most_8_parameters(engine):
    for name in ("forward_propagation", "output_cost", "backward_propagation", "train_step",
                 "train_epoch"):
        function = getattr(engine, name)
        function = getattr(function, "py_func", function)
        assert len(inspect.signature(function).parameters) <= 8, name
