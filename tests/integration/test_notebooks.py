"""The example notebooks run headless, cell by cell, on small data.

Each notebook runs in its own Jupyter kernel (nbclient + ipykernel, the
``notebooks`` extra), joined to the session's Ray through ``RAY_ADDRESS`` so no
second Ray starts. The notebooks read their sizes from two environment variables
(``BESTFIT_EXAMPLE_ROWS``, ``BESTFIT_EXAMPLE_DISTRIBUTIONS``), set small here. A
cell that raises fails the test with the cell's source and traceback.

The notebooks are stored without outputs (images, timings and Ray node ids would
change on every run and bloat the history); this suite is what proves they run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra is not installed")
pytest.importorskip("ipykernel", reason="the notebooks extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(ROOT.glob("examples/**/*.ipynb"))
SMALL = {
    "BESTFIT_EXAMPLE_ROWS": "5000",
    "BESTFIT_EXAMPLE_DISTRIBUTIONS": "norm,lognorm,gamma,t,logistic,weibull_min",
}
#: Seconds one cell may run (kernel start and the first Ray call included).
CELL_TIMEOUT = 300


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_seed_documents_notebooks_exist():
    names = {p.relative_to(ROOT).as_posix() for p in NOTEBOOKS}
    assert {"examples/ray/ray_demo.ipynb", "examples/ray/usecase_synthetic_data.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in _code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def _has_image(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.outputs)


def _shows_progress(cell) -> bool:
    """tqdm's widget, or its text bar on the cell's stderr (without ipywidgets)."""
    for out in cell.outputs:
        if out.get("output_type") == "stream" and "fits:" in out.get("text", ""):
            return True
        data = out.get("data", {})
        if "application/vnd.jupyter.widget-view+json" in data:
            return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_runs(path, tmp_path, monkeypatch):
    import ray

    monkeypatch.setenv("RAY_ADDRESS", ray.get_runtime_context().gcs_address)
    for name, value in SMALL.items():
        monkeypatch.setenv(name, value)
    jobs_before = len(ray._private.state.jobs())
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()  # raises CellExecutionError naming the cell when one raises
    # The kernel joined the session's Ray as one more driver (no second Ray started).
    assert len(ray._private.state.jobs()) == jobs_before + 1
    cells = _code_cells(notebook)
    assert all(cell.execution_count is not None for cell in cells)
    errors = [out for cell in cells for out in cell.outputs if out.output_type == "error"]
    assert errors == []
    # Every cell that draws shows its figure; every progress bar shows.
    drawing = [c for c in cells if ".plot(" in c.source or "plot=True" in c.source]
    assert drawing and all(_has_image(c) for c in drawing), [c.source[:60] for c in drawing]
    for cell in cells:
        if "progress=True" in cell.source:
            assert _shows_progress(cell), json.dumps(cell.outputs)[:500]
        if "console_progress()" in cell.source:
            text = "".join(out.get("text", "") for out in cell.outputs)
            assert "Progress: " in text and "distributions (100.0%)" in text
