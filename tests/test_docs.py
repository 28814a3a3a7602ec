"""Every code sample in the README and docs/ runs as written; every kernel excerpt is current."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXTRAS = ("sklearn", "torch", "matplotlib", "dask", "distributed")  # optional dependencies
SOURCES = "\n".join(p.read_text() for p in [*ROOT.glob("kernels/*.py"), *ROOT.glob("ffnn_numba/**/*.py")])


def blocks(doc, language):
    return re.findall(rf"```{language}\n(.*?)```", doc.read_text(), re.S)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_python_samples_run(doc, tmp_path, monkeypatch):
    """A document's Python blocks run in order, in one namespace, as a reader would run them
    (in a fresh directory, where they may write files)."""
    monkeypatch.chdir(tmp_path)
    namespace, missing = {}, []
    for n, code in enumerate(blocks(doc, "python")):
        extras = [name for name in EXTRAS if re.search(rf"^\s*(from|import) {name}\b", code, re.M)
                  and importlib.util.find_spec(name) is None]
        if extras:
            missing.append(f"block {n} needs {', '.join(extras)}")
            continue
        exec(compile(code, f"{doc.name}[python block {n}]", "exec"), namespace)
    if missing:
        pytest.skip(f"{doc.name}: an optional extra is not installed ({'; '.join(missing)}); "
                    f"every other block ran")


@pytest.mark.parametrize("doc", DOCS[1:], ids=lambda d: d.name)
def test_shell_samples_run(doc):
    # The running interpreter's directory first, so that `python` and `ffnn-numba` are the
    # ones of the environment under test.
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable),
                                                 os.environ.get("PATH", "")]))
    for code in blocks(doc, "bash"):
        subprocess.run(["bash", "-c", code], check=True, cwd=ROOT, capture_output=True, env=env)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_kernel_excerpts_are_current(doc):
    for code in blocks(doc, "python"):
        if code.startswith("def "):
            assert code.rstrip() in SOURCES, f"{doc.name} shows a stale copy of {code.split('(')[0]}"
