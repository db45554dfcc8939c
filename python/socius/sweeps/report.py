"""A self-contained HTML page for a sweep: what was varied, how each summary responds to each
parameter, and (for Sobol and Morris designs, with SALib) the sensitivity indices.

Used by :func:`socius.report` when it is given a sweep directory or its ``sweep.h5``. Built on
the report package's page and figure layer (:mod:`socius.report.page`, :mod:`socius.report.figures`,
:mod:`socius.report.fmt`), as the appraisal and comparison pages are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..report import figures as F
from ..report.fmt import num
from ..report.page import Page, esc as _esc, settings_table, write_page

__all__ = ["sweep_report"]


def _num(x: float) -> str:
    """A number as the report shows it (one rule for every page), to four figures."""
    return num(x, 4)


def sweep_report(path: str | os.PathLike, out_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Writes ``out_dir/index.html`` for the sweep at ``path`` (a directory or its sweep.h5).

    ``overwrite`` as for :func:`socius.report`: a folder holding files a socius report did not
    write is refused unless it is true."""
    from .analysis import sensitivity
    from .index import open_sweep

    path = Path(path)
    ds = open_sweep(path)
    a = ds.attrs
    # A grid design stores an empty problem (SALib analyses need a sampled design).
    problem = json.loads(a.get("salib_problem") or "{}") or {"names": [], "bounds": []}
    params = list(problem.get("names", []))
    summaries = [v for v in ds.data_vars if ds[v].dims == ("run",) and v not in ("error", "wall_seconds")]
    status = ds["status"].values.astype(str)
    done = status == "done"
    scenarios = sorted(set(ds["scenario"].values.astype(str)))

    page = Page(f"socius sweep {a.get('sweep_name', path.name)}",
                f"A sweep of the <code>{_esc(a.get('model'))}</code> model: what was varied, how each summary "
                "responds to each parameter, and which parameters matter most.")
    body = [settings_table([(_esc(label), _esc(value)) for label, value in [
        ("Model", a.get("model")), ("Design", a.get("design")),
        ("Runs", f"{int(done.sum())} done, {int((status == 'failed').sum())} failed, "
                 f"{int((status == 'missing').sum())} missing, of {status.size}"),
        ("Scenarios", ", ".join(scenarios)), ("Master seed", a.get("master_seed")),
        ("Sweep hash", a.get("sweep_hash")), ("socius", a.get("engine_version"))]])]
    body.append("<table><tr><th>Parameter</th><th>Lowest</th><th>Highest</th></tr>")
    for name in params:
        if name in ds.coords:
            v = ds[name].values.astype(float)
            body.append(f"<tr><td><code>{_esc(name)}</code></td><td>{_num(v.min())}</td><td>{_num(v.max())}</td></tr>")
    body.append("</table>")
    if not done.all():
        body.append("<p><strong>Not every run finished.</strong> Runs that are not done are left out of every "
                    "figure and table below; rerun the same <code>socius sweep</code> command to complete them.</p>")
    page.section("what", "What was varied", body)

    sens = []
    method = a.get("design")
    if method not in ("sobol", "morris"):
        sens.append(f"<p>Sensitivity indices need a Sobol or Morris design; this sweep used "
                    f"<code>{_esc(method)}</code>. The figures below show the responses directly.</p>")
    elif not done.all():
        sens.append("<p>Sensitivity indices need every design point; finish the sweep first.</p>")
    else:
        try:
            si = sensitivity(path)
        except Exception as e:  # SALib missing or an analysis error: say so, keep the rest
            sens.append(f"<p>Sensitivity indices could not be computed: {_esc(e)}</p>")
        else:
            sens.append(_sensitivity_section(si, method))
    page.section("sensitivity", "Sensitivity", sens)

    body = ["<p>One point per finished run.</p>"]
    for s in summaries:
        y = ds[s].values.astype(float)
        fig = F.figure(3.2 * max(1, len(params)), 3.0)
        axes = fig.subplots(1, max(1, len(params)), squeeze=False)[0]
        for ax, name in zip(axes, params):
            x = ds[name].values.astype(float)
            for i, sc in enumerate(scenarios):
                m = done & (ds["scenario"].values.astype(str) == sc)
                ax.plot(x[m], y[m], "o", ms=3, alpha=0.7, color=F.style(i)["color"], label=sc)
            ax.set_xlabel(name)
            ax.set_ylabel(s)
        if len(scenarios) > 1:
            axes[0].legend(fontsize=7)
        body.append(f"<h3>{_esc(s)}</h3>" + F.png(fig, f"{s} against each varied parameter"))
    page.section("response", "How each summary responds to each parameter", body,
                 folded=len(summaries) > 3)
    return write_page(out_dir, page.render(), overwrite=overwrite)


def _sensitivity_section(si, method: str) -> str:
    parts = []
    if method == "morris":
        parts.append("<p>Morris elementary effects: <em>mu*</em> is the mean absolute change in the summary when "
                     "the parameter moves across its range in one step of the design (larger means more "
                     "influential); <em>sigma</em> large next to mu* means the effect depends on the other "
                     "parameters (interactions or non-linearity). The interval is a bootstrap 95% interval of mu*.</p>")
        cols = [("mu_star", "mu*"), ("mu_star_conf", "± (95%)"), ("mu", "mu"), ("sigma", "sigma")]
        main, conf = "mu_star", "mu_star_conf"
    else:
        parts.append("<p>Sobol indices: <em>S1</em> is the share of the summary's variance due to the parameter "
                     "alone; <em>ST</em> includes its interactions. The intervals are bootstrap 95% intervals.</p>")
        cols = [("S1", "S1"), ("S1_conf", "± (95%)"), ("ST", "ST"), ("ST_conf", "± (95%)")]
        main, conf = "ST", "ST_conf"
    for sc in si["scenario"].values:
        for s in si["summary"].values:
            sub = si.sel(scenario=sc, summary=s)
            params = [str(p) for p in si["parameter"].values]
            rows = "".join("<tr><td><code>" + _esc(p) + "</code></td>" +
                           "".join(f"<td>{_num(float(sub[c].sel(parameter=p)))}</td>" for c, _ in cols if c in sub) +
                           "</tr>" for p in params)
            head = "<tr><th>Parameter</th>" + "".join(f"<th>{_esc(h)}</th>" for c, h in cols if c in sub) + "</tr>"
            fig = F.figure(6, 0.5 + 0.4 * len(params))
            ax = fig.subplots()
            vals = np.array([float(sub[main].sel(parameter=p)) for p in params])
            errs = np.array([float(sub[conf].sel(parameter=p)) for p in params]) if conf in sub else None
            ax.barh(params, vals, xerr=errs, color="#0072B2")
            ax.set_xlabel(main)
            parts.append(f"<h3>{_esc(s)} ({_esc(sc)})</h3><table>{head}{rows}</table>" +
                         F.png(fig, f"{main} of each parameter for {s}"))
    return "\n".join(parts)
