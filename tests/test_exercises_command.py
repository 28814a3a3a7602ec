"""ffnn_numba.teach.exercises from the command line (``exercises.command`` and ``ffnn-numba
exercise``), and docs/exercises.md, whose feedback is the code's (run this file to rewrite
it: python tests/test_exercises_command.py)."""
import contextlib
import io
import re
from pathlib import Path

import pytest

from ffnn_numba.teach import exercises

ROOT = Path(__file__).resolve().parents[1]


def student_file(tmp_path, source, name="mine.py"):
    path = tmp_path / name
    path.write_text(source)
    return path


def run_command(**arguments):
    out = io.StringIO()
    status = exercises.command(out=out, **arguments)
    return status, out.getvalue()


def test_command_lists_describes_and_prints_templates():
    status, text = run_command()
    assert status == 0 and "seed_categorical_cross_entropy" in text
    status, text = run_command(name="dW")
    assert status == 0 and "Exercise dW: write weight_gradient(dW, dZ, A_prev)" in text
    status, text = run_command(name="dW", template_only=True)
    compile(text, "template", "exec")


def test_command_checks_a_students_file(tmp_path):
    right = student_file(tmp_path, "import numpy as np\n\n\ndef bias_gradient(db, dZ):\n"
                                   "    db[:, 0] = dZ.sum(axis=1)\n\n\ndef helper():\n    pass\n")
    status, text = run_command(check_path=str(right))
    assert status == 0 and "db (bias_gradient): passed all" in text
    wrong = student_file(tmp_path, "def relu_backward(dZ, dA, Z, A):\n"
                                   "    dZ[...] = dA * (Z >= 0)\n", "wrong.py")
    status, text = run_command(name="dZ_relu", check_path=str(wrong))
    assert status == 1 and "relu'(0) was taken as 1" in " ".join(text.split())


def test_command_refuses_files_it_cannot_use(tmp_path):
    broken = student_file(tmp_path, "def bias_gradient(db, dZ)\n    pass\n")
    with pytest.raises(ValueError, match=r"could not be imported: SyntaxError at line 1"):
        exercises.check_file(broken)
    other = student_file(tmp_path, "def helper():\n    pass\n", "other.py")
    with pytest.raises(ValueError, match="defines none of the exercises' functions"):
        exercises.check_file(other)
    with pytest.raises(ValueError, match="defines no function linear_forward"):
        exercises.check_file(other, "z")
    with pytest.raises(FileNotFoundError):
        exercises.check_file(tmp_path / "missing.py")
    with pytest.raises(ValueError, match="--network needs --check"):
        exercises.command(name="z", in_network=True)


def test_command_tries_a_students_file_in_a_network(tmp_path):
    mine = student_file(tmp_path, "def relu_backward(dZ, dA, Z, A):\n"
                                  "    dZ[...] = dA * (Z > 0)\n")
    status, text = run_command(check_path=str(mine), in_network=True)
    assert status == 0, text
    assert "dZ_relu (relu_backward): passed all" in text
    assert "relu_backward  (dZ_relu): called" in text and text.rstrip().endswith("passed")


def doc_examples():
    """Each Python block of docs/exercises.md that starts "# output shown below", with the
    text block right after it."""
    doc = (ROOT / "docs" / "exercises.md").read_text()
    return re.findall(r"```python\n(# output shown below\n.*?)```\n+```text\n(.*?)```", doc,
                      re.DOTALL)


def test_the_docs_show_the_feedback_the_code_gives():
    examples = doc_examples()
    assert len(examples) >= 3, "docs/exercises.md lost its examples of output"
    namespace = {}
    for code, shown in examples:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "docs/exercises.md", "exec"), namespace)
        assert out.getvalue() == shown, (
            "docs/exercises.md shows stale feedback; regenerate it with "
            "python tests/test_exercises_command.py")


def test_the_command_line_lists_prints_and_checks(tmp_path, capsys):
    from ffnn_numba.cli import main
    assert main(["exercise"]) in (0, None)
    assert "dA_prev" in capsys.readouterr().out
    assert main(["exercise", "db", "--template"]) in (0, None)
    template = capsys.readouterr().out
    assert "def bias_gradient(db, dZ):" in template
    path = tmp_path / "mine.py"
    path.write_text(template.replace("raise NotImplementedError",
                                     "db[:, 0] = dZ.sum(axis=1)  #"))
    assert main(["exercise", "db", "--check", str(path)]) in (0, None)
    assert "passed" in capsys.readouterr().out.lower()


def regenerate_docs():
    """Rewrite the feedback shown in docs/exercises.md from the code (run this file)."""
    path = ROOT / "docs" / "exercises.md"
    doc, namespace = path.read_text(), {}
    for code, shown in doc_examples():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "docs/exercises.md", "exec"), namespace)
        doc = doc.replace(f"```text\n{shown}```", f"```text\n{out.getvalue()}```", 1)
    path.write_text(doc)


if __name__ == "__main__":
    regenerate_docs()
