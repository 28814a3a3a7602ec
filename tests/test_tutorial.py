"""docs/tutorial.ipynb runs top to bottom, and its saved outputs are the ones it produces now
(regenerate them with ``python docs/figures/regenerate.py``; never edit them by hand)."""
import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat",
                               reason="the tutorial test needs nbformat (the docs extra)")
pytest.importorskip("nbclient", reason="the tutorial test needs nbclient (the docs extra)")
pytest.importorskip("ipykernel", reason="the tutorial test needs ipykernel (the docs extra)")

DOCS = Path(__file__).resolve().parents[1] / "docs"
TUTORIAL = DOCS / "tutorial.ipynb"
# Outputs compared with the saved ones; cells tagged "varies" (rounding noise, such as the
# gradient check's relative errors) are run but not compared.
COMPARED = ("text/plain", "text/html", "text/latex", "image/svg+xml")


def regenerate():
    spec = importlib.util.spec_from_file_location("regenerate", DOCS / "figures" / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outputs(cell):
    """The outputs as a reader sees them: consecutive stream messages of one name are one text.

    How a kernel splits a ``print`` into messages depends on timing (under load one line came
    as its text and its newline), not on the notebook.
    """
    shown = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            if shown and shown[-1][0] == output["name"]:
                shown[-1] = (output["name"], shown[-1][1] + output["text"])
            else:
                shown.append((output["name"], output["text"]))
        elif output["output_type"] in ("execute_result", "display_data"):
            shown += [(kind, output["data"][kind]) for kind in COMPARED if kind in output["data"]]
        else:
            shown.append((output["output_type"], output.get("evalue")))
    return shown


def test_the_tutorial_runs_and_its_saved_outputs_are_current():
    saved = nbformat.read(TUTORIAL, as_version=4)
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), \
        "the saved outputs are not from one run top to bottom: python docs/figures/regenerate.py"
    executed = regenerate().execute(TUTORIAL)   # raises CellExecutionError on any failure
    fresh = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert len(fresh) == len(code)
    for number, (old, new) in enumerate(zip(code, fresh), start=1):
        assert outputs(new), f"cell {number} shows nothing"
        if "varies" not in old.metadata.get("tags", []):
            assert outputs(new) == outputs(old), (
                f"cell {number} of docs/tutorial.ipynb now shows other outputs than the saved "
                f"ones: run python docs/figures/regenerate.py")
