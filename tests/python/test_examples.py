"""The examples run: the script and the notebook (executed with a real Jupyter kernel)."""
import os
import subprocess
import sys

from conftest import PYTHON_DIR, ROOT

SMALL = {"SOCIUS_EXAMPLE_POPULATION": "2000", "SOCIUS_EXAMPLE_YEARS": "1"}


def test_the_example_script_runs_and_writes_its_figure(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "loneliness_by_deprivation.py"),
                        "--population", "2000", "--years", "1", "--out", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "aged 75+, often or always lonely" in r.stdout
    png = tmp_path / "loneliness_by_quintile.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "baseline_indicators.csv").stat().st_size > 1000


def test_the_example_notebook_executes(monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    for key, value in {**SMALL, "SOCIUS_ROOT": str(ROOT),
                       "PYTHONPATH": str(PYTHON_DIR) + os.pathsep + os.environ.get("PYTHONPATH", "")}.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(ROOT / "examples" / "loneliness_by_deprivation.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "examples")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the plot is missing"
    text = "".join(o.get("text", "") for o in outputs)
    assert "aged 75+ often or always lonely" in text
