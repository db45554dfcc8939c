"""What a user gives socius, and what socius may replace (issue 13, items 3, 5, 11 and 14).

Each command recognises the kind of file or folder it was given and says what to do instead; an
existing file at an output path is replaced only by a rerun of the same command (same kind, model
and scenario name), otherwise only with --overwrite; a file locked by another process is named as
locked; numbers are shown in their shortest round-trip form. Most commands run in this process
(socius.cli.main) to keep the tests fast; the lock tests use a subprocess so that HDF5 sees the
lock as another process's.
"""
import datetime
import fcntl
import os
import signal

import h5py
import numpy as np
import pytest

import socius
from socius import cli as socius_cli
from socius._values import show
from socius.files import identify
from socius.results import check_output

from conftest import cli

SMALL = ('model = "davidsen"\nname = "{name}"\n[simulation]\npopulation = 300\nburn_in = 0\nsteps = 3\n'
         '[davidsen]\npath_sources = 0\n')


@pytest.fixture
def main(capsys):
    """socius.cli.main in this process: returns (exit code, stdout, stderr)."""
    handler = signal.getsignal(signal.SIGTERM)

    def call(*args):
        try:
            code = socius_cli.main([str(a) for a in args])
        finally:
            signal.signal(signal.SIGTERM, handler)  # main installs its own; give pytest's back
        out = capsys.readouterr()
        assert "Traceback" not in out.err
        return code, out.out, out.err
    return call


def scenario_file(folder, name="small"):
    path = folder / f"{name}.toml"
    path.write_text(SMALL.format(name=name))
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One file of each kind socius writes: results, comparison, sweep folder (with and without
    its index), checkpoint; and the scenarios and spec they came from."""
    d = tmp_path_factory.mktemp("kinds")
    a, b = scenario_file(d, "a"), scenario_file(d, "b")
    results = socius.run(a, d / "a.h5", seed=1, threads=1, progress=False)
    comparison = socius.compare([a, b], replicates=1, seed=1, output=d / "comparison.h5", threads=1,
                                workers=1, progress=False)
    spec = d / "spec.toml"
    spec.write_text('name = "tiny"\nscenario = "a.toml"\nseed = 1\n[parameters]\n'
                    '"davidsen.p" = { values = [0.1, 0.2] }\n'
                    '[summaries]\nfinal_degree = { indicator = "mean_degree", stat = "final" }\n')
    sweep = d / "sweep"
    socius.sweep(spec, sweep, workers=1, threads=1, progress=False)
    unindexed = d / "unindexed"
    socius.sweep(spec, unindexed, workers=1, threads=1, progress=False, index=False)
    # A checkpoint of a run stopped by its hook after step 2 (checkpoints every step).
    from socius.simulation import Simulation, run_to_file

    sim = Simulation(a, seed=1, threads=1)

    def stop(_):
        raise RuntimeError("stopped on purpose")
    sim.every(2, stop, start=2)
    ckpt = d / "stopped.h5.ckpt"
    with pytest.raises(RuntimeError):
        run_to_file(sim, d / "stopped.h5", progress=False, checkpoint_every=1, checkpoint=ckpt)
    assert ckpt.is_file()
    return dict(dir=d, a=a, b=b, results=results, comparison=comparison, spec=spec, sweep=sweep,
                index=sweep / "sweep.h5", unindexed=unindexed, checkpoint=ckpt)


# -- item 14: each command recognises what it was given --------------------------------------------
def test_identify_names_every_kind(made, tmp_path):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    expected = {"results": "results", "comparison": "appraisal", "sweep": "sweep folder",
                "index": "sweep index", "unindexed": "sweep folder", "checkpoint": "checkpoint",
                "a": "scenario", "spec": "sweep spec"}
    for key, kind in expected.items():
        assert identify(made[key]).kind == kind, key
    assert identify(foreign).kind == "hdf5"
    assert identify(tmp_path / "nope.h5").kind == "missing"
    assert identify(tmp_path).kind == "folder"


@pytest.mark.parametrize("given, fragments", [
    ("comparison", ["is a socius appraisal (options a, b;", "not a scenario file (TOML)",
                    "socius info"]),
    ("results", ["is a socius results file (scenario 'a', model davidsen", "not a scenario file"]),
    ("checkpoint", ["is a socius checkpoint", "socius resume"]),
    ("spec", ["is a sweep spec (TOML)", "socius sweep"]),
    ("sweep", ["is a sweep folder", "socius info"]),
])
def test_run_names_what_it_was_given_instead_of_a_scenario(made, main, given, fragments):
    code, _, err = main("run", made[given], "-q")
    assert code == 2
    for fragment in fragments:
        assert fragment in err
    assert "codec" not in err and "0x89" not in err  # was: 'utf-8' codec can't decode byte 0x89
    assert len(err.strip().splitlines()) == 1


def test_info_reads_results_comparisons_sweeps_and_checkpoints(made, main):
    code, out, _ = main("info", made["results"])
    assert code == 0 and "scenario: a" in out
    code, out, _ = main("info", made["comparison"])
    assert code == 0 and "2 options (baseline a); 1 parameter draw x 1 replicates" in out
    for given in ("sweep", "index"):
        code, out, err = main("info", made[given])
        assert code == 0, err
        assert "sweep:       tiny" in out and "2 done, 0 failed, 0 missing" in out
        assert "parameters:  davidsen.p" in out and "final_degree" in out
    code, out, _ = main("info", made["checkpoint"])
    assert code == 0 and "scenario a" in out and f"socius resume {made['checkpoint']}" in out


def test_info_on_a_sweep_without_index_or_a_scenario_says_what_to_do(made, main):
    r = cli("info", made["unindexed"])  # a subprocess: HDF5's own error dump would show in its stderr
    assert r.returncode == 2
    assert "sweep folder (sweep 'tiny': 2 of 2 runs done, 0 failed) without an index" in r.stderr
    assert f"socius sweep-index {made['unindexed']}" in r.stderr
    assert "HDF5" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    code, _, err = main("info", made["a"])
    assert code == 2 and "is a scenario (TOML)" in err and "socius validate" in err


def test_resume_and_report_name_the_wrong_kind(made, main):
    code, _, err = main("resume", made["results"])
    assert code == 2 and "that run is finished, there is nothing to resume" in err
    code, _, err = main("resume", made["a"])
    assert code == 2 and "is a scenario (TOML), not a checkpoint" in err
    code, _, err = main("report", made["a"])
    assert code == 2 and "is a scenario (TOML), not a results file, a comparison or appraisal file, or a sweep folder" in err
    code, _, err = main("sweep", made["a"], "--out", made["dir"] / "x")
    assert code == 2 and "not a sweep spec" in err and "socius run" in err
    assert not (made["dir"] / "x").exists()
    code, _, err = main("sweep", made["spec"], "--out", made["results"])
    assert code == 2 and "is a socius results file (scenario 'a'" in err and "not a sweep folder" in err
    code, _, err = main("sweep-index", made["comparison"])
    assert code == 2 and "is a socius appraisal (options a, b" in err and "not a sweep folder" in err


def test_one_value_set_twice_on_the_command_line_is_refused(made, main):
    code, _, err = main("validate", made["a"], "--steps", 52, "--set", "simulation.steps=104")
    assert code == 2
    assert "key 'simulation.steps' is set twice on the command line: --steps 52 and --set " \
           "simulation.steps=104; give it once" in err
    code, _, err = main("validate", made["a"], "--population", 300, "--set", "simulation.population=400")
    assert code == 2 and "--population 300 and --set simulation.population=400" in err
    code, _, err = main("validate", made["a"], "--set", "davidsen.p=0.1", "--set", "davidsen.p=0.2")
    assert code == 2 and "--set davidsen.p=0.1 and --set davidsen.p=0.2" in err
    code, out, _ = main("validate", made["a"], "--steps", 52, "--set", "davidsen.p=0.2")
    assert code == 0 and "steps = 52" in out and "p = 0.2" in out


@pytest.mark.parametrize("words, right", [
    (["--set", "davidsen.p", "0.2"], "--set davidsen.p=0.2"),
    (["--set", "davidsen.p", "=", "0.2"], "--set davidsen.p=0.2"),
])
def test_a_space_instead_of_equals_says_how_to_write_it(made, main, words, right):
    code, _, err = main("run", made["a"], *words)
    assert code == 2
    assert f"write it as one word, {right} (no spaces around '=')" in err
    assert "unrecognized arguments" not in err


def test_set_without_a_value_says_key_equals_value(made, main):
    with pytest.raises(SystemExit) as e:
        main("run", made["a"], "--set", "davidsen.p")
    assert e.value.code == 2


# -- item 3: what may be replaced ------------------------------------------------------------------
def test_a_rerun_replaces_its_own_results_with_a_note(tmp_path, main):
    s = scenario_file(tmp_path)
    out = tmp_path / "out.h5"
    assert main("run", s, "-o", out, "-q", "--seed", 1)[0] == 0
    code, _, err = main("run", s, "-o", out, "-q", "--seed", 2, "--set", "davidsen.p=0.2")
    assert code == 0
    assert f"socius: replacing '{out}', the earlier results of the same scenario" in err
    with h5py.File(out, "r") as f:
        assert f.attrs["seed"] == "2" or int(f.attrs["seed"]) == 2


def _foreign_h5(path):
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)


@pytest.mark.parametrize("existing, what", [
    ("other scenario", "a socius results file (scenario 'other', model davidsen"),
    ("other model", "a socius results file (scenario 'small', model jgn"),
    ("comparison", "a socius appraisal (options a, b"),
    ("foreign hdf5", "an HDF5 file not written by socius"),
    ("notes", "a text file"),
])
def test_other_files_are_not_replaced_without_overwrite(tmp_path, main, made, existing, what):
    s = scenario_file(tmp_path)
    out = tmp_path / "out.h5"
    if existing == "other scenario":
        socius.run(scenario_file(tmp_path, "other"), out, seed=1, threads=1, progress=False)
    elif existing == "other model":
        jgn = tmp_path / "jgn.toml"
        jgn.write_text('model = "jgn"\nname = "small"\n[simulation]\npopulation = 300\nburn_in = 0\nsteps = 1\n')
        socius.run(jgn, out, seed=1, threads=1, progress=False)
    elif existing == "comparison":
        out.write_bytes(made["comparison"].read_bytes())
    elif existing == "foreign hdf5":
        _foreign_h5(out)
    else:
        out.write_text("my notes, not results\n")
    before = out.read_bytes()
    code, _, err = main("run", s, "-o", out, "-q")
    assert code == 2
    assert f"'{out}' already exists and is {what}" in err
    assert "pass --overwrite to replace it" in err
    assert "socius: running" not in err  # refused before the run, not after it
    assert out.read_bytes() == before
    code, _, err = main("run", s, "-o", out, "-q", "--overwrite")
    assert code == 0 and "as asked by --overwrite" in err
    assert identify(out).attrs["scenario_name"] == "small"


def test_the_replacement_rule(tmp_path, made):
    a = socius.Scenario.load(made["a"])
    b = socius.Scenario.load(made["b"])
    assert check_output(tmp_path / "none.h5", a) is None
    assert "same scenario" in check_output(made["results"], a)
    with pytest.raises(socius.OutputError, match="pass overwrite=True"):
        check_output(made["results"], b)
    assert "as asked by overwrite=True" in check_output(made["results"], b, overwrite=True)
    # A comparison is the same when model and scenario names (in order) are.
    assert "same scenarios" in check_output(made["comparison"], [a, b], kind="appraisal")
    with pytest.raises(socius.OutputError, match="appraisal of b, a"):
        check_output(made["comparison"], [b, a], kind="appraisal")
    with pytest.raises(socius.OutputError, match="comparison"):
        check_output(made["results"], [a, b], kind="comparison")
    with pytest.raises(socius.OutputError, match="it is a folder"):
        check_output(tmp_path, a, overwrite=True)  # a folder is never replaced


def test_compare_checks_its_outputs_before_any_run(tmp_path, main, made):
    out = tmp_path / "cmp.h5"
    out.write_bytes(made["results"].read_bytes())
    before = out.read_bytes()
    code, _, err = main("compare", made["a"], made["b"], "-r", 1, "-o", out, "-q")
    assert code == 2 and "is a socius results file (scenario 'a'" in err and "--overwrite" in err
    assert "comparing" not in err and out.read_bytes() == before
    report = tmp_path / "rep"
    report.mkdir()
    (report / "index.html").write_text("<html><body>my own page</body></html>")
    code, _, err = main("compare", made["a"], made["b"], "-r", 1, "-o", tmp_path / "new.h5", "--report",
                        report, "-q")
    assert code == 2 and f"report folder '{report}' already holds files not written by a socius report" in err
    assert not (tmp_path / "new.h5").exists()


def test_report_replaces_only_its_own_page_unless_told(tmp_path, main, made):
    folder = tmp_path / "rep"
    folder.mkdir()
    page = folder / "index.html"
    page.write_text("<html><body>my own page</body></html>")
    code, _, err = main("report", made["results"], "-o", folder)
    assert code == 2 and "already holds files not written by a socius report ('index.html')" in err
    assert "--overwrite" in err
    assert page.read_text() == "<html><body>my own page</body></html>"
    code, _, err = main("report", made["results"], "-o", folder, "--overwrite")
    assert code == 0 and identify(page).kind == "report"
    from socius.report import check_folder

    check_folder(folder)  # a rerun may replace its own page (rendering again would double the time)


def test_unsafe_scenario_names_never_reach_a_path(tmp_path, main):
    work = tmp_path / "one" / "two"
    work.mkdir(parents=True)
    for name in ("../../escape", "a/b"):
        s = work / "bad.toml"
        s.write_text(SMALL.format(name=name))
        old = os.getcwd()
        os.chdir(work)
        try:
            code, _, err = main("run", s, "-q")
        finally:
            os.chdir(old)
        assert code == 2
        assert f"{s}: key 'name' = \"{name}\": not a usable scenario name; allowed:" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bad.toml", "one", "two"]  # nothing written


def test_the_default_output_is_results_slash_name(tmp_path, main):
    s = tmp_path / "s.toml"
    s.write_text(SMALL.format(name="Early action (2m)"))
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, out, _ = main("run", s, "-q", "--seed", 1)
    finally:
        os.chdir(old)
    assert code == 0 and (tmp_path / "results" / "Early action (2m).h5").is_file()


# -- item 5: a locked file is named as locked ------------------------------------------------------
@pytest.fixture
def locked(made, tmp_path):
    """A results file another process holds locked, as HDF5 does for a file it is writing."""
    path = tmp_path / "locked.h5"
    path.write_bytes(made["results"].read_bytes())
    holder = open(path, "rb+")
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # an open file description of its own
    yield path
    holder.close()


def test_a_locked_results_file_is_reported_as_locked(locked, monkeypatch):
    monkeypatch.delenv("HDF5_USE_FILE_LOCKING", raising=False)
    for args in (["info", locked], ["report", locked, "-o", locked.parent / "rep"]):
        r = cli(*args)
        assert r.returncode == 2, r.stderr
        assert f"'{locked}' is an HDF5 file locked by another process (HDF5 says: unable to lock file, errno = 11)" in r.stderr
        assert "not an HDF5 file" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    with pytest.raises(socius.ResultsError, match="is an HDF5 file locked by another process"):
        socius.open_results(locked)


# -- item 11: numbers as people read them ----------------------------------------------------------
def test_show_prints_the_shortest_form_that_round_trips():
    assert show(0.1) == "0.1" and show(np.float64(0.1)) == "0.1"
    assert show(np.float32(0.1)) == "0.1"  # not 0.10000000149011612
    assert show(np.int64(300)) == "300" and show(np.array(300)) == "300"
    assert show(np.bool_(True)) == "true"
    assert show(datetime.datetime(1979, 5, 27, 7, 32)) == "1979-05-27 07:32:00"
    assert show("high") == '"high"' and show([np.float64(0.1), 2]) == "[0.1, 2]"
    for x in (0.1 + 0.2, 1e-300, 123456.789, 2 / 3):
        assert float(show(x)) == x and len(show(x)) <= len(f"{x:.17g}")


def test_info_prints_each_value_in_its_shortest_round_trip_form(made, main):
    code, out, _ = main("info", made["results"])
    assert code == 0
    with h5py.File(made["results"], "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["indicator"][()]]
        final = f["indicators"][-1, 0, :]
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines()[8:]}
    for name, value in zip(names, final):
        text = lines[name]
        assert np.isnan(value) if text == "nan" else float(text) == value, name
        assert text == "nan" or len(text) <= len(repr(float(value))), name
    assert "np." not in out and "datetime" not in out
