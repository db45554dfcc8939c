"""socius report: a self-contained HTML page, rendered in headless Chromium as a reader would see it.

The figures are checked as pictures: each embedded PNG must show the scenarios' colours inside its
axes (not only in its legend), no two figures may be the same picture, Chromium must lay every one
out at a non-zero size, and the page painted with its figures must differ from the page painted
without them. The community comparison used for the group, cost and staff sections is built on
the groups and indicators a real run of the community model records, and one test renders the
report of a real (tiny) comparison and checks the numbers it shows against the file.
"""

import base64
import hashlib
import html.parser
import importlib
import io
import math
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr
from PIL import Image

import socius
from socius.report import mean_interval, report_times, t_quantile

from conftest import SCENARIOS, cli

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"]
ORANGE, BLUE = "#E69F00", "#0072B2"  # the first two scenarios after the baseline (Okabe-Ito)
T_975_1 = 12.706204736174707  # Student's t, 97.5% point, 1 degree of freedom (two replicates)


# -- reading a page ---------------------------------------------------------------------------------
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


def table_after(page, heading_part, first_cell):
    """The row starting with ``first_cell`` in the first table after a heading containing ``heading_part``."""
    for table in page.tables:
        if heading_part in table["after"]:
            for row in table["rows"]:
                if row and row[0].startswith(first_cell):
                    return row
    raise AssertionError(f"no row {first_cell!r} after a heading with {heading_part!r}")


def visible_text(text):
    """The page without its embedded images (whose base64 holds any run of letters and digits)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", text)


# -- Chromium -----------------------------------------------------------------------------------------
# Appended to a copy of the page (the report itself has no script): once the page has loaded,
# each image records whether Chromium decoded it, its natural size and the size it is laid out at.
SIZE_PROBE = ("<script>addEventListener('load', () => { for (const i of document.images) { "
              "const r = i.getBoundingClientRect(); i.setAttribute('data-shown', [i.complete, "
              "i.naturalWidth, i.naturalHeight, Math.round(r.width), Math.round(r.height)].join(' ')); } });"
              "</script>")


def chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is missing: scripts/bootstrap.sh (make build) installs Debian's chromium")
    return exe


def _chromium(args, url, tmp_path):
    profile = tmp_path / "chromium-profile"
    r = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars",
                        *args, url], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def screenshot(page_path, tmp_path, name="screenshot.png", height=16000):
    shot = tmp_path / name
    _chromium([f"--screenshot={shot}", f"--window-size=1280,{height}"], page_path.resolve().as_uri(), tmp_path)
    assert shot.exists()
    return Image.open(shot).convert("RGB")


def opened(page_path, tmp_path):
    """A copy of the page with every folded section open, as a reader who opens them sees it."""
    copy = tmp_path / f"opened-{page_path.parent.name}.html"
    copy.write_text(page_path.read_text().replace("<details", "<details open"))
    return copy


def render(page_path, tmp_path, shot=True):
    """The page as Chromium sees it with its folded sections opened: its DOM after loading (each
    <img> with its ``data-shown`` sizes), and a screenshot (PIL image; None if not ``shot``)."""
    probe = tmp_path / "probe.html"
    probe.write_text(opened(page_path, tmp_path).read_text().replace("</body>", SIZE_PROBE + "</body>"))
    dom = _chromium(["--dump-dom"], probe.resolve().as_uri(), tmp_path)
    return dom, screenshot(opened(page_path, tmp_path), tmp_path) if shot else None


def pixels_near(image, hex_colour, tolerance=10):
    rgb = np.asarray(image, dtype=int)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=2) <= tolerance).sum())


# -- the figures as pictures ------------------------------------------------------------------------
def png_pixels(src):
    """The RGB pixels of an embedded PNG (fails unless it is a valid PNG in a data URI)."""
    assert src.startswith("data:image/png;base64,"), src[:40]
    data = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"), dtype=int)


def axes_top(rgb):
    """The row of the topmost axes frame: the first row with a dark run of 100+ pixels.

    Legends (above the axes, without a frame) and titles are short runs; a matplotlib axes frame
    spans the panel. None if the picture has no axes (e.g. a blank image)."""
    dark = rgb.max(axis=2) < 100
    for y, row in enumerate(dark):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        if edges.size and (edges[1::2] - edges[::2]).max() >= 100:
            return y
    return None


def plotted(rgb, hex_colour, tolerance=12):
    """Pixels of a colour at or below the topmost axes frame: the plotted series, not the legend."""
    top = axes_top(rgb)
    assert top is not None, "the figure has no axes"
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb[top:] - target).max(axis=2) <= tolerance).sum())


def check_self_contained(text, page):
    assert "http://" not in text and "https://" not in text
    for link in page.links:
        assert link.startswith(("data:image/png;base64,", "#")), link
    assert not re.search(r"<(script|link|iframe|object|embed)\b", text, re.I)


def check_figures(text, colours, dom=None, coloured=lambda alt: True):
    """Every figure in the page is a distinct PNG with axes, described for screen readers, in which
    each of ``colours`` (one per scenario drawn) is plotted inside the axes (in the figures whose
    alt text ``coloured`` accepts); with Chromium's ``dom`` (from :func:`render`), each was decoded
    and laid out at a non-zero size."""
    images = Page(text).images
    assert images, "the page has no figures"
    digests = set()
    for img in images:
        rgb = png_pixels(img["src"])
        assert rgb.shape[1] >= 300 and rgb.shape[0] >= 200, rgb.shape
        assert len(img.get("alt", "")) > 20, img.get("alt")
        for colour in colours if coloured(img["alt"]) else ():
            assert plotted(rgb, colour) >= 100, (colour, img["alt"])
        digests.add(hashlib.sha256(rgb.tobytes()).hexdigest())
    assert len(digests) == len(images), "two figures are the same picture"
    if dom is not None:
        shown = Page(dom).images
        assert [i["src"] for i in shown] == [i["src"] for i in images]  # every figure, in order
        for img in shown:
            complete, natural_w, natural_h, w, h = img["data-shown"].split()
            rgb = png_pixels(img["src"])
            assert complete == "true" and (int(natural_h), int(natural_w)) == rgb.shape[:2], img["data-shown"]
            assert int(w) > 0 and int(h) > 0, (img["alt"], img["data-shown"])
    return len(images)


def check_painted_with_figures(page_path, shot, tmp_path, colours):
    """The screenshot shows the figures: without its <img> elements the same page paints far
    fewer pixels of each scenario colour (the page's own style uses orange and blue too)."""
    bare = tmp_path / "without_figures.html"
    bare.write_text(re.sub(r"<img\b[^>]*>", "", opened(page_path, tmp_path).read_text()))
    without = screenshot(bare, tmp_path, "without_figures.png")
    for colour in colours:
        assert pixels_near(shot, colour) - pixels_near(without, colour) > 1000, colour


# -- a real comparison of the community model, and a synthetic one laid out like it ------------------
@pytest.fixture(scope="module")
def real_comparison(tmp_path_factory):
    """baseline against early_action, 400 residents, 6 weeks after no burn-in, 2 replicates."""
    folder = tmp_path_factory.mktemp("real")
    small = {"simulation.population": 400, "simulation.steps": 6, "simulation.burn_in": 0}
    scenarios = [socius.Scenario.load(SCENARIOS / f"{n}.toml").with_overrides(small)
                 for n in ("baseline", "early_action")]
    return socius.compare(scenarios, replicates=2, seed=5, output=folder / "comparison.h5", workers=2,
                          progress=False)


# What the community model's indicators are (label, category, unit, higher or lower is better),
# standing in for what the engine writes into results files, for files written before it did.
STAND_IN = {
    "lonely_share": ("Often or always lonely", "Loneliness and social contact", "share", -1),
    "no_contact_share": ("No social contact in the week", "Loneliness and social contact", "share", -1),
    "trust_share": ("Say most people can be trusted", "Trust, cohesion and civic life", "share", +1),
    "civic_efficacy_mean": ("Civic efficacy (mean, 0 to 1)", "Trust, cohesion and civic life", "score", +1),
    "jobs_found": ("Jobs found", "Public services", "count", +1),
    "waiting_list": ("People on a waiting list", "Public services", "people", -1),
    "burnout_mean": ("Staff burnout (mean, 0 to 1)", "Staff: burnout, turnover and vacancies", "score", -1),
    "vacancies": ("Vacant posts", "Staff: burnout, turnover and vacancies", "count", -1),
    "cost_to_date": ("Cost to date", "Costs", "GBP", -1),
    "savings_to_date": ("Promised savings to date", "Costs", "GBP", +1),
}
META_VARS = ("indicator_label", "indicator_category", "indicator_unit", "indicator_better")


@dataclass
class Layout:
    groups: list
    indicators: list
    descriptions: list
    by_group: set  # indicators the model records for groups other than "all"
    meta: dict     # name: socius.files.Indicator, from the file or (before the engine wrote it) STAND_IN
    from_file: bool

    def label(self, name):
        return self.meta[name].label

    def heading(self, name):
        c = self.meta[name].category
        return c[:1].upper() + c[1:]


@pytest.fixture(scope="module")
def layout(real_comparison):
    """The community model's groups and indicators, as a real comparison records them."""
    with xr.open_dataset(real_comparison, engine="h5netcdf") as ds:
        groups = [str(g) for g in ds["group"].values]
        indicators = [str(n) for n in ds["indicator"].values]
        descriptions = [str(d) for d in ds["indicator_description"].values]
        others = ds["indicators"].sel(group=[g for g in groups if g != "all"])
        by_group = {n for n in indicators if np.isfinite(others.sel(indicator=n).values).any()}
        from_file = "indicator_label" in ds
        meta = socius.files.indicators(ds)
    if not from_file:
        meta = {}
        for n, d in zip(indicators, descriptions):
            label, category, unit, better = STAND_IN.get(n, (n, "Other indicators", "", 0))
            meta[n] = socius.files.Indicator(n, label, d, category, unit, better)
    return Layout(groups, indicators, descriptions, by_group, meta, from_file)


BUDGET = 1_000_000.0
# How much more (+) or less lonely each group is than everyone, in the synthetic comparison.
GRADIENT = {"quintile_1": 0.02, "quintile_2": 0.01, "quintile_4": -0.01, "quintile_5": -0.02,
            "age_16_24": 0.04, "age_75_plus": 0.02, "age_65_plus": 0.01, "parents": 0.15}


def fake_dataset(layout, replicates=4, seed=0, groups=None, extra_toml=("", "", "")):
    """A comparison laid out as ``socius compare`` writes it for the community model (its groups,
    indicators and descriptions, staff and costs for group "all" only), over 10 years, with known
    effects: early action lowers loneliness by 1 point from year 1 in every replicate (plus small
    noise) and spends the budget evenly over 10 years; structural reform raises burnout for two
    years and spends 60% of the budget, changing nothing else."""
    rng = np.random.default_rng(seed)
    names = ["baseline", "early_action", "structural_reform"]
    groups = list(layout.groups if groups is None else groups)
    time = np.arange(0, 521, 4)
    S, R, T, G, I = len(names), replicates, len(time), len(groups), len(layout.indicators)
    v = np.full((S, R, T, G, I), np.nan)
    shared = rng.normal(0, 0.003, (1, R, T, G))  # common to all scenarios in a replicate: paired
    own = rng.normal(0, 0.0005, (S, R, T, G))
    gradient = np.array([GRADIENT.get(g, 0.0) for g in groups])
    step = np.arange(S)[:, None, None, None]  # scenarios apart, so each one's line shows
    per_run = lambda x: np.broadcast_to(np.asarray(x)[..., None], (S, R, T, G))  # noqa: E731
    for j, (name, desc) in enumerate(zip(layout.indicators, layout.descriptions)):
        if "cumulative" in desc:
            v[..., j] = per_run(np.cumsum(rng.poisson(3, (S, R, T)), axis=2))
        elif "0-1" in desc or name.endswith(("_share", "_mean")) or name == "clustering":
            v[..., j] = 0.5 + 0.01 * step + shared + own
        else:
            v[..., j] = 10 + step + 100 * shared
    ix = {n: j for j, n in enumerate(layout.indicators)}  # a KeyError here: the model renamed one
    lonely = 0.06 + gradient + shared + own
    lonely[1] -= 0.01 * (time >= 52)[None, :, None]
    v[..., ix["lonely_share"]] = lonely
    v[..., ix["no_contact_share"]] = 0.03 + 0.002 * step + shared + own
    v[..., ix["trust_share"]] = 0.41 + 0.005 * step - gradient + shared + own
    jobs = np.cumsum(8.0 + rng.poisson(2, (S, R, T)), axis=2)
    jobs[1] += np.cumsum(0.5 * (time > 0))
    v[..., ix["jobs_found"]] = per_run(jobs)
    v[..., ix["waiting_list"]] = per_run(rng.poisson(40, (S, R, T)))
    burnout = 0.3 + rng.normal(0, 0.01, (S, R, T))
    burnout[2] += 0.1 * ((time >= 26) & (time < 130))
    v[..., ix["burnout_mean"]] = per_run(burnout)
    v[..., ix["vacancies"]] = per_run(rng.poisson(3, (S, R, T)))
    cost = np.zeros((S, R, T))
    cost[1] = BUDGET * time / 520
    cost[2] = 0.6 * BUDGET * time / 520
    v[..., ix["cost_to_date"]] = per_run(cost)
    v[..., ix["savings_to_date"]] = 0.0
    v[..., ix["residents"]] = 20000.0 + 10 * step
    for j, name in enumerate(layout.indicators):
        if name not in layout.by_group:  # staff, costs: recorded for everyone only, as the model does
            v[:, :, :, [g != "all" for g in groups], j] = np.nan
    tomls = [f'model = "community"\nname = "{n}"\ndescription = "the {n} scenario"\n\n[budget]\n'
             f"total = {0.0 if n == 'baseline' else BUDGET}\n\n[simulation]\npopulation = 20000\n"
             f"steps = 520\nburn_in = 104\nrecord_every = 4\n\n[policy.hubs]\n"
             f"enabled = {str(n == 'early_action').lower()}\n{extra}"
             for n, extra in zip(names, extra_toml)]
    seeds = np.array([socius._core.derive_seed(99, r) for r in range(R)], dtype=np.uint64)
    text = lambda xs: np.array(list(xs), dtype=object)  # noqa: E731
    return xr.Dataset(
        {"indicators": (("scenario", "replicate", "time", "group", "indicator"), v),
         "wall_seconds": (("scenario", "replicate"), np.ones((S, R))),
         "indicator_description": ("indicator", text(layout.descriptions)),
         "indicator_label": ("indicator", text(layout.meta[n].label for n in layout.indicators)),
         "indicator_category": ("indicator", text(layout.meta[n].category for n in layout.indicators)),
         "indicator_unit": ("indicator", text(layout.meta[n].unit for n in layout.indicators)),
         "indicator_better": ("indicator", np.array([layout.meta[n].better for n in layout.indicators],
                                                    dtype=np.int8))},
        coords={"scenario": text(names), "replicate": np.arange(R),
                "time": ("time", time, {"units": "steps"}), "group": text(groups),
                "indicator": text(layout.indicators), "seed": ("replicate", seeds),
                "scenario_toml": ("scenario", text(tomls)),
                "scenario_hash": ("scenario", text(f"{i:016x}" for i in range(S))),
                "scenario_description": ("scenario", text(f"the {n} scenario" for n in names)),
                "scenario_source": ("scenario", text(f"scenarios/{n}.toml" for n in names)),
                "population": ("scenario", np.full(S, 20000)),
                "budget": ("scenario", np.array([0.0, BUDGET, BUDGET]))},
        attrs={"format": "socius-comparison-1", "model": "community", "master_seed": "99",
               "replicates": R, "baseline": "baseline", "steps": 520, "burn_in": 104, "record_every": 4,
               "engine_version": socius.__version__, "git_revision": "test", "python_version": "3",
               "command": "test", "threads_per_run": 1, "workers": 1, "created": "2026-11-30T08:00:00Z",
               "scenarios": S})


# Indicators of each kind: shares, a cumulative count, money (and what cost per outcome needs).
HEADLINE = ["lonely_share", "no_contact_share", "trust_share", "jobs_found", "cost_to_date"]


def fake_community(path, layout, **kwargs):
    fake_dataset(layout, **kwargs).to_netcdf(path, engine="h5netcdf")
    return path


def tiny_run(tmp_path):
    """A socius run results file that takes a moment to make."""
    return socius.run(socius.Scenario.from_dict({"model": "davidsen", "simulation": {
        "population": 50, "steps": 2, "burn_in": 0}}), tmp_path / "run.h5", seed=1, progress=False)


@pytest.fixture
def plain_pages(monkeypatch):
    """The report's page replaced by a short one (no figures), for the tests of where and whether a
    report is written: those rules do not depend on the page, and drawing figures takes seconds."""
    report_module = importlib.import_module("socius.report.comparison")
    monkeypatch.setattr(report_module, "page", lambda d: (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Simulation results: "
        f"{d.scenarios[0]}</title></head><body><p>{len(d.indicators)} indicators</p></body></html>\n"))


# -- statistics -----------------------------------------------------------------------------------
def test_t_quantiles_match_published_tables():
    for df, expected in ((1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (29, 2.0452), (1000, 1.9623)):
        assert t_quantile(df) == pytest.approx(expected, abs=1e-4)
    assert t_quantile(1) == pytest.approx(T_975_1, rel=1e-9)
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


# -- the figures checks themselves ----------------------------------------------------------------
def test_the_figure_checks_reject_blank_legend_only_and_repeated_figures():
    """What check_figures must catch: a blank PNG of the right size, a figure whose scenario
    colours are only in its legend, the same picture twice, and an image Chromium laid out at 0."""
    from matplotlib.figure import Figure

    def embed(fig=None, size=(760, 350)):
        buf = io.BytesIO()
        if fig is None:
            Image.new("RGB", size, "white").save(buf, format="PNG")
        else:
            fig.savefig(buf, format="png", dpi=100)
        data = base64.b64encode(buf.getvalue()).decode()
        return f'<img src="data:image/png;base64,{data}" alt="a figure for the test, described">'

    def figure(plot_lines, offset=0.0):
        from matplotlib.lines import Line2D

        fig = Figure(figsize=(7.6, 3.5), dpi=100, layout="constrained")
        ax = fig.subplots()
        for k, colour in enumerate((ORANGE, BLUE)):
            if plot_lines:
                ax.plot([0, 1, 2], [k + offset, k + 1, k], color=colour)
        ax.set_ylim(-1, 4)
        fig.legend([Line2D([], [], color=c) for c in (ORANGE, BLUE)], ["a", "b"], loc="outside upper center",
                   ncols=2, frameon=False)
        return embed(fig)

    good, other = figure(True), figure(True, offset=0.5)
    assert check_figures(good + other, (ORANGE, BLUE)) == 2
    legend_only = figure(False)
    assert pixels_near(Image.fromarray(png_pixels(Page(legend_only).images[0]["src"]).astype(np.uint8)), ORANGE) > 0
    for bad in (embed(), legend_only, good + good):
        with pytest.raises(AssertionError):
            check_figures(bad, (ORANGE, BLUE))
    src = Page(good).images[0]["src"]
    laid_out = f'<img src="{src}" alt="a figure for the test, described" data-shown="true 760 350 0 0">'
    with pytest.raises(AssertionError):
        check_figures(good, (ORANGE, BLUE), dom=laid_out)


# -- the community model's layout --------------------------------------------------------------------
def test_fake_community_file_is_laid_out_like_a_real_comparison(real_comparison, layout, tmp_path):
    """The synthetic comparison file (the earlier comparison format, which the comparison page still
    reads) has the groups, indicators and indicator metadata of what a real comparison records."""
    fake = fake_community(tmp_path / "f.h5", layout, replicates=2)
    with xr.open_dataset(real_comparison, engine="h5netcdf") as a, xr.open_dataset(fake, engine="h5netcdf") as b:
        assert a.attrs["format"] == "socius-appraisal-1" and b.attrs["format"] == "socius-comparison-1"
        for coord in ("group", "indicator", "indicator_description") + (META_VARS if layout.from_file else ()):
            assert list(a[coord].values) == list(b[coord].values), coord
        # Indicators recorded for everyone only (staff, costs) are NaN in every other group in both.
        for name in layout.indicators:
            others = [g for g in layout.groups if g != "all"]
            real = np.isfinite(a["indicators"].sel(indicator=name, group=others).values).any()
            assert real == np.isfinite(b["indicators"].sel(indicator=name, group=others).values).any(), name
    assert "age_35_44" in layout.groups and "lonely_share" in layout.by_group
    assert "burnout_mean" not in layout.by_group


# -- whole reports in Chromium ----------------------------------------------------------------------
def test_davidsen_comparison_report_renders_in_chromium(tmp_path):
    """A comparison of a model that records no costs: the page is the comparison of its indicators,
    headline first, with paired differences and their intervals; an option identical to the
    baseline differs by 0 in every run, said so and not called a clear difference."""
    scenarios = []
    for name, p in (("base", 0.05), ("more_meetings", 0.3), ("same_as_base", 0.05)):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'model = "davidsen"\nname = "{name}"\ndescription = "p = {p}"\n'
                        f"[simulation]\npopulation = 400\nburn_in = 5\nsteps = 60\n[davidsen]\np = {p}\n")
        scenarios.append(path)
    out = socius.compare(scenarios, replicates=3, seed=3, output=tmp_path / "cmp.h5", workers=2, progress=False)
    index = socius.report(out, tmp_path / "report")
    assert index == tmp_path / "report" / "index.html"
    text = index.read_text()
    check_self_contained(text, Page(text))

    dom, shot = render(index, tmp_path)
    page = Page(dom)
    # Every figure shows all three options inside its axes and is on screen at its size.
    check_figures(text, (ORANGE, BLUE), dom)
    check_painted_with_figures(index, shot, tmp_path, (ORANGE, BLUE))
    for heading in ("Comparison: base, more_meetings, same_as_base", "The answer in brief", "What was appraised",
                    "Indicators over time", "How to read this page"):
        assert page.heading(heading), heading
    assert not page.heading("By deprivation quintile")  # davidsen has no such groups, and no costs
    assert "The model records no cost_pv, lonely_years_pv" in dom
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        ties = socius.files.indicators(ds)["ties"].label
    row = table_after(page, "The answer in brief", ties)  # indicator, baseline, two options
    assert len(row) == 4 and row[3].endswith(" 0 [the same in every run: no interval]"), row
    assert re.fullmatch(r"[\d,]+ -[\d,.]+ \[-[\d,.]+ to -[\d,.]+\] \*", row[2]), row  # more meetings: fewer ties
    assert "--population 400" in dom and "--seed 3" in dom


NUMBER = re.compile(r"([-+]?)(£?)(\d[\d,]*)(?:\.(\d+))?([km]?)")
RATE = re.compile(r"\([^()]*per 1,000 residents\)|\[the same in all \d+ replicates: no interval\]|points \(0-100\)")


def shown(cell):
    """The numbers in a table cell, each with half of its last shown digit (its rounding): money
    as the page shows it (``£1.29m``, ``-£450k``); rates per 1,000 and notes left out."""
    out = []
    for m in NUMBER.finditer(RATE.sub("", cell)):
        sign, _, whole, frac, suffix = m.groups()
        scale = {"k": 1e3, "m": 1e6}.get(suffix, 1.0)
        x = float(whole.replace(",", "") + ("." + frac if frac else "")) * scale * (-1 if sign == "-" else 1)
        out.append((x, 0.5 * 10.0 ** -len(frac or "") * scale))
    return out


def agrees(number, value):
    x, rounding = number
    return abs(x - value) <= rounding * (1 + 1e-9) + 1e-12


def test_report_of_a_real_community_comparison_shows_the_files_numbers(real_comparison, tmp_path):
    index = socius.report(real_comparison, tmp_path / "report")
    text = index.read_text()
    check_self_contained(text, Page(text))
    dom, shot = render(index, tmp_path)
    page = Page(dom)
    check_figures(text, (ORANGE,), dom)  # early action, in every figure, inside the axes
    check_painted_with_figures(index, shot, tmp_path, (ORANGE,))

    a = socius.appraise.load(real_comparison)
    assert a.options == ["baseline", "early_action"] and not a.uncertain and a.replicates == 2
    assert page.heading("Comparison: baseline, early_action") and page.heading("Every indicator at 6 weeks")
    assert "400 residents" in dom and "20,000 residents" not in dom  # the run's population, never the file's
    assert "--population 400" in dom
    table = [t for t in page.tables if t["after"] == "Every indicator at 6 weeks"][0]["rows"]
    header = table[0]
    assert len(header) == 3 and header[1].startswith("baseline") and header[2].startswith("early_action")

    # Every indicator's row at the horizon: the baseline's mean, early action's mean, and the
    # paired difference with its 95% interval (t with 1 degree of freedom), as computed here.
    checked = 0
    for name in a.series.data_vars:
        v = a.series[name].sel(group="all").isel(time=-1).transpose("option", "draw", "replicate").values
        v = v.reshape(2, -1)
        unit = a.indicators[name]["unit"]
        row = [r for r in table[1:] if len(r) > 1 and r[0].endswith(f" {name}")]
        assert len(row) == 1 and len(row[0]) == 3, (name, row)
        _, base_cell, cell = row[0]
        if not np.isfinite(v).any():  # recorded only every few weeks
            assert base_cell == "n/a" and cell.startswith("n/a"), (name, base_cell, cell)
            continue
        level = 100.0 if unit == "share" else 1.0       # levels: shares in percent
        scale = 100.0 if unit in ("share", "score") else 1.0  # differences: pp, points of 100
        d = (v[1] - v[0]) * scale
        half = T_975_1 * d.std(ddof=1) / math.sqrt(2)
        expected = [v[0].mean() * level, v[1].mean() * level, d.mean(), d.mean() - half, d.mean() + half]
        if d[0] == d[1]:  # identical replicates: no interval, and not called a clear difference
            assert "the same in every run: no interval" in cell and "*" not in cell, (name, cell)
            expected = expected[:3]
        numbers = shown(base_cell) + shown(cell)
        assert len(numbers) == len(expected), (name, base_cell, cell)
        assert all(agrees(n, e) for n, e in zip(numbers, expected)), (name, base_cell, cell, expected)
        assert cell.endswith("*") == (half > 0 and (d.mean() - half > 0 or d.mean() + half < 0)), (name, cell)
        checked += 1
    assert checked >= 20
    # Early action has spent money by week 6, the same in both replicates: a zero-width interval,
    # which is no evidence of a clear difference, so it is said and not marked.
    cost = a.series["cost_to_date"].sel(group="all").isel(time=-1).values.reshape(2, -1)
    assert cost[1].mean() > 1000 and cost[0].max() == 0 and cost[1][0] == cost[1][1]
    cell = table_after(page, "Every indicator at 6 weeks", a.indicators["cost_to_date"]["label"])[2]
    assert cell.endswith("[the same in every run: no interval]") and "*" not in cell


def test_community_like_report_has_groups_costs_and_staff(layout, tmp_path):
    path = fake_community(tmp_path / "community.h5", layout)
    index = socius.report(path, tmp_path / "report")
    text = index.read_text()
    check_self_contained(text, Page(text))
    dom, _ = render(index, tmp_path, shot=False)
    page = Page(dom)
    figures = check_figures(text, (ORANGE, BLUE), dom)
    for heading in ("By neighbourhood deprivation", "By age", "Other groups", "Cost per outcome",
                    layout.heading("burnout_mean"), layout.heading("lonely_share"),
                    "At 1 year (week 52)", "At 5 years (week 260)", "At 10 years (week 520)"):
        assert page.heading(heading), heading
    alts = [img["alt"] for img in page.images]
    for kind in ("deprivation quintile", "age band", "group"):  # levels, then paired differences
        assert any(a.startswith(f"Indicators by {kind} at 10 years") for a in alts), kind
        assert any(a.startswith(f"Paired differences from the baseline by {kind} at 10 years") for a in alts), kind
    for theme in (layout.heading("lonely_share") + ":", layout.heading("trust_share") + ":",
                  layout.heading("cost_to_date") + ":",
                  layout.heading("burnout_mean") + ":"):
        assert any(a.startswith(theme) for a in alts), theme
    assert figures == len(alts)
    assert "Groups recorded" in dom and ", ".join(layout.groups) in dom
    # Early action lowers loneliness by 1 point: clear, paired, in percentage points.
    row = table_after(page, "At 10 years", layout.label("lonely_share"))
    m = re.fullmatch(r"\d+\.\d% (-\d+\.\d+) pp \[(-\d+\.\d+) to (-\d+\.\d+)\] \*", row[2])
    assert m, row[2]
    assert float(m.group(1)) == pytest.approx(-1.0, abs=0.1)
    # Structural reform does nothing to loneliness here: the interval includes zero, no asterisk.
    assert "[" in row[3] and "*" not in row[3]
    # Cost per percentage point of loneliness reduced: about 1,000,000 for 1 point at 10 years.
    costs = [t for t in page.tables if "at 10 years" in t["after"] and "Cost per unit of gain" in t["rows"][0]][0]
    per_unit, scenario = {}, None
    for r in costs["rows"][1:]:
        if len(r) == 4:
            scenario, r = r[0], r[1:]
        per_unit[scenario, r[0]] = r[2]
    lonely = f"{layout.label('lonely_share')}: 1 percentage point lower"
    per_point = shown(per_unit["early_action", lonely])
    assert len(per_point) == 1 and per_point[0][0] == pytest.approx(BUDGET, rel=0.15)
    assert per_unit["structural_reform", lonely] == "no clear gain"
    # A running total of a count says so: "Jobs found to date".
    jobs = [k for sc, k in per_unit if sc == "early_action" and k.startswith(layout.label("jobs_found") + " to date")]
    assert jobs == [f"{layout.label('jobs_found')} to date: 1 more"], jobs
    assert re.fullmatch(r"£[\d,.]+[km]?", per_unit["early_action", jobs[0]])
    # The summary says which differences are for the better, as the file's indicator_better says.
    label = layout.label("lonely_share")
    assert re.search(re.escape(label[:1].lower() + label[1:]) + r": [\d.]+ pp lower, better", dom)
    assert "policy.hubs.enabled" in dom  # parameter differences from the baseline
    assert "Amounts are in pounds sterling (GBP)." in dom


def test_single_run_and_single_replicate_reports_say_intervals_are_unavailable(tmp_path, small_scenario, layout):
    run = socius.run(small_scenario, tmp_path / "run.h5", seed=4, progress=False)
    r = cli("report", run)  # default folder: beside the file
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "run_report" / "index.html").read_text()
    page = Page(text)
    check_self_contained(text, page)
    check_figures(text, ())  # one scenario, drawn near-black like the text: axes and distinct pictures
    assert page.heading("Simulation results: small") and "intervals are <strong>unavailable</strong>" in text
    assert page.heading("At week 10")

    one = tmp_path / "one.h5"  # the headline indicators of one replicate, for everyone
    fake_dataset(layout, replicates=1, groups=["all"]).sel(indicator=HEADLINE).to_netcdf(one, engine="h5netcdf")
    text = socius.report(one, tmp_path / "one").read_text()
    page = Page(text)
    assert "unavailable" in text
    row = table_after(page, "At 10 years", layout.label("lonely_share"))
    assert "no interval: 1 replicate" in row[2]
    assert "*" not in " ".join(row)


# -- numbers as people read them -------------------------------------------------------------------
def test_report_text_shows_numbers_as_people_read_them(layout, tmp_path):
    # A parameter list holding a date and a float, and an indicator whose values are tiny.
    ds = fake_dataset(layout, replicates=2, groups=["all"], extra_toml=(
        "\n[extra]\nwhen = [2024-05-01, 0.1]\nat = 09:30:00\n", "\n[extra]\nwhen = [2024-06-01, 0.25]\nat = 10:00:00\n",
        "\n[extra]\nwhen = [2024-05-01, 0.1]\nat = 09:30:00\n"))
    ds = ds.sel(indicator=HEADLINE + ["civic_efficacy_mean", "waiting_list"])  # each kind of number
    j = list(ds["indicator"].values).index("waiting_list")
    ds["indicators"][..., j] = 2.5e-5
    ds = ds.assign_coords(budget=("scenario", np.array([0.0, 1234567.891, BUDGET])))
    ds.to_netcdf(tmp_path / "numbers.h5", engine="h5netcdf")
    text = visible_text(socius.report(tmp_path / "numbers.h5", tmp_path / "report").read_text())
    for ugly in (r"np\.\w+\(", r"datetime\.\w+\(", r"\d\.\d{12,}", r"\de[-+]?\d", r"numpy"):
        assert not re.search(ugly, text), (ugly, re.search(ugly, text))
    page = Page(text)
    differs = {r[0]: r[1:] for t in page.tables if t["after"] == "early_action" for r in t["rows"]}
    assert differs["extra.when"] == ["[2024-05-01, 0.1]", "[2024-06-01, 0.25]"]  # as in the scenario
    assert differs["extra.at"] == ["09:30:00", "10:00:00"]
    assert table_after(page, "At 10 years", "People on a waiting list")[1] == "0.000025"
    assert table_after(page, "What was compared", "early_action")[3] == "1,234,568"


# -- the report folder -------------------------------------------------------------------------------
def test_a_folder_holding_other_files_is_refused_unless_overwrite(tmp_path, plain_pages):
    run = tiny_run(tmp_path)
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.txt").write_text("my own work")
    (folder / "figures").mkdir()
    with pytest.raises(socius.ResultsError) as e:
        socius.report(run, folder)
    message = str(e.value)
    assert "\n" not in message and f"'{folder}'" in message and "'chapter1.txt'" in message
    assert "'figures/'" in message and "overwrite=True" in message
    assert sorted(p.name for p in folder.iterdir()) == ["chapter1.txt", "figures"]  # nothing written
    r = cli("report", run, "-o", folder)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "already holds files not written by a socius report" in r.stderr

    # Asked to, the page goes in beside them; the other files are left as they were.
    page = socius.report(run, folder, overwrite=True)
    assert page == folder / "index.html" and (folder / "chapter1.txt").read_text() == "my own work"
    assert sorted(p.name for p in folder.iterdir()) == ["chapter1.txt", "figures", "index.html"]

    # A folder holding only an earlier report (and what a file manager adds) is simply rewritten.
    again = tmp_path / "again"
    socius.report(run, again)
    (again / ".DS_Store").write_bytes(b"\0")
    before = (again / "index.html").stat().st_mtime_ns
    socius.report(run, again)
    assert sorted(p.name for p in again.iterdir()) == [".DS_Store", "index.html"]
    assert (again / "index.html").stat().st_mtime_ns >= before
    # An index.html that is not a socius report is someone else's page.
    (again / "index.html").write_text("<!DOCTYPE html><html><head><title>My site</title></head></html>")
    with pytest.raises(socius.ResultsError, match="'index.html'"):
        socius.report(run, again)
    assert "My site" in (again / "index.html").read_text()


def test_the_report_never_writes_outside_its_folder(tmp_path, plain_pages):
    run = tiny_run(tmp_path)
    outside = tmp_path / "outside.html"
    outside.write_text("keep me")
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "index.html").symlink_to(outside)  # a link planted where the page goes
    with pytest.raises(socius.ResultsError, match="'index.html'"):
        socius.report(run, folder)
    socius.report(run, folder, overwrite=True)
    assert outside.read_text() == "keep me"  # the link was replaced, not written through
    assert not (folder / "index.html").is_symlink() and "socius report" in (folder / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside.html", "report", "run.h5"]
    assert [p.name for p in folder.iterdir()] == ["index.html"]  # no temporary file left behind
    with pytest.raises(socius.ResultsError, match="it is a file, not a folder"):
        socius.report(run, outside)
    assert outside.read_text() == "keep me"


def test_report_takes_numpy_values_and_paths(tmp_path, plain_pages):
    run = tiny_run(tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    for flag in (np.bool_(True), np.array(True)):
        assert socius.report(np.str_(run), np.str_(folder), overwrite=flag) == folder / "index.html"
    with pytest.raises(socius.ResultsError):
        socius.report(run, folder, overwrite=np.bool_(False))
    with pytest.raises(TypeError, match="overwrite must be True or False, got str \"yes\""):
        socius.report(run, folder, overwrite="yes")


# -- files of the wrong kind -------------------------------------------------------------------------
def test_report_refuses_files_that_are_not_socius_output_in_one_line(tmp_path, plain_pages):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    text = tmp_path / "text.h5"
    text.write_text("hello")
    scenario = SCENARIOS / "baseline.toml"
    earlier = socius.report(tiny_run(tmp_path), tmp_path / "earlier")
    cases = ((foreign, "is an HDF5 file not written by socius (no attribute 'format')"),
             (text, "is a text file, not a comparison or results file"),
             (scenario, "is a scenario (TOML), not a comparison or results file; check it with: socius validate"),
             (earlier, "is a socius report page, not a comparison or results file; open it in a web browser"),
             (tmp_path, "is a folder, not a comparison or results file"),
             (tmp_path / "missing.h5", "does not exist"))
    for path, fragment in cases:
        with pytest.raises(socius.ResultsError) as e:
            socius.report(path, tmp_path / "out")
        assert f"'{path}'" in str(e.value) and fragment in str(e.value) and "\n" not in str(e.value), str(e.value)
    assert not (tmp_path / "out").exists()
    r = cli("report", foreign, "-o", tmp_path / "out")
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert f"'{foreign}' is an HDF5 file not written by socius" in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_results_file_locked_by_another_process_is_named_as_locked(tmp_path, plain_pages):
    run = tiny_run(tmp_path)
    with subprocess.Popen([sys.executable, "-c", "import sys, h5py\nf = h5py.File(sys.argv[1], 'a')\n"
                           "print('open', flush=True)\nsys.stdin.read()", str(run)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout.readline().strip() == "open"
            with pytest.raises(socius.ResultsError) as e:
                socius.report(run, tmp_path / "out")
            message = str(e.value)
            assert message.startswith(f"'{run}' is an HDF5 file locked by another process") and "\n" not in message
            assert "wait for that process to finish" in message
            r = cli("report", run, "-o", tmp_path / "out")
            assert r.returncode == 2 and "locked by another process" in r.stderr and "Traceback" not in r.stderr
        finally:
            holder.stdin.close()
            holder.wait(timeout=60)
    assert not (tmp_path / "out").exists()
    socius.report(run, tmp_path / "out")  # released: it reads


def test_a_horizon_of_zero_steps_gives_a_report_of_time_0(tmp_path):
    paths = []
    for name in ("a", "b"):
        paths.append(tmp_path / f"{name}.toml")
        paths[-1].write_text(f'model = "davidsen"\nname = "{name}"\n[simulation]\npopulation = 50\nburn_in = 0\n'
                             "steps = 0\n")
    r = cli("compare", *paths, "-r", 2, "--seed", 1, "-o", tmp_path / "z.h5", "--report", tmp_path / "rep", "-q")
    assert r.returncode == 0, r.stderr
    assert f"report written to {tmp_path / 'rep' / 'index.html'}" in r.stdout
    text = (tmp_path / "rep" / "index.html").read_text()
    # Time 0 (the end of burn-in) is always recorded, so the report has the state at time 0.
    assert "<table" in text and "<title>Comparison: a, b</title>" in text


# -- what each indicator is, read from the file -------------------------------------------------------
def add_indicator_metadata(path, labels, categories, units, better):
    """Writes the per-indicator variables the engine writes (along dimension "indicator"), by hand."""
    with h5py.File(path, "a") as f:
        for var, values in (("indicator_label", labels), ("indicator_category", categories),
                            ("indicator_unit", units), ("indicator_better", better)):
            if var in f:
                del f[var]
            if var == "indicator_better":
                ds = f.create_dataset(var, data=np.array(values, dtype=np.int8))
            else:
                ds = f.create_dataset(var, data=np.array(values, dtype=object), dtype=h5py.string_dtype())
            ds.dims[0].attach_scale(f["indicator"])


def test_report_reads_what_each_indicator_is_from_the_file(tmp_path):
    """Labels, category headings, units and "higher is better" come from the file, for any model."""
    scenarios = []
    for name, p in (("base", 0.05), ("more_meetings", 0.3)):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'model = "davidsen"\nname = "{name}"\n'
                        f"[simulation]\npopulation = 400\nburn_in = 5\nsteps = 60\n[davidsen]\np = {p}\n")
        scenarios.append(path)
    out = socius.compare(scenarios, replicates=3, seed=3, output=tmp_path / "cmp.h5", workers=2, progress=False)
    with h5py.File(out, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["indicator"][()]]
    add_indicator_metadata(out, [f"The {n.replace('_', ' ')}" for n in names],
                           ["ties" if n in ("ties", "mean_degree") else "Network shape" for n in names],
                           ["ties" if n == "ties" else "" for n in names],
                           [-1 if n == "ties" else 0 for n in names])
    text = socius.report(out, tmp_path / "after").read_text()
    page = Page(visible_text(text))
    assert ("h3", "Ties") in page.headings and ("h3", "Network shape") in page.headings
    row = table_after(page, "The answer in brief", "The ties ties")  # label, name
    assert re.fullmatch(r"[\d,]+ -[\d,.]+ \[-[\d,.]+ to -[\d,.]+\] \*", row[2])  # more meetings: fewer ties


# -- numbers as a commission reads them (the list of faults, each kind) ------------------------
def test_differences_read_at_the_precision_their_interval_supports():
    from socius.report import fmt

    # A 0-1 score's difference in points of 100, a share's in percentage points: not -0.00573 [...].
    assert fmt.difference(-0.00573, "score", -0.00893, -0.00254) == "-0.57 points (0-100)"
    assert fmt.interval_text(-0.00893, -0.00254, "score", -0.00573) == "-0.89 to -0.25"
    assert fmt.difference(-0.00573, "share", -0.00893, -0.00254) == "-0.57 pp"
    assert fmt.difference(0.0123, "share", 0.0050, 0.0196) == "+1.23 pp"  # half-width 0.73 pp: 2 figures
    # Counts: never more than four significant figures, thousands separated, no exponent.
    assert fmt.difference(297.99, "count", 297.86, 298.10) == "+298.0"
    assert fmt.interval_text(297.86, 298.10, "count", 297.99) == "+297.9 to +298.1"
    assert fmt.difference(-12_345.6, "count", -13_000, -11_000) == "-12,346"
    assert fmt.num(2.5e-5) == "0.000025" and fmt.num(1234567.891) == "1,234,568"
    # Money as money, signed when it is a difference.
    assert [fmt.money(x) for x in (2_590_000, 450_000, 12_345, 123, 0)] == ["£2.59m", "£450k", "£12.3k", "£123", "£0"]
    assert fmt.difference(-360_000, "GBP") == "-£360k" and fmt.difference(1_290_000, "GBP") == "+£1.29m"
    # Counts to date per 1,000 residents; probabilities as percentages that never round to 0 or 100.
    assert fmt.per_thousand(74, 20_000) == "3.7 per 1,000 residents"
    assert [fmt.percent(p) for p in (0.004, 0.62, 0.996, 0.0, 1.0)] == ["<1%", "62%", ">99%", "0%", "100%"]


def test_scenario_descriptions_give_the_runs_population_not_the_files():
    from socius.report import fmt

    # A description that states a population, as older scenario files did ("The borough as it is:
    # 20,000 residents in ..."); the shipped ones no longer state one (issue 16: the same borough
    # at any size), so the rule is checked on a description of that older kind.
    base = ("The borough as it is: 20,000 residents in 13 neighbourhoods of five deprivation "
            "quintiles, services as now, no new policy.")
    shown_ = fmt.description_for(base, 10_000)
    assert "10,000 residents" in shown_ and "20,000" not in shown_
    hubs = "a hub in each neighbourhood (6 hubs at 20,000 residents) for ten years"
    assert fmt.description_for(hubs, 10_000) == hubs  # a scale, still true at any size
    assert fmt.description_for(base, 20_000) == base and fmt.stated_populations(base) == {20_000}


def test_a_zero_width_interval_is_never_called_a_clear_difference():
    from socius.report import comparison

    # Two replicates, the second scenario higher by exactly 5 in both: a zero-width interval.
    values = np.zeros((2, 2, 1, 1, 2))
    values[1, :, 0, 0, 0] = 5.0
    values[:, :, 0, 0, 1] = [[1.0, 2.0], [3.0, 5.0]]  # differences 2 and 3: an interval with a width
    meta = {n: socius.files.Indicator(n, n.title(), "", "", "count", -1) for n in ("flat", "spread")}
    d = comparison._Data(kind="comparison", path=Path("x.h5"), values=values, scenarios=["a", "b"],
                         descriptions=["", ""], tomls=["", ""], hashes=["", ""], sources=["", ""],
                         population=[1000, 1000], budget=[math.nan, math.nan], time=np.array([52]), groups=["all"],
                         indicators=["flat", "spread"], meta=meta, seeds=["1", "2"], master_seed="3")
    cell = comparison._difference_cell(d, 1, 0, 0, 0)
    assert "the same in all 2 replicates: no interval" in cell and "*" not in cell and "clear" not in cell
    sentences = " ".join(comparison._sentences(d, 0))
    assert "Clear differences" not in sentences.split("Flat")[0] and "so no interval can be estimated" in sentences
    m, h, n, flat = comparison._paired(d, 1, 0, 0, 1)
    assert (m, n, flat) == (2.5, 2, False) and h == pytest.approx(T_975_1 * 0.5)  # sd 0.707, sd / sqrt(2) = 0.5


def test_bands_of_quantities_that_cannot_be_negative_stop_at_zero():
    from socius.report.figures import band
    from socius.report.stats import percentile_interval

    counts = np.array([[0.0, 10.0], [0.0, 0.0], [3.0, 0.0]])  # few replicates, mean near zero
    mean, lo, hi = band(counts, nonnegative=True)
    assert (lo >= 0).all() and (hi >= mean).all() and lo[0] == 0.0
    mean, lo, _ = band(counts)  # a difference may be negative: its band is left as it is
    assert lo[0] < 0
    _, lo, hi = band(np.array([[0.99], [1.0], [0.2]]) * 100, nonnegative=True, upper=100.0)
    assert hi[0] <= 100.0
    m, p_lo, p_hi = percentile_interval(np.arange(101.0))
    assert (m, p_lo, p_hi) == (50.0, 2.5, 97.5)


def test_the_reproduce_command_has_the_population_and_horizon(layout, tmp_path):
    from socius.report import comparison

    path = fake_community(tmp_path / "c.h5", layout, replicates=3)
    words = comparison.reproduce_command(comparison.load(path)).split()
    assert words[:2] == ["socius", "compare"] and words[2:5] == [f"scenarios/{n}.toml" for n in
                                                                ("baseline", "early_action", "structural_reform")]
    assert words[words.index("--population") + 1] == "20000" and words[words.index("--steps") + 1] == "520"
    assert "simulation.burn_in=104" in words and words[words.index("--seed") + 1] == "99"
    assert words[words.index("--replicates") + 1] == "3"
    # An appraisal's command always carries its population, even where the recorded one did not.
    from socius.appraise.testing import synthetic
    from socius.report.appraisal import _command

    a = synthetic(draws=4, replicates=1, population=3000)
    a.command = "socius appraise a.toml b.toml --draws 4 --seed 1 --out x"
    assert _command(a).split()[-4:] == ["--population", "3000", "--steps", "520"]


def test_the_first_screen_is_the_summary_and_the_detail_is_folded(layout, tmp_path):
    """The comparison page opens on its summary and what each scenario costs; the figures are
    folded below, so the page a reader first sees is short (not 26,000 px and 40 charts)."""
    path = fake_community(tmp_path / "community.h5", layout, replicates=3)
    index = socius.report(path, tmp_path / "report")
    text = index.read_text()
    probe = tmp_path / "first.html"
    probe.write_text(text.replace("</body>", LAYOUT_PROBE + "</body>"))
    dom = _chromium(["--dump-dom", "--window-size=1280,900"], probe.resolve().as_uri(), tmp_path)
    shown_ = re.search(r"data-layout=[\"']([^\"']*)", dom).group(1).split()
    height, visible_images, first = int(shown_[0]), int(shown_[1]), shown_[2]
    assert first == "summary"
    assert visible_images == 0  # every figure is in a folded section
    assert height < 6000, height
    page = Page(visible_text(text))
    headings = [h for _, h in page.headings]
    assert headings.index("Summary") < headings.index("What was compared, and under which assumptions")
    assert page.heading("What each scenario costs")
    assert table_after(page, "What each scenario costs", "early_action")[2] == "£1m"  # cost to date at 10 years


# Appended to a copy of a page: the page's height, how many images are laid out at a non-zero
# size, and the id of the first section, as Chromium lays the page out unopened.
LAYOUT_PROBE = ("<script>addEventListener('load', () => { const shown = [...document.images].filter(i => "
                "i.checkVisibility() && i.getBoundingClientRect().width > 0).length; const first = document.querySelector("
                "'section, details.detail'); document.body.setAttribute('data-layout', [document.documentElement"
                ".scrollHeight, shown, first ? first.id : 'none'].join(' ')); });</script>")


# -- the appraisal page ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def appraisal():
    from socius.appraise.testing import synthetic

    return synthetic(draws=40, replicates=2, population=10_000)


def cell_numbers(cell):
    """(mean, lo, hi) as (value, rounding) pairs from a cell "+£1.29m [+£1.1m to +£1.5m]"."""
    numbers = shown(cell)
    assert len(numbers) in (1, 3), cell
    return numbers


def test_appraisal_report_renders_in_chromium_with_its_headline_first(appraisal, tmp_path):
    a = appraisal
    index = socius.report.write(a, tmp_path / "report")
    assert index == tmp_path / "report" / "index.html"
    text = index.read_text()
    check_self_contained(text, Page(text))

    # Unopened, as a reader first sees it: the headline is the first section, on the first screen.
    probe = tmp_path / "first.html"
    probe.write_text(text.replace("</body>", LAYOUT_PROBE + HEADLINE_PROBE + "</body>"))
    dom = _chromium(["--dump-dom", "--window-size=1280,900"], probe.resolve().as_uri(), tmp_path)
    height, _, first = re.search(r"data-layout=[\"']([^\"']*)", dom).group(1).split()
    assert first == "headline"
    top = int(re.search(r"data-headline-top=[\"'](\d+)", dom).group(1))
    assert top < 900, top  # the answer starts on the first screen
    page = Page(dom)
    headings = [h for _, h in page.headings]
    order = ["The answer in brief", "Which option is best, and how sure", "The parameters the answer hangs on",
             "What was appraised", "By deprivation quintile, and the equity-weighted total"]
    assert [headings.index(h) for h in order] == sorted(headings.index(h) for h in order)

    # Opened: every figure is a picture of the data, on screen at its size. The answer's figures
    # (acceptability curves, tornado, quintiles) show both; over time, the made-up options coincide
    # in some indicators (one line hides another), so those are checked as pictures only.
    dom_open, shot = render(index, tmp_path)
    assert check_figures(text, (ORANGE, BLUE), dom_open, coloured=lambda alt: "over time" not in alt) >= 6
    check_painted_with_figures(index, shot, tmp_path, (ORANGE, BLUE))

    # The headline numbers, read back from the page, are the appraisal's.
    inc = a.incremental
    for o in a.options[1:]:
        row = table_after(page, "What each option costs", o)
        buys = [r for t in page.tables if "What it buys" in t["after"] for r in t["rows"] if r and r[0] == o][0]
        for cell, var in zip(buys[1:4], ("d_cost", "d_lonely_years", "d_effect")):
            numbers = cell_numbers(cell)
            expected = [float(inc[var].sel(option=o, stat=s)) for s in ("mean", "p2_5", "p97_5")]
            assert all(agrees(n, e) for n, e in zip(numbers, expected)), (o, var, cell, expected)
        numbers = cell_numbers(buys[4])
        expected = [float(inc["d_net_benefit"].sel(option=o, stat=s)) for s in ("mean", "p2_5", "p97_5")]
        assert all(agrees(n, e) for n, e in zip(numbers, expected)), (o, buys[4], expected)
        p_best = float(a.prob_best.sel(option=o))
        assert buys[-1] == socius.report.fmt.percent(p_best), (buys[-1], p_best)
        cost = a.per_draw["cost_pv"].sel(option=o, group="all").mean()
        assert agrees(cell_numbers(row[1])[0], float(cost)), (row, float(cost))
    # Early action against structural reform: the paired difference in net benefit over draws x replicates.
    pair = [r for t in page.tables if "early_action against structural_reform" in t["after"] for r in t["rows"]]
    nb = [r for r in pair if r and r[0].startswith("Net benefit")][0]
    runs = a.per_run["net_benefit_gbp"].sel(group="all")
    d = (runs.sel(option="early_action") - runs.sel(option="structural_reform")).values.ravel()
    expected = [d.mean(), np.percentile(d, 2.5), np.percentile(d, 97.5)]
    assert all(agrees(n, e) for n, e in zip(cell_numbers(nb[1]), expected)), (nb, expected)
    # The command that repeats it has the population; the descriptions are of this population.
    assert f"--population {a.population}" in visible_text(dom) and "20,000 residents" not in visible_text(dom)


HEADLINE_PROBE = ("<script>addEventListener('load', () => { const h = document.getElementById('headline'); "
                  "document.body.setAttribute('data-headline-top', Math.round(h.getBoundingClientRect().top)); "
                  "});</script>")


def test_a_plain_comparison_is_the_same_page_without_the_parameter_uncertainty(tmp_path):
    from socius.appraise.testing import synthetic

    a = synthetic(uncertain=False, replicates=3, population=5_000)
    text = socius.report.write(a, tmp_path / "report").read_text()
    page = Page(visible_text(text))
    assert page.heading("Comparison: baseline") and page.heading("The answer in brief")
    for absent in ("Which option is best", "The parameters the answer hangs on", "Probability best"):
        assert absent not in text, absent
    assert "chance only" in text and "does not include uncertainty about the parameters" in text
    buys = [r for t in page.tables if "What it buys" in t["after"] for r in t["rows"]]
    row = [r for r in buys if r and r[0] == "early_action"][0]
    expected = [float(a.incremental["d_cost"].sel(option="early_action", stat=s)) for s in ("mean", "p2_5", "p97_5")]
    assert agrees(cell_numbers(row[1])[0], expected[0])
    assert "--population 5000" in text


def test_an_appraisal_file_is_reported_by_socius_report(appraisal, tmp_path):
    path = appraisal.write(tmp_path / "appraisal.h5")
    r = cli("report", path, "-o", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "rep" / "index.html").read_text()
    assert "<title>Appraisal: baseline, early_action, structural_reform, combined</title>" in text
