"""docs/tutorial.ipynb runs from top to bottom, and what it shows is what the code gives today.

The notebook is executed here with nbclient on a fresh kernel (from the checkout root, as a reader would run
it). Its stored outputs are what the reader sees before running anything, so they must not go stale: each
cell's text output must equal the fresh run's (the figure is drawn, not compared). After a change that moves
a number, rewrite them with ``python tests/test_tutorial.py``.
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
CELL_TIMEOUT_S = 300


def execute(nb):
    """The notebook, executed on a fresh python3 kernel in the checkout root."""
    from nbclient import NotebookClient
    run = copy.deepcopy(nb)
    NotebookClient(run, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return run


def texts(cell):
    """The text a code cell shows: stream output and text/plain results, errors as their name and value."""
    out = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            out.append(o["text"])
        elif o["output_type"] in ("execute_result", "display_data"):
            data = o.get("data", {})
            if "image/png" not in data:
                out.append(data.get("text/markdown") or data.get("text/plain", ""))
        elif o["output_type"] == "error":
            out.append(f"{o['ename']}: {o['evalue']}")
    return "".join(out)


@pytest.fixture(scope="module")
def runs():
    pytest.importorskip("nbclient", reason="the test extra installs nbclient and ipykernel")
    import nbformat
    stored = nbformat.read(NOTEBOOK, as_version=4)
    return stored, execute(stored)


def test_the_tutorial_runs_and_shows_each_step(runs):
    _, fresh = runs
    code = [c for c in fresh.cells if c.cell_type == "code"]
    assert not [c for c in code if any(o["output_type"] == "error" for o in c.get("outputs", []))]
    shown = "\n".join(texts(c) for c in code)
    for what in ("refused: inadmissible a_1", "steps, each verified", "exact one step: 1/8 7/8",
                 "a_1* = 0.396", "verdict: holds", "verdict: equivalent"):
        assert what in shown, what
    assert any("image/png" in o.get("data", {}) for o in code[-1].get("outputs", [])), "the figure is drawn"


def test_the_stored_outputs_are_todays(runs):
    stored, fresh = runs
    for i, (a, b) in enumerate(zip(stored.cells, fresh.cells)):
        if a.cell_type == "code":
            assert texts(a) == texts(b), (f"cell {i} of docs/tutorial.ipynb shows stale output; rewrite it with "
                                          "`python tests/test_tutorial.py`")


if __name__ == "__main__":          # rewrite the stored outputs from a fresh run
    import nbformat
    fresh = execute(nbformat.read(NOTEBOOK, as_version=4))
    for cell in fresh.cells:
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(fresh, NOTEBOOK)
    sys.exit(0)
