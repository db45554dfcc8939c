"""The figure layer every socius report uses: matplotlib figures (no pyplot, Agg) embedded in the
page as PNG, in colours readable with the common colour-vision deficiencies, with line styles and
markers that differ too, so colour is never the only cue.

Bands are 95% intervals: Student's t over replicates, or the 2.5th to 97.5th percentiles over
parameter draws (:mod:`socius.report.stats`). A band of a quantity that cannot be negative (a
count, an amount, a share) is cut at zero, and a share's at 100%.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap

import numpy as np

from . import fmt
from .stats import mean_interval, percentile_interval

__all__ = ["COLOURS", "LINESTYLES", "MARKERS", "axis_format", "band", "figure", "grid", "legend", "png",
           "style", "time_series", "title", "x_axis"]

# Okabe & Ito (2008) colours; the baseline is near-black.
COLOURS = ["#1a1a1a", "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, Agg renders the PNG

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def png(fig, alt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"></figure>'


def style(i: int) -> dict:
    return {"color": COLOURS[i % len(COLOURS)], "linestyle": LINESTYLES[i % len(LINESTYLES)]}


def grid(n: int, cols: int = 3) -> tuple[int, int]:
    cols = max(1, min(cols, n))
    return (n + cols - 1) // cols, cols


def title(ax, text: str, width: int = 36) -> None:
    ax.set_title("\n".join(textwrap.wrap(text, width)), fontsize=10)


def axis_format(ax, unit: str, axis: str = "y") -> None:
    """Money axes as ``£2.5m``/``£450k``, shares in percent (the values are drawn scaled)."""
    from matplotlib.ticker import FuncFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    if fmt.kind(unit) == "money":
        cur = unit.strip().upper() if unit.strip().upper() in fmt.CURRENCIES else ""
        target.set_major_formatter(FuncFormatter(lambda v, _: fmt.money(v, cur)))


def legend(fig, handles, labels) -> None:
    fig.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 4), frameon=False)


def x_axis(time: np.ndarray) -> tuple[np.ndarray, str]:
    if time.size and time[-1] >= 2 * fmt.WEEKS_PER_YEAR:
        return time / fmt.WEEKS_PER_YEAR, "years after the start (policy time)"
    return time, "weeks after the start (policy time)"


def band(values: np.ndarray, *, percentiles: bool = False, nonnegative: bool = False, upper: float = np.inf):
    """Mean over axis 0 and its 95% band (lo, hi): t over replicates, or percentiles over draws.
    A quantity that cannot be negative has its band cut at 0 (and at ``upper``)."""
    if percentiles:
        mean, lo, hi = percentile_interval(values, axis=0)
    else:
        mean, half, _ = mean_interval(values, axis=0)
        lo, hi = mean - half, mean + half
    if nonnegative:
        lo = np.clip(lo, 0, upper)
        hi = np.clip(hi, 0, upper)
    return mean, lo, hi


def time_series(time: np.ndarray, panels: list[dict], options: list[str], heading: str, *,
                percentiles: bool = False, runs_per_option: int = 1) -> str:
    """One panel per indicator, one line per option (the mean over runs) with a shaded 95% band.

    Each panel is ``{"title", "unit", "values": (option, run, time), "nonnegative": bool}``;
    ``values`` are in display units (shares already in percent)."""
    rows, cols = grid(len(panels))
    fig = figure(max(3.8 * cols, 7.5), 2.9 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    x, xlabel = x_axis(np.asarray(time))
    handles = []
    for k, p in enumerate(panels):
        ax = axes[k // cols][k % cols]
        upper = 100.0 if fmt.kind(p["unit"]) == "share" else np.inf
        for s in range(len(options)):
            mean, lo, hi = band(p["values"][s], percentiles=percentiles, nonnegative=p.get("nonnegative", False),
                                upper=upper)
            ok = np.isfinite(mean)  # some indicators are recorded only every k steps: join those
            line, = ax.plot(x[ok], mean[ok], lw=1.8, marker=MARKERS[s % len(MARKERS)] if ok.sum() < 3 else None,
                            zorder=3, **style(s))
            if runs_per_option >= 2:
                okb = ok & np.isfinite(lo) & np.isfinite(hi)
                ax.fill_between(x[okb], lo[okb], hi[okb], color=style(s)["color"], alpha=0.15, lw=0, zorder=1)
            if k == 0:
                handles.append(line)
        title(ax, p["title"])
        axis_format(ax, p["unit"])
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for k in range(len(panels), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    legend(fig, handles, options)
    kind_of_band = "2.5th to 97.5th percentiles over parameter draws" if percentiles else "95% intervals for the mean"
    alt = (f"{heading}: {', '.join(p['title'] for p in panels)} over time, one line per option "
           f"({', '.join(options)})" + (f", with shaded bands ({kind_of_band})" if runs_per_option >= 2 else ""))
    return png(fig, alt)
