"""The benchmark suite must not rot: its programs build and run the smallest configuration of
every section, and the report is written. Timings are not checked (benchmarks are not tests)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "build" / os.environ.get("PRESET", "release") / "benchmarks"

pytestmark = pytest.mark.skipif(not (BIN / "socius_throughput").exists(), reason="benchmark programs not built")


def test_smoke_suite_writes_results(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--no-build", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "RESULTS.md").read_text()
    for heading in ("## Machine", "## Targets", "## Community model", "## Output overhead", "## Classic models"):
        assert heading in text
    community = json.loads((tmp_path / "results" / "community.json").read_text())
    one, two = community["runs"]
    assert one["threads"] == 1 and two["threads"] == 2
    assert one["digest"] == two["digest"]  # bit-identical for any number of threads
    assert one["agent_steps_per_s"] > 0 and one["peak_rss_bytes"] > 0
    classic = json.loads((tmp_path / "results" / "classic.json").read_text())
    assert {d["preset"] for d in classic["runs"]} == {"jgn2001", "davidsen2002_p002", "davidsen2002_p00822", "davidsen2002_p03",
                                                      "kumpula2007"}
    assert "## Targets of issue 18" in text and "## Kumpula in steady state" in text
    steady = json.loads((tmp_path / "results" / "kumpula_steady.json").read_text())
    assert steady["reference"]["cpu_s_per_round_median"] > 0 and steady["socius_1"]["cpu_s_per_round_median"] > 0
    # socius resumes the same grown network with 1 and 2 threads: the same bits
    assert steady["socius_1"]["ties_at_end"] == steady["socius_2"]["ties_at_end"]
    line = json.loads((tmp_path / "results" / "command_line.json").read_text())
    assert line["summary"][0]["peak_bytes_per_resident"] > 0 and line["runs"][0]["long"]["peak_rss_bytes"] > 0
    if (BIN / "socius_micro").exists():
        micro = json.loads((tmp_path / "results" / "micro.json").read_text())
        assert any(b["name"].startswith("BM_Philox") for b in micro["benchmarks"])


def test_throughput_checkpoint_round_trip(tmp_path):
    """--save then --resume continues the same run: 3 + 2 steps give the bits of 5 steps."""
    exe = str(BIN / "socius_throughput")
    args = ["--model", "kumpula", "simulation.population=500", "simulation.steps=100", "simulation.record_every=100"]

    def run(*extra):
        r = subprocess.run([exe, *args, *extra], capture_output=True, text=True, check=True)
        return json.loads(r.stdout)

    ckpt = tmp_path / "k.ckpt"
    run("--steps", "3", "--save", str(ckpt))
    resumed = run("--steps", "2", "--resume", str(ckpt), "--threads", "2")
    straight = run("--steps", "5")
    assert resumed["digest"] == straight["digest"]
