"""Every notebook in ``notebooks/`` runs top to bottom, on small settings.

Each notebook has a cell tagged ``parameters`` that reads ``LICSIM_NOTEBOOK_SMALL=1``
to simulate a short period with few variants. The kernel is ``python3``, which jupyter
resolves to this interpreter (the kernelspec ipykernel installs into the environment runs
``python``, replaced by ``sys.executable``), so the notebooks see the licsim under test.
Stored notebooks have their outputs cleared.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01-getting-started.ipynb",
        "02-capacity-planning.ipynb",
        "03-outage-whatif.ipynb",
        "04-from-your-logs.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_with_a_parameters_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "LICSIM_NOTEBOOK_SMALL" in tagged[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_small_settings(
    path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The kernel inherits the environment: small settings, and no writes to the home folder.
    monkeypatch.setenv("LICSIM_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    assert nb.cells[0].outputs[0]["text"].strip() == str(Path(sys.executable))
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert images, "the notebook shows its charts"
