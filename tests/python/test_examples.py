"""The examples run: the script and the notebook (executed with a real Jupyter kernel), at a small
size, and say what they compute: paired replicates with an interval, residents' own columns."""
import csv
import os
import subprocess
import sys

from conftest import PYTHON_DIR, ROOT

SMALL = {"SOCIUS_EXAMPLE_POPULATION": "2000", "SOCIUS_EXAMPLE_YEARS": "1", "SOCIUS_EXAMPLE_REPLICATES": "2"}


def test_the_example_script_runs_and_writes_its_figure(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "loneliness_by_deprivation.py"),
                        "--population", "2000", "--years", "1", "--replicates", "2", "--out", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "aged 75+, often or always lonely in the final year, mean of 2 paired replicates" in r.stdout
    assert "95% t interval" in r.stdout
    # Every quintile exists at any size (five neighbourhoods at 2,000 residents, one of each).
    assert "2,000 residents live in 5 neighbourhoods, 1 in each deprivation quintile" in r.stdout
    png = tmp_path / "loneliness_by_quintile.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "baseline_indicators.csv").stat().st_size > 1000
    with open(tmp_path / "check_in_calls_replicates.csv") as f:
        rows = list(csv.DictReader(f))
    assert [row["replicate"] for row in rows] == ["1", "2"]
    assert rows[0]["seed"] != rows[1]["seed"]  # replicates differ; the two arms of one share it
    for row in rows:
        diff = float(row["calls_75_plus_lonely_pct"]) - float(row["baseline_75_plus_lonely_pct"])
        assert abs(diff - float(row["difference_pct_points"])) < 2e-3


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
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "aged 75+ often or always lonely, check-in calls minus baseline, 2 paired replicates" in text
    assert "95% t interval" in text
    assert "burn-in, 780 of 780 steps left" in text      # the new simulation says what comes first
    assert "(2000,)" in text                               # loneliness of residents, not staff slots
    assert "from the column" in text                       # the column reproduces the indicator
