"""A borough from a table (issue 17, docs/borough.md): the file is read and checked, the population
built from it matches it at any scale, errors name the file, row and column (exit 2), and without
the key the generic population is unchanged."""

from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import SCENARIOS, cli

import socius
from socius import borough
from socius.scenario import Scenario, ScenarioError

BOROUGHS = SCENARIOS / "boroughs"
ENGLAND = BOROUGHS / "england.toml"
SHIRE = BOROUGHS / "shire.toml"
EDGES = [16, 25, 35, 45, 55, 65, 75]


def scenario(borough_file: Path | None, population: int, **extra) -> Scenario:
    data = {"model": "community", "name": "b",
            "simulation": {"population": population, "burn_in": 0, "steps": 1}}
    if borough_file is not None:
        data["simulation"]["borough"] = str(borough_file)
    for k, v in extra.items():
        data.setdefault(k.split(".")[0], {})[k.split(".", 1)[1]] = v
    return Scenario.from_dict(data)


def built(scen: Scenario, seed: int = 1):
    """The simulation as set up, with its record at time 0 (step(0) records it without a step:
    the residents by group), and the residents' ages."""
    sim = socius.Simulation(scen, seed=seed, threads=2)
    sim.step(0)
    return sim, sim.column("age").copy()


def band_shares(age: np.ndarray) -> np.ndarray:
    counts = np.histogram(age, bins=[*EDGES, 1000])[0]
    return counts / counts.sum()


def quintile_residents(sim) -> np.ndarray:
    ind = sim.indicators()
    i = ind["indicators"].index("residents")
    groups = ind["groups"]
    row = ind["values"][0]
    return np.array([row[groups.index(f"quintile_{q}"), i] for q in range(1, 6)])


# ---- the shipped files ----

def test_the_shipped_boroughs_load_and_differ():
    eng, shire = borough.load(ENGLAND), borough.load(SHIRE)
    assert eng.by_quintile()["share"] == pytest.approx([0.2] * 5)
    assert eng.targets == (SCENARIOS / "targets" / "uk.toml").resolve()
    # The shire is older and less deprived than England.
    assert sum(shire.age_shares()[5:]) > sum(eng.age_shares()[5:]) + 0.1
    share = shire.by_quintile()["share"]
    assert share[3] + share[4] > 0.5 and share[0] < 0.1
    assert eng.digest != shire.digest and 0 < eng.digest < 10**18


# ---- the population matches the file ----

@pytest.mark.parametrize("population", [20000, 200000])
def test_population_matches_the_file_at_any_scale(population):
    for path in (ENGLAND, SHIRE):
        b = borough.load(path)
        sim, ages = built(scenario(path, population))
        residents = sim.kinds["resident"]
        assert len(residents) == population
        # Quintiles: each keeps its share of residents (largest remainder: exact up to one resident).
        by_q = quintile_residents(sim)
        assert by_q.sum() == population
        np.testing.assert_allclose(by_q, np.array(b.by_quintile()["share"]) * population, atol=1.0)
        assert (by_q > 0).sum() == sum(1 for s in b.by_quintile()["share"] if s > 0)
        # Age bands: exact per neighbourhood up to rounding (one resident per band and neighbourhood).
        shares = band_shares(ages)
        neighbourhoods = int(sim.column("neighbourhood").max()) + 1
        np.testing.assert_allclose(shares, b.age_shares(), atol=neighbourhoods / population + 1e-9)


def test_a_small_sample_keeps_every_quintile_of_the_table():
    # 2,000 residents of a 25,500-resident shire: every quintile of the table is still there.
    sim, _ = built(scenario(SHIRE, 2000))
    assert (quintile_residents(sim) > 0).all()


def test_household_mix_follows_the_file():
    # Shire households are smaller (more one-person and couple households) than the generic mix's.
    def mean_household(scen):
        sim = socius.Simulation(scen, seed=3, threads=2)
        hh = sim.column("household")
        return len(hh) / len(np.unique(hh))
    assert mean_household(scenario(SHIRE, 20000)) < mean_household(scenario(None, 20000)) - 0.05


def test_the_borough_posts_replace_the_default_rates():
    b = borough.load(SHIRE)
    sim = socius.Simulation(scenario(SHIRE, 20000), seed=1, threads=2)
    params = sim.parameters
    service = sim.column("service", kind="professional")
    post = sim.column("post", kind="professional")
    for k, name in enumerate(borough.SERVICES):
        rate = b.posts_per_10000()[name]
        assert params[f"services.{name}_posts"] == pytest.approx(rate)
        # Funded posts: round(rate x residents / 10,000), at least one per team (the setup's rule).
        teams = len(np.unique(sim.column("team", kind="professional")[service == k]))
        assert int(((service == k) & (post > 0)).sum()) == max(teams, round(rate * 20000 / 10000))


def test_a_later_entry_still_overrides_the_borough_posts():
    scen = scenario(SHIRE, 2000, **{"services.health_posts": 7.0})
    assert scen.parameters["services.health_posts"] == 7.0


def test_an_older_borough_is_older_than_england():
    eng = band_shares(built(scenario(ENGLAND, 20000))[1])
    shire = band_shares(built(scenario(SHIRE, 20000))[1])
    assert shire[5:].sum() > eng[5:].sum() + 0.1
    assert np.average(EDGES, weights=shire) > np.average(EDGES, weights=eng) + 3


def test_the_scenario_records_the_borough_and_round_trips():
    scen = Scenario.load(SCENARIOS / "borough_england.toml")
    b = scen.borough
    assert b.path == ENGLAND.resolve()
    params = scen.parameters
    assert params["structure.borough_digest"] == b.digest
    assert params["simulation.borough"] == str(ENGLAND.resolve())
    again = Scenario.from_toml(scen.to_toml())
    assert again.hash() == scen.hash() and again.borough.digest == b.digest
    assert scen.hash() != Scenario.load(SCENARIOS / "baseline.toml").hash()


def test_results_name_the_borough_file_and_its_hash(tmp_path):
    out = tmp_path / "b.h5"
    socius.run(scenario(SHIRE, 2000), out, seed=1, progress=False)
    with h5py.File(out, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    assert attrs["borough"] == str(SHIRE.resolve())
    assert attrs["borough_sha256"] == borough.load(SHIRE).sha256
    assert f"borough_digest = {borough.load(SHIRE).digest}" in attrs["scenario"]
    assert f"borough = \"{SHIRE.resolve()}\"" in attrs["scenario"]


def _datasets(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][()] for name in f if isinstance(f[name], h5py.Dataset)}


def test_a_checkpoint_of_a_borough_run_resumes_to_the_same_results(tmp_path):
    from socius.simulation import _run_to_file

    scen = scenario(SHIRE, 2000).with_overrides({"simulation.steps": 6, "simulation.burn_in": 2})
    reference = socius.run(scen, tmp_path / "ref.h5", seed=4, progress=False)
    out, ckpt = tmp_path / "out.h5", tmp_path / "state.ckpt"
    sim = socius.Simulation(scen, seed=4)

    def crash(s):
        if s.steps_done >= 5:
            raise KeyboardInterrupt

    sim.every(1, crash, start=-100)
    writer = socius._core.ResultsWriter(str(out))
    extras = {"output": str(out), "scenario": sim.scenario.to_toml(), "scenario_source": "",
              "command": "test", "checkpoint_every": "2"}
    with pytest.raises(KeyboardInterrupt):
        _run_to_file(sim, writer, out, ckpt, 2, extras, False, None)
    assert ckpt.exists()
    socius.resume(ckpt, progress=False)
    a, b = _datasets(reference), _datasets(out)
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name


def test_without_the_key_the_population_is_the_generic_one():
    plain = scenario(None, 3000)
    assert plain.borough is None
    assert "simulation.borough" not in plain.parameters
    assert plain.parameters["structure.borough_digest"] == 0
    assert plain.core_entries() == list(plain.entries)


def test_a_digest_without_the_borough_is_refused():
    with pytest.raises(ScenarioError, match="structure.borough_digest"):
        scenario(None, 3000, **{"structure.borough_digest": 12345}).validate()


def test_a_changed_borough_file_is_refused_by_a_stored_scenario(tmp_path):
    text = scenario(_write_table(tmp_path, lambda ls: ls), 2000).to_toml()
    csv = tmp_path / "t.csv"
    csv.write_text(csv.read_text().replace("Abbey Fields,1650", "Abbey Fields,1651"))
    with pytest.raises(ScenarioError, match="changed since the scenario was written"):
        Scenario.from_toml(text).validate()


# ---- errors: file, row, column, value and what is allowed; exit 2; nothing written ----

def _write_table(tmp_path: Path, edit) -> Path:
    lines = (BOROUGHS / "shire.csv").read_text().splitlines()
    lines = edit(lines)
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    toml = (BOROUGHS / "shire.toml").read_text().replace('"shire.csv"', '"t.csv"').replace(
        '"../targets/uk.toml"', f'"{(SCENARIOS / "targets" / "uk.toml").as_posix()}"')
    (tmp_path / "b.toml").write_text(toml)
    return tmp_path / "b.toml"


def _set(lines, row, col, value):
    header = lines[2].split(",")
    fields = lines[3 + row].split(",")
    fields[header.index(col)] = value
    lines[3 + row] = ",".join(fields)
    return lines


ERRORS = {
    "missing column": (lambda ls: [",".join(c for c in l.split(",")[:14]) if not l.startswith("#") else l for l in ls],
                       ["column 'household_shared' is missing", "line 3"]),
    "negative count": (lambda ls: _set(ls, 1, "population", "-5"),
                       ["row 2 (line 5)", "'Station Road'", "column 'population' = '-5'", "positive number"]),
    "quintile outside 1-5": (lambda ls: _set(ls, 2, "imd_quintile", "7"),
                             ["row 3 (line 6)", "column 'imd_quintile' = '7'", "1 (most deprived) to 5"]),
    "shares not summing to one": (lambda ls: _set(ls, 0, "age_75_plus", "0.2"),
                                  ["row 1 (line 4)", "'age_16_24' .. 'age_75_plus'", "sum to 1.05", "within 1e-6"]),
    "unknown column": (lambda ls: [ls[0], ls[1], ls[2] + ",colour"] + [l + ",red" for l in ls[3:]],
                       ["line 3, column 16 'colour': unknown column"]),
}


@pytest.mark.parametrize("kind", list(ERRORS))
def test_an_error_names_file_row_and_column(tmp_path, kind):
    edit, expected = ERRORS[kind]
    path = _write_table(tmp_path, edit)
    with pytest.raises(ScenarioError) as e:
        borough.load(path)
    message = str(e.value)
    assert str(tmp_path / "t.csv") in message
    for part in expected:
        assert part in message, (part, message)


def test_an_unknown_key_names_the_file_and_key(tmp_path):
    path = _write_table(tmp_path, lambda ls: ls)
    path.write_text('colour = "red"\n' + path.read_text())
    with pytest.raises(ScenarioError, match=r"b\.toml: key 'colour' = .*unknown key; allowed: name, description"):
        borough.load(path)


@pytest.mark.parametrize("kind", ["negative count", "quintile outside 1-5", "shares not summing to one"])
def test_the_command_line_exits_2_and_writes_nothing(tmp_path, kind):
    edit, expected = ERRORS[kind]
    path = _write_table(tmp_path, edit)
    scen = tmp_path / "s.toml"
    scen.write_text('model = "community"\nname = "s"\n[simulation]\npopulation = 2000\nburn_in = 0\nsteps = 1\n'
                    'borough = "b.toml"\n')
    out = tmp_path / "out.h5"
    r = cli("run", scen, "-o", out, "-q")
    assert r.returncode == 2, r.stderr
    assert str(tmp_path / "t.csv") in r.stderr and expected[0] in r.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["b.toml", "s.toml", "t.csv"]
