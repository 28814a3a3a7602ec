"""Every Python code block of the README runs as written."""
import re
from pathlib import Path

import pytest

DOCS = [Path(__file__).resolve().parents[1] / "README.md"]
BLOCKS = [(doc.name, n, code) for doc in DOCS
          for n, code in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(), re.S))]


@pytest.mark.parametrize("name, n, code", BLOCKS, ids=[f"{d}-{n}" for d, n, _ in BLOCKS])
def test_code_block_runs(name, n, code):
    exec(compile(code, f"{name}[block {n}]", "exec"), {})
