"""What ``import socius`` and ``socius run`` load: NumPy and the extension, not the analysis stack.

xarray (with pandas), SciPy and h5py took 110 MiB of a run's resident memory before any
simulation (benchmarks/NOTES.md, issue 18): about 115 bytes per resident at a million, against
a target of 768 bytes in all. They are imported when first used (socius._lazy and imports
inside functions); these tests fail if a module-level import brings them back.
"""
import json
import os
import subprocess
import sys
import typing

import numpy as np

import socius

from conftest import PYTHON_DIR, SCENARIOS

# Libraries a run does not need. h5py is here too: the results file is written by the
# extension's HDF5 writer; h5py is needed only to read an existing file at the output path.
HEAVY = ("pandas", "xarray", "scipy", "h5py", "h5netcdf", "matplotlib", "sklearn", "SALib", "networkx")


def _loaded_after(code: str) -> dict:
    """Runs ``code`` in a fresh interpreter and returns {"heavy": [heavy modules loaded], ...}."""
    probe = (code + "\nimport json, sys\n"
             f"print(json.dumps({{'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules), "
             "'numpy': 'numpy' in sys.modules}))")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PYTHON_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_import_socius_loads_no_analysis_library():
    # Every public name is read too, so a lazily resolved attribute cannot hide a heavy import.
    found = _loaded_after("import socius, socius.cli, socius.simulation\n"
                          "names = [getattr(socius, n) for n in socius.__all__]")
    assert found == {"heavy": [], "numpy": True}


def test_a_run_through_the_command_line_loads_no_analysis_library(tmp_path):
    # The command a user runs (python -m socius run ...), in-process so that sys.modules can be
    # read after it: the community model, one step, the results file written.
    out = tmp_path / "run.h5"
    found = _loaded_after(
        "import sys\nfrom socius.cli import main\n"
        f"rc = main(['run', {str(SCENARIOS / 'baseline.toml')!r}, '--population', '300', '--set', "
        f"'simulation.burn_in=0', '--steps', '1', '--seed', '1', '--quiet', '--output', {str(out)!r}])\n"
        "assert rc == 0, rc")
    assert out.is_file()
    assert found == {"heavy": [], "numpy": True}


def test_the_lazy_libraries_work_when_used():
    # The stand-ins resolve to the real modules: SciPy's t quantile, and the Appraisal's type
    # hints (xr.Dataset, read through the stand-in) are xarray's classes.
    import scipy.stats
    import xarray

    assert socius.report.t_quantile(4) == float(scipy.stats.t.ppf(0.975, 4))
    mean, half, n = socius.report.mean_interval(np.array([1.0, 2.0, 3.0]))  # sd 1, n 3
    assert (float(mean), int(n)) == (2.0, 3)
    assert np.isclose(float(half), scipy.stats.t.ppf(0.975, 2) / np.sqrt(3), rtol=1e-12)
    hints = typing.get_type_hints(socius.appraise.Appraisal)
    assert hints["series"] is xarray.Dataset
    assert hints["prob_best"] == typing.Optional[xarray.DataArray]
