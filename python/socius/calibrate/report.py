"""The calibration's report page (``DIR/report/index.html``) and its figures (``DIR/figures``),
on the shared report layer (:mod:`socius.report.page`, :mod:`socius.report.figures`):

* targets against the model: each target's value and interval beside the best point's model
  mean (with the runs' +-2 sd spread) and the range of the simulated points not ruled out;
* each wave's shrinking region: per parameter, the range not ruled out after each wave, and
  the share of the prior box left;
* the non-implausible sample, pair by pair, with every wave's design points;
* the fitted ranges, the emulators' out-of-sample check, and the settings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._values import show
from ..report.figures import COLOURS, MARKERS, figure, grid, png, title
from ..report.page import Page, esc, settings_table, table, write_page
from .implausibility import combine
from .run import SAMPLE_FILE, SCENARIO_FILE, _best_words, run_implausibility

__all__ = ["write_report", "targets_figure", "region_figure", "pairs_figure"]


def _share(t) -> bool:
    return t.indicator.endswith(("_share", "_rate"))


def _scale(t) -> float:
    return 100.0 if _share(t) else 1.0


def targets_figure(result):
    """One panel per target: the target (value, interval, +-3 sd), the best point's model mean
    (+-2 run-to-run sd) and the range of the replicate means of the run points not ruled out."""
    spec, best = result.spec, result.best
    targets = list(spec.targets)
    rows, cols = grid(len(targets), 4)
    fig = figure(3.0 * cols + 0.5, 2.4 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    kept = []
    for w in result.waves:
        comb = combine(run_implausibility(spec, w), spec.rule)
        kept.append(w.y.mean(axis=1)[comb <= spec.cutoff])
    kept = np.concatenate(kept) if kept else np.zeros((0, len(targets)))
    for k, t in enumerate(targets):
        ax = axes[k // cols][k % cols]
        s = _scale(t)
        lo, hi = t.interval()
        ax.axhspan(s * (t.value - 3 * t.sd), s * (t.value + 3 * t.sd), color="#dddddd", lw=0, label="target +-3 sd")
        ax.errorbar([0], [s * t.value], yerr=[[s * (t.value - lo)], [s * (hi - t.value)]], fmt="s", color=COLOURS[0],
                    capsize=4, label="target and interval")
        b = best["targets"][t.name]
        ax.errorbar([1], [s * b["model_mean"]], yerr=[2 * s * b["model_sd"]], fmt="o", color=COLOURS[2], capsize=4,
                    label=("best point, emulated" if best.get("kind") == "emulated" else "best point") + " (+-2 sd of one run)")
        if len(kept):
            ax.plot([2, 2], [s * kept[:, k].min(), s * kept[:, k].max()], color=COLOURS[1], lw=4,
                    solid_capstyle="butt", label="run points not ruled out (range of means)")
        ax.set_xticks([0, 1, 2], ["target", "best", "kept"], fontsize=8)
        ax.set_xlim(-0.6, 2.6)
        ax.tick_params(labelsize=8)
        ax.set_ylabel("%" if _share(t) else t.indicator, fontsize=8)
        ax.grid(alpha=0.3, axis="y")
        title(ax, f"{t.name} ({t.group})", 28)
    for k in range(len(targets), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=2, frameon=False, fontsize=8)
    return fig


def region_figure(result):
    """Per parameter, the range not ruled out after each wave (the prior box as wave 0), and the
    share of the box left after each wave."""
    spec, waves = result.spec, result.waves
    n = len(spec.parameters) + 1
    rows, cols = grid(n, 3)
    fig = figure(3.6 * cols + 0.4, 2.3 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False)
    for j, p in enumerate(spec.parameters):
        ax = axes[j // cols][j % cols]
        ax.barh([0], [p.max - p.min], left=[p.min], color="#cccccc", height=0.6)
        for w in waves:
            if len(w.region):
                lo, hi = w.region[:, j].min(), w.region[:, j].max()
                ax.barh([w.number], [hi - lo], left=[lo], color=COLOURS[2], height=0.6)
        bv = result.best["values"][p.key]
        ax.axvline(bv, color=COLOURS[4], ls="--", lw=1.2)
        ax.set_yticks(range(len(waves) + 1), ["prior"] + [f"wave {w.number}" for w in waves], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(p.min, p.max)
        ax.tick_params(labelsize=8)
        title(ax, p.key, 34)
    ax = axes[(n - 1) // cols][(n - 1) % cols]
    shares = [1.0] + [max(w.share, 1e-6) for w in waves]
    ax.plot(range(len(shares)), [100 * s for s in shares], marker="o", color=COLOURS[0])
    ax.set_yscale("log")
    ax.set_xticks(range(len(shares)), ["prior"] + [f"wave {w.number}" for w in waves], fontsize=8)
    ax.set_ylabel("% of the prior box", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    title(ax, "share of the box not ruled out", 34)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    return fig


def pairs_figure(result, most: int = 5):
    """The non-implausible sample (grey) and each wave's design points, pair by pair, for up to
    ``most`` parameters (those whose range shrank most first)."""
    spec = result.spec
    d = len(spec.parameters)
    b = spec.bounds
    if len(result.sample):
        shrink = (result.sample.max(axis=0) - result.sample.min(axis=0)) / (b[:, 1] - b[:, 0])
        order = list(np.argsort(shrink))[:most]
    else:
        order = list(range(min(d, most)))
    m = len(order)
    if m < 2:
        fig = figure(4, 3)
        ax = fig.subplots()
        j = order[0]
        for w in result.waves:
            ax.hist(w.x[:, j], bins=15, alpha=0.5, color=COLOURS[(w.number) % len(COLOURS)], label=f"wave {w.number}")
        if len(result.sample):
            ax.hist(result.sample[:, j], bins=30, histtype="step", color=COLOURS[0], label="not ruled out")
        ax.set_xlabel(spec.parameters[j].key, fontsize=8)
        ax.legend(fontsize=8)
        return fig
    fig = figure(max(5.0, 2.3 * (m - 1) + 1.0), max(4.2, 2.3 * (m - 1) + 0.8))
    axes = fig.subplots(m - 1, m - 1, squeeze=False)
    for r in range(1, m):
        for c in range(m - 1):
            ax = axes[r - 1][c]
            if c >= r:
                ax.set_visible(False)
                continue
            jx, jy = order[c], order[r]
            if len(result.sample):
                ax.scatter(result.sample[:, jx], result.sample[:, jy], s=3, color="#bbbbbb", lw=0,
                           label="not ruled out" if (r, c) == (1, 0) else None)
            for w in result.waves:
                ax.scatter(w.x[:, jx], w.x[:, jy], s=9, marker=MARKERS[(w.number - 1) % len(MARKERS)],
                           color=COLOURS[(w.number) % len(COLOURS)], lw=0, label=f"wave {w.number} runs" if (r, c) == (1, 0) else None)
            bv = result.best["values"]
            ax.scatter([bv[spec.parameters[jx].key]], [bv[spec.parameters[jy].key]], marker="*", s=90,
                       color=COLOURS[4], label="best" if (r, c) == (1, 0) else None, zorder=5)
            ax.set_xlim(b[jx]); ax.set_ylim(b[jy])
            ax.tick_params(labelsize=7)
            if r == m - 1:
                ax.set_xlabel(spec.parameters[jx].key, fontsize=7)
            if c == 0:
                ax.set_ylabel(spec.parameters[jy].key, fontsize=7)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(2 if m < 4 else 4, len(labels)), frameon=False,
               fontsize=8)
    return fig


def _save(fig, path: Path, alt: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    tmp.replace(path)
    return png(fig, alt)


def _num(t, v: float) -> str:
    return f"{_scale(t) * v:.3g}{'%' if _share(t) else ''}"


def write_report(result, out_dir: str | None = None) -> tuple[Path, Path]:
    """Writes ``DIR/report/index.html`` and the figures as PNG in ``DIR/figures``; their paths."""
    spec, waves, best, sample = result.spec, result.waves, result.best, result.sample
    out = Path(result.out)
    figs = out / "figures"
    p = spec.scenario.validate()
    n_runs = sum(w.x.shape[0] for w in waves) * spec.replicates
    page = Page(f"Calibration: {spec.name}",
                lead=esc(f"History matching of {len(spec.parameters)} parameters of scenario '{spec.base_scenario.name}' "
                         f"to {len(spec.targets)} targets ({spec.targets.origin}): {len(waves)} waves, {n_runs} runs of "
                         f"{p['simulation.population']:,} residents (burn-in {p['simulation.burn_in']} weeks, then "
                         f"{p['simulation.steps']} weeks). After the last wave {100 * waves[-1].share:.3g}% of the prior box "
                         "is not ruled out."))
    head = []
    if result.empty:
        head.append("<p class='note'>Every parameter set was ruled out: no point of the prior box reproduces every "
                    "target within its uncertainty, the model's run-to-run variation and the emulator's. Widen the "
                    "priors, check the targets, or use rule = \"second_max\".</p>")
    head.append(f"<p>The non-implausible sample ({len(sample)} parameter sets) is in <code>{esc(SAMPLE_FILE)}</code> "
                f"(for <code>socius appraise --uncertainty</code>); the best point in "
                f"<code>{esc(SCENARIO_FILE)}</code>, {esc(_best_words(spec, best))}: implausibility {best['implausibility']:.2f} "
                f"(cut-off {show(spec.cutoff)}, {esc(spec.rule)} over targets).</p>")
    page.section("summary", "Summary", head, headline=True)
    # targets
    trows = []
    for t in spec.targets:
        b = best["targets"][t.name]
        lo, hi = t.interval()
        trows.append([esc(t.name), esc(f"{t.indicator}, {t.group}"), _num(t, t.value),
                      f"{_num(t, lo)} to {_num(t, hi)} ({'range' if t.uncertainty == 'range' else '+-2 se'})",
                      _num(t, t.sd), f"{_num(t, b['model_mean'])} (sd {_num(t, b['model_sd'])})",
                      f"{b['implausibility']:.2f}", esc(t.when), esc(t.source)])
    fig = targets_figure(result)
    page.section("targets", "Targets against the model", [
        _save(fig, figs / "targets.png", "each target with its interval beside the best point's model mean and the "
              "range of the run points not ruled out"),
        table(["target", "indicator, group", "value", "interval", "observation sd", "model at the best point",
               "implausibility", "when", "source"], trows),
        "<p>Observation sd: the standard error, or (range) (high - low) / 6. The model's sd is one run's "
        + ("(pooled over the last wave's replicates); the model at the best point is the last wave's emulators' "
           "mean, and the implausibility divides its distance from the target by the root of the summed variances "
           "(observation, model, and the emulator's). The emulators' sd at the point, per target: "
           + esc(", ".join(f"{t.name} {_num(t, best['targets'][t.name]['emulator_sd'])}" for t in spec.targets)) + ".</p>"
           if best.get("kind") == "emulated" else
           "(replicates at the point); the implausibility divides the distance by the root of the summed "
           "variances (observation, model, and the replicate mean's V_model / replicates).</p>")])
    # waves
    wrows = []
    for w in waves:
        comb = combine(run_implausibility(spec, w), spec.rule)
        wrows.append([f"wave {w.number}", str(w.x.shape[0]), str(w.x.shape[0] * spec.replicates),
                      f"{int((comb <= spec.cutoff).sum())}", f"{100 * w.share:.3g}%", f"{w.tried:,}",
                      f"{w.seconds:.0f} s"])
    fig = region_figure(result)
    page.section("waves", "Each wave's region", [
        _save(fig, figs / "region.png", "per parameter, the range not ruled out after each wave, and the share of the "
              "prior box left"),
        table(["wave", "points", "runs", "run points not ruled out", "box not ruled out after it", "candidates tried",
               "time (this call)"], wrows),
        "<p>The region after wave k is judged by the emulators of every wave up to k, each fitted to the replicate "
        "means of all runs so far; the next wave's design is drawn from it by rejection.</p>"])
    fig = pairs_figure(result)
    page.section("pairs", "The non-implausible region, pair by pair", [
        _save(fig, figs / "pairs.png", "the non-implausible sample and each wave's design points for pairs of parameters")])
    # fitted ranges
    prows = []
    for j, q in enumerate(spec.parameters):
        if len(sample):
            col = sample[:, j]
            fitted = f"{col.min():.4g} to {col.max():.4g}"
            mid = f"{np.median(col):.4g} ({np.percentile(col, 5):.4g} to {np.percentile(col, 95):.4g})"
        else:
            fitted = mid = "none"
        prows.append([esc(q.key), esc(q.label), f"{show(q.min)} to {show(q.max)}", fitted, mid,
                      f"{best['values'][q.key]:.4g}", esc(q.source)])
    page.section("parameters", "Fitted ranges", [
        table(["parameter", "label", "prior range", "not ruled out", "median (5th to 95th percentile)", "best point",
               "source of the prior"], prows)])
    # emulator checks
    crows = []
    for w in waves:
        if w.check:
            for t in spec.targets:
                c = w.check[t.name]
                crows.append([f"wave {w.number - 1} emulators on wave {w.number} runs", esc(t.name),
                              f"{100 * c['within_3sd']:.0f}%", f"{c['rmse_sd']:.2f}"])
    body = ["<p>Each wave's emulators predict the next wave's replicate means before they are used again "
            "(out of sample): the share within 3 standard deviations (emulator and replicate-mean variance) "
            "should be near 100%, the root mean square of the standardised errors near 1.</p>"]
    body.append(table(["check", "target", "within 3 sd", "RMS standardised error"], crows) if crows
                else "<p>One wave only: no out-of-sample check.</p>")
    page.section("emulators", "Emulator checks", body, folded=True)
    page.section("settings", "Method and settings", [settings_table([
        ("spec", f"<code>{esc(spec.source or spec.origin)}</code> (hash {esc(spec.hash())})"),
        ("scenario", esc(spec.base_scenario.source or spec.base_scenario.name)),
        ("targets", esc(spec.targets.origin)),
        ("waves x points x replicates", f"{spec.waves} x {spec.runs} x {spec.replicates}"),
        ("cut-off, rule", f"{show(spec.cutoff)}, {esc(spec.rule)}"),
        ("candidates per region sample", f"{spec.candidates:,}"),
        ("master seed", str(spec.seed)),
        ("emulator", "scikit-learn GaussianProcessRegressor: constant x Matern 5/2 (one length scale per parameter) "
                     "on the unit cube, output standardised, known noise V_model / replicates"),
    ])], folded=True)
    path = write_page(Path(out_dir) if out_dir else out / "report", page.render(), overwrite=False)
    return path, figs
