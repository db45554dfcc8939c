"""socius report: a self-contained HTML page, rendered in headless Chromium as a reader would see it."""

import base64
import html.parser
import io
import math
import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr
from PIL import Image

import socius
from socius.report import mean_interval, report_times, t_quantile

from conftest import cli

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"]


# -- helpers ----------------------------------------------------------------------------------------
class Page(html.parser.HTMLParser):
    """Headings, images, tables (as lists of rows of cell text) and every src/href of a page."""

    def __init__(self, text):
        super().__init__()
        self.headings, self.images, self.links, self.tables = [], [], [], []
        self._heading = None
        self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if key in attrs:
                self.links.append(attrs[key])
        if tag == "img":
            self.images.append(attrs)
        elif tag in ("h1", "h2", "h3", "h4"):
            self._heading = [tag, ""]
        elif tag == "table":
            self.tables.append({"after": self.headings[-1][1] if self.headings else "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = ""
        elif tag == "br" and self._cell is not None:
            self._cell += " "

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4") and self._heading:
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1]["rows"][-1].append(" ".join(self._cell.split()))
            self._cell = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data
        if self._cell is not None:
            self._cell += data

    def heading(self, text):
        return any(text in h for _, h in self.headings)


def chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is missing: scripts/bootstrap.sh (make build) installs Debian's chromium")
    return exe


def render(page_path, tmp_path):
    """The page as Chromium sees it: its DOM after loading, and a screenshot (PIL image)."""
    exe = chromium()
    profile = tmp_path / "chromium-profile"
    common = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars"]
    url = page_path.resolve().as_uri()
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = tmp_path / "screenshot.png"
    r = subprocess.run([*common, f"--screenshot={shot}", "--window-size=1280,7000", url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and shot.exists(), r.stderr[-2000:]
    return dom.stdout, Image.open(shot).convert("RGB")


def pixels_near(image, hex_colour, tolerance=10):
    rgb = np.asarray(image, dtype=int)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=2) <= tolerance).sum())


def check_self_contained(text, page):
    assert "http://" not in text and "https://" not in text
    for link in page.links:
        assert link.startswith(("data:image/png;base64,", "#")), link
    assert not re.search(r"<(script|link|iframe|object|embed)\b", text, re.I)
    assert page.images
    for img in page.images:
        data = base64.b64decode(img["src"].removeprefix("data:image/png;base64,"), validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            assert im.width >= 300 and im.height >= 200
        assert len(img.get("alt", "")) > 20  # described for screen readers


def table_after(page, heading_part, first_cell):
    """The row starting with ``first_cell`` in the first table after a heading containing ``heading_part``."""
    for table in page.tables:
        if heading_part in table["after"]:
            for row in table["rows"]:
                if row and row[0].startswith(first_cell):
                    return row
    raise AssertionError(f"no row {first_cell!r} after a heading with {heading_part!r}")


# -- a community-like comparison (the community model arrives separately) -------------------------
INDICATORS = ["lonely_share", "no_contact_share", "trust_share", "pull_together_share", "civic_efficacy_mean",
              "jobs_found", "cases_resolved", "relationship_quality_mean", "waiting_list", "burnout_mean",
              "staff_turnover", "vacancies", "cost_to_date", "mean_degree", "some_new_indicator",
              "never_recorded"]  # all NaN: shown as n/a, and must raise no warning
GROUPS = (["all"] + [f"quintile_{q}" for q in range(1, 6)]
          + ["age_16_24", "age_25_34", "age_35_49", "age_50_64", "age_65_74", "age_75_plus", "age_65_plus",
             "parents"])
BUDGET = 1_000_000.0


def fake_community(path, replicates=4, seed=0):
    """A comparison file laid out as ``socius compare`` writes it, with the community model's groups
    and indicators and known effects: early action lowers loneliness by 1 point from year 1 in
    every replicate (plus small noise) and spends the budget evenly over 10 years; reform changes
    nothing but burnout."""
    rng = np.random.default_rng(seed)
    names = ["baseline", "early_action", "structural_reform"]
    time = np.arange(0, 521, 4)
    S, R, T, G, I = len(names), replicates, len(time), len(GROUPS), len(INDICATORS)
    v = np.full((S, R, T, G, I), np.nan)
    ix = {n: i for i, n in enumerate(INDICATORS)}
    shared = rng.normal(0, 0.003, (1, R, T, G))  # common to all scenarios in a replicate: paired
    own = rng.normal(0, 0.0005, (S, R, T, G))
    gradient = np.array([0] + [0.02, 0.01, 0, -0.01, -0.02] + [0.04, 0, -0.01, -0.01, 0, 0.02, 0.01, 0.15])
    lonely = 0.06 + gradient[None, None, None, :] + shared + own
    lonely[1] -= 0.01 * (time >= 52)[None, :, None]
    v[..., ix["lonely_share"]] = lonely
    v[..., ix["no_contact_share"]] = 0.03 + shared + own
    v[..., ix["trust_share"]] = 0.41 - gradient[None, None, None, :] + shared + own
    v[..., ix["pull_together_share"]] = 0.6 + shared
    v[..., ix["civic_efficacy_mean"]] = 0.3 + shared
    v[..., ix["relationship_quality_mean"]] = 0.5 + shared
    v[..., ix["mean_degree"]] = 12 + 10 * shared
    v[..., ix["some_new_indicator"]] = 1 + shared
    everyone = slice(0, 1)  # staff, services and costs only for the whole population
    jobs = np.cumsum(np.full((S, R, T), 8.0) + rng.poisson(2, (S, R, T)), axis=2)
    jobs[1] += np.cumsum(np.full(T, 0.5) * (time > 0), axis=0)
    v[:, :, :, everyone, ix["jobs_found"]] = jobs[..., None]
    v[:, :, :, everyone, ix["cases_resolved"]] = np.cumsum(rng.poisson(3, (S, R, T)), axis=2)[..., None]
    v[:, :, :, everyone, ix["waiting_list"]] = rng.poisson(40, (S, R, T))[..., None]
    burnout = 0.3 + rng.normal(0, 0.01, (S, R, T))
    burnout[2] += 0.1 * ((time >= 26) & (time < 130))
    v[:, :, :, everyone, ix["burnout_mean"]] = burnout[..., None]
    v[:, :, :, everyone, ix["staff_turnover"]] = np.cumsum(rng.poisson(1, (S, R, T)), axis=2)[..., None]
    v[:, :, :, everyone, ix["vacancies"]] = rng.poisson(3, (S, R, T))[..., None]
    cost = np.zeros((S, R, T))
    cost[1] = cost[2] = BUDGET * time / 520
    v[:, :, :, everyone, ix["cost_to_date"]] = cost[..., None]
    tomls = [f'model = "community"\nname = "{n}"\ndescription = "the {n} scenario"\n\n[budget]\n'
             f"total = {0.0 if n == 'baseline' else BUDGET}\n\n[simulation]\npopulation = 20000\n"
             f"steps = 520\nburn_in = 104\nrecord_every = 4\n\n[policy]\nhubs = {str(n == 'early_action').lower()}\n"
             for n in names]
    seeds = np.array([socius._core.derive_seed(99, r) for r in range(R)], dtype=np.uint64)
    ds = xr.Dataset(
        {"indicators": (("scenario", "replicate", "time", "group", "indicator"), v),
         "wall_seconds": (("scenario", "replicate"), np.ones((S, R))),
         "indicator_description": ("indicator", np.array([f"description of {n}" + (", GBP" if "cost" in n else "")
                                                          for n in INDICATORS], dtype=object))},
        coords={"scenario": np.array(names, dtype=object), "replicate": np.arange(R),
                "time": ("time", time, {"units": "steps"}), "group": np.array(GROUPS, dtype=object),
                "indicator": np.array(INDICATORS, dtype=object), "seed": ("replicate", seeds),
                "scenario_toml": ("scenario", np.array(tomls, dtype=object)),
                "scenario_hash": ("scenario", np.array([f"{i:016x}" for i in range(S)], dtype=object)),
                "scenario_description": ("scenario", np.array([f"the {n} scenario" for n in names], dtype=object)),
                "scenario_source": ("scenario", np.array([f"scenarios/{n}.toml" for n in names], dtype=object)),
                "population": ("scenario", np.full(S, 20000)),
                "budget": ("scenario", np.array([0.0, BUDGET, BUDGET]))},
        attrs={"format": "socius-comparison-1", "model": "community", "master_seed": "99",
               "replicates": R, "baseline": "baseline", "steps": 520, "burn_in": 104, "record_every": 4,
               "engine_version": socius.__version__, "git_revision": "test", "python_version": "3",
               "command": "test", "threads_per_run": 1, "workers": 1, "created": "now", "scenarios": S})
    ds.to_netcdf(path, engine="h5netcdf")
    return path


# -- tests --------------------------------------------------------------------------------------
def test_t_quantiles_match_published_tables():
    for df, expected in ((1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (29, 2.0452), (1000, 1.9623)):
        assert t_quantile(df) == pytest.approx(expected, abs=1e-4)
    mean, half, n = mean_interval(np.array([[1.0], [2.0], [3.0], [np.nan]]))
    assert mean[0] == 2.0 and n[0] == 3
    assert half[0] == pytest.approx(4.302653 * 1.0 / math.sqrt(3), rel=1e-6)
    mean, half, n = mean_interval(np.array([[5.0]]))
    assert mean[0] == 5.0 and np.isnan(half[0])  # one value: no interval, not an invented one


def test_report_times_are_1_5_and_10_years_within_the_horizon():
    assert report_times(np.arange(0, 521)) == [52, 260, 520]
    assert report_times(np.arange(0, 781, 4)) == [52, 260, 520, 780]
    assert report_times(np.arange(0, 300, 10)) == [50, 260, 290]  # nearest recorded time
    assert report_times(np.arange(0, 11)) == [10]


def test_fake_community_file_is_laid_out_like_a_real_comparison(tmp_path):
    real = socius.compare([socius.Scenario.from_dict({"model": "davidsen", "simulation": {
        "population": 100, "steps": 2, "burn_in": 0}})], replicates=1, seed=1, output=tmp_path / "r.h5",
        progress=False)
    fake = fake_community(tmp_path / "f.h5", replicates=2)
    with xr.open_dataset(real, engine="h5netcdf") as a, xr.open_dataset(fake, engine="h5netcdf") as b:
        assert set(a.variables) == set(b.variables)
        assert set(a.attrs) == set(b.attrs)
        assert a["indicators"].dims == b["indicators"].dims


def test_davidsen_comparison_report_renders_in_chromium(tmp_path):
    scenarios = []
    for name, p in (("base", 0.05), ("more_meetings", 0.3), ("same_as_base", 0.05)):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'model = "davidsen"\nname = "{name}"\ndescription = "p = {p}"\n'
                        f"[simulation]\npopulation = 400\nburn_in = 5\nsteps = 60\n[davidsen]\np = {p}\n")
        scenarios.append(path)
    out = socius.compare(scenarios, replicates=3, seed=3, output=tmp_path / "cmp.h5", workers=2, progress=False)
    r = cli("report", out, "-o", tmp_path / "report")
    assert r.returncode == 0, r.stderr
    index = tmp_path / "report" / "index.html"
    assert f"report written to {index}" in r.stdout
    text = index.read_text()
    check_self_contained(text, Page(text))

    dom, shot = render(index, tmp_path)
    page = Page(dom)
    assert len(page.images) == len(Page(text).images)  # Chromium saw every figure
    for heading in ("Policy comparison", "Summary", "What was compared", "How to read this report",
                    "Indicators at 1, 5 and 10 years", "At 1 year (week 52)", "At week 60",
                    "Indicators over time", "Seeds, versions"):
        assert page.heading(heading), heading
    assert not page.heading("By neighbourhood deprivation")  # davidsen has no such groups
    # The differences table: paired differences with intervals; the identical scenario gives 0.
    header = [t for t in page.tables if "At 1 year" in t["after"]][0]["rows"][0]
    assert any("more_meetings" in c and "paired difference [95% interval] from baseline" in c for c in header)
    row = table_after(page, "At week 60", "Number of ties")  # indicator, baseline, two scenarios
    assert len(row) == 4 and row[3] == f"{row[1]} 0 [0 to 0]"
    assert re.fullmatch(r"[\d,]+ -[\d,]+ \[-[\d,]+ to -[\d,]+\] \*", row[2])  # more meetings: fewer ties
    assert "davidsen.p" in dom and "master seed 3" in dom
    for seed in (socius._core.derive_seed(3, r) for r in range(3)):
        assert str(seed) in dom
    # The figures are on screen: the scenario colours (orange, blue) are painted.
    assert pixels_near(shot, "#E69F00") > 200 and pixels_near(shot, "#0072B2") > 200


def test_community_like_report_has_groups_costs_and_staff(tmp_path):
    path = fake_community(tmp_path / "community.h5")
    index = socius.report(path, tmp_path / "report")
    text = index.read_text()
    check_self_contained(text, Page(text))
    dom, shot = render(index, tmp_path)
    page = Page(dom)
    for heading in ("By neighbourhood deprivation", "By age", "Other groups", "Costs and cost per outcome",
                    "Staff: burnout, turnover and vacancies", "Loneliness and social contact",
                    "At 1 year (week 52)", "At 5 years (week 260)", "At 10 years (week 520)"):
        assert page.heading(heading), heading
    # Early action lowers loneliness by 1 point: clear, paired, in percentage points.
    row = table_after(page, "At 10 years", "Often or always lonely")
    m = re.fullmatch(r"\d+\.\d% (-\d+\.\d+) pp \[(-\d+\.\d+) to (-\d+\.\d+)\] \*", row[2])
    assert m, row[2]
    assert float(m.group(1)) == pytest.approx(-1.0, abs=0.1)
    # Structural reform does nothing to loneliness here: the interval includes zero, no asterisk.
    assert "[" in row[3] and "*" not in row[3]
    # Cost per percentage point of loneliness reduced: about 1,000,000 for 1 point at 10 years.
    costs = [t for t in page.tables if "At 10 years" in t["after"] and "Cost per unit of gain" in t["rows"][0]][0]
    per_unit, scenario = {}, None
    for r in costs["rows"][1:]:
        if len(r) == 4:
            scenario, r = r[0], r[1:]
        per_unit[scenario, r[0]] = r[2]
    per_point = per_unit["early_action", "percentage point fewer people often lonely"]
    assert float(per_point.replace(",", "")) == pytest.approx(BUDGET, rel=0.15)
    assert per_unit["structural_reform", "percentage point fewer people often lonely"] == "no clear gain"
    assert re.fullmatch(r"[\d,.]+", per_unit["early_action", "extra job found"])
    assert "policy.hubs" in dom  # parameter differences from the baseline
    assert len(page.images) >= 7 + 6  # 7 themes over time; levels and differences x 3 kinds of group
    assert "Amounts are in pounds sterling (GBP)." in dom
    assert pixels_near(shot, "#E69F00") > 200


def test_single_run_and_single_replicate_reports_say_intervals_are_unavailable(tmp_path, small_scenario):
    run = socius.run(small_scenario, tmp_path / "run.h5", seed=4, progress=False)
    r = cli("report", run)  # default folder: beside the file
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "run_report" / "index.html").read_text()
    page = Page(text)
    check_self_contained(text, page)
    assert page.heading("Simulation results: small") and "intervals are <strong>unavailable</strong>" in text
    assert page.heading("At week 10")

    one = fake_community(tmp_path / "one.h5", replicates=1)
    text = socius.report(one, tmp_path / "one").read_text()
    page = Page(text)
    assert "unavailable" in text
    row = table_after(page, "At 10 years", "Often or always lonely")
    assert "no interval: 1 replicate" in row[2]
    assert "*" not in " ".join(row)


def test_report_refuses_files_that_are_not_socius_output(tmp_path):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    text = tmp_path / "text.h5"
    text.write_text("hello")
    for path, fragment in ((foreign, "not socius output"), (text, "not an HDF5 file"),
                           (tmp_path / "missing.h5", "does not exist")):
        r = cli("report", path, "-o", tmp_path / "out")
        assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()
    run = socius.run(socius.Scenario.from_dict({"model": "davidsen", "simulation": {"population": 50, "steps": 2}}),
                     tmp_path / "run.h5", seed=1, progress=False)
    r = cli("report", run, "-o", text)  # a file where the folder should be
    assert r.returncode == 2 and "cannot write the report" in r.stderr and "Traceback" not in r.stderr


def test_a_horizon_of_zero_steps_gives_a_report_of_time_0(tmp_path):
    paths = []
    for name in ("a", "b"):
        paths.append(tmp_path / f"{name}.toml")
        paths[-1].write_text(f'model = "davidsen"\nname = "{name}"\n[simulation]\npopulation = 50\nburn_in = 0\n'
                             "steps = 0\n")
    r = cli("compare", *paths, "-r", 2, "--seed", 1, "-o", tmp_path / "z.h5", "--report", tmp_path / "rep", "-q")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "rep" / "index.html").read_text()
    # Time 0 (the end of burn-in) is always recorded, so the report has the state at time 0.
    assert "<table" in text and "No indicator values were recorded" not in text
