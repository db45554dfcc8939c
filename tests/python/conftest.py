import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIR = ROOT / "python"
if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

SCENARIOS = ROOT / "scenarios"


def cli(*args, cwd=None, timeout=600):
    """Runs the socius command line in a subprocess; returns the CompletedProcess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PYTHON_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "socius", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=timeout)


@pytest.fixture
def small_scenario(tmp_path):
    """A small, fast scenario file of a built-in model."""
    path = tmp_path / "small.toml"
    path.write_text(
        'model = "davidsen"\nname = "small"\n'
        "[simulation]\npopulation = 500\nburn_in = 5\nsteps = 10\nsnapshot_every = 5\n"
        "[davidsen]\np = 0.05\npath_sources = 0\n"
    )
    return path
