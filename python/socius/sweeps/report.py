"""A self-contained HTML page for a sweep: what was varied, how each summary responds to each
parameter, and (for Sobol and Morris designs, with SALib) the sensitivity indices.

Used by :func:`socius.report` when it is given a sweep directory or its ``sweep.h5``.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import numpy as np

__all__ = ["sweep_report"]


def _esc(x) -> str:
    return html.escape(str(x))


def _num(x: float) -> str:
    """A number as the report shows it (one rule for every page: socius.report._num)."""
    from ..report import _num as num

    return num(x, 4)


def sweep_report(path: str | os.PathLike, out_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Writes ``out_dir/index.html`` for the sweep at ``path`` (a directory or its sweep.h5).

    ``overwrite`` as for :func:`socius.report`: a folder holding files a socius report did not
    write is refused unless it is true."""
    from ..report import _figure, _png, _style, write_page
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

    parts = [f"<h1>Sweep: {_esc(a.get('sweep_name', path.name))}</h1>"]
    parts.append("<h2 id='what'>What was varied</h2><table>")
    for label, value in [("Model", a.get("model")), ("Design", a.get("design")),
                         ("Runs", f"{int(done.sum())} done, {int((status == 'failed').sum())} failed, "
                                  f"{int((status == 'missing').sum())} missing, of {status.size}"),
                         ("Scenarios", ", ".join(scenarios)), ("Master seed", a.get("master_seed")),
                         ("Sweep hash", a.get("sweep_hash")), ("socius", a.get("engine_version"))]:
        parts.append(f"<tr><th scope='row'>{_esc(label)}</th><td>{_esc(value)}</td></tr>")
    parts.append("</table><table><tr><th>Parameter</th><th>Lowest</th><th>Highest</th></tr>")
    for name in params:
        if name in ds.coords:
            v = ds[name].values.astype(float)
            parts.append(f"<tr><td><code>{_esc(name)}</code></td><td>{_num(v.min())}</td><td>{_num(v.max())}</td></tr>")
    parts.append("</table>")
    if not done.all():
        parts.append("<p><strong>Not every run finished.</strong> Runs that are not done are left out of every "
                     "figure and table below; rerun the same <code>socius sweep</code> command to complete them.</p>")

    parts.append("<h2 id='response'>How each summary responds to each parameter</h2>"
                 "<p>One point per finished run.</p>")
    for s in summaries:
        y = ds[s].values.astype(float)
        fig = _figure(3.2 * max(1, len(params)), 3.0)
        axes = fig.subplots(1, max(1, len(params)), squeeze=False)[0]
        for ax, name in zip(axes, params):
            x = ds[name].values.astype(float)
            for i, sc in enumerate(scenarios):
                m = done & (ds["scenario"].values.astype(str) == sc)
                ax.plot(x[m], y[m], "o", ms=3, alpha=0.7, color=_style(i)["color"], label=sc)
            ax.set_xlabel(name)
            ax.set_ylabel(s)
        if len(scenarios) > 1:
            axes[0].legend(fontsize=7)
        parts.append(f"<h3>{_esc(s)}</h3>" + _png(fig, f"{s} against each varied parameter"))

    parts.append("<h2 id='sensitivity'>Sensitivity</h2>")
    method = a.get("design")
    if method not in ("sobol", "morris"):
        parts.append(f"<p>Sensitivity indices need a Sobol or Morris design; this sweep used "
                     f"<code>{_esc(method)}</code>. The figures above show the responses directly.</p>")
    elif not done.all():
        parts.append("<p>Sensitivity indices need every design point; finish the sweep first.</p>")
    else:
        try:
            si = sensitivity(path)
        except Exception as e:  # SALib missing or an analysis error: say so, keep the rest
            parts.append(f"<p>Sensitivity indices could not be computed: {_esc(e)}</p>")
        else:
            parts.append(_sensitivity_section(si, method, _figure, _png))

    page = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>socius sweep {_esc(a.get('sweep_name', ''))}</title><style>"
            "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.4}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
            "img{max-width:100%}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")
    return write_page(out_dir, page, overwrite=overwrite)


def _sensitivity_section(si, method: str, _figure, _png) -> str:
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
            fig = _figure(6, 0.5 + 0.4 * len(params))
            ax = fig.subplots()
            vals = np.array([float(sub[main].sel(parameter=p)) for p in params])
            errs = np.array([float(sub[conf].sel(parameter=p)) for p in params]) if conf in sub else None
            ax.barh(params, vals, xerr=errs, color="#0072B2")
            ax.set_xlabel(main)
            parts.append(f"<h3>{_esc(s)} ({_esc(sc)})</h3><table>{head}{rows}</table>" +
                         _png(fig, f"{main} of each parameter for {s}"))
    return "\n".join(parts)
