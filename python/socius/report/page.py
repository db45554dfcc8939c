"""The page layer every socius report uses (comparison, appraisal, sweep): one self-contained
HTML page with a title, a lead paragraph, a contents list and numbered sections, folded detail,
tables, the page's style, and the rules for where the page may be written.

A page has no script, no external style sheet and no link to the internet: figures are PNG images
embedded in it (:mod:`socius.report.figures`), so it can be mailed, archived or opened offline.
"""

from __future__ import annotations

import html
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .. import _core
from ..files import REPORT_GENERATOR, ResultsError, identify

__all__ = ["CSS", "GENERATOR", "Page", "check_folder", "esc", "settings_table", "table", "write_page"]

# Marks a page as a socius report (files.identify and check_folder look for it), early in <head>.
GENERATOR = f"{REPORT_GENERATOR} report {_core.__version__}'>"
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1a1a1a;
background:#fff;max-width:1200px;margin:0 auto;padding:1rem 1.5rem 3rem;line-height:1.5}
h1{font-size:1.8rem;margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem} h3{margin-top:1.6rem} .lead{font-size:1.1rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.9rem}
th,td{border:1px solid #c8c8c8;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef3f8} tr.cat th{background:#f5f5f5;font-style:italic}
td.clear strong{color:#00406b} .ci{color:#444;white-space:nowrap} small{color:#444;font-weight:normal}
td.num,th.num{text-align:right;white-space:nowrap}
code{font-size:.8em;color:#555} figure{margin:.5rem 0 1.5rem} img{max-width:100%;height:auto}
.note{color:#333;font-size:.92rem;background:#f7f7f2;border-left:4px solid #E69F00;padding:.5rem .8rem}
.headline{background:#f3f7fb;border:1px solid #c9d9ea;padding:.4rem 1.2rem 1rem;margin:1rem 0}
.headline h2{margin-top:.8rem} .big{font-size:1.15rem}
nav ol{columns:2} .wide{overflow-x:auto} .val{font-weight:600}
table.costs td,table.costs th{min-width:6rem} pre{background:#f5f5f5;padding:.6rem;overflow-x:auto;font-size:.8rem}
details{margin:.4rem 0} summary{cursor:pointer;font-weight:600} details.detail{border-top:1px solid #ddd;padding-top:.3rem}
"""


def esc(x) -> str:
    return html.escape(str(x))


def table(head: list[str], rows: list[list[str]], cls: str = "", caption: str = "") -> str:
    """A table from header texts (escaped) and rows of cell HTML; a row's first cell is its header.
    A cell that starts with ``<td`` or ``<th`` is used as it is."""
    def cell(c: str, first: bool) -> str:
        if c.startswith(("<td", "<th")):
            return c
        return f"<th scope='row'>{c}</th>" if first else f"<td>{c}</td>"

    out = [f"<div class='wide'><table{f' class={chr(39)}{cls}{chr(39)}' if cls else ''}>"]
    if caption:
        out.append(f"<caption>{caption}</caption>")
    if head:
        out.append("<thead><tr>" + "".join(f"<th scope='col'>{esc(h)}</th>" for h in head) + "</tr></thead>")
    out.append("<tbody>" + "".join("<tr>" + "".join(cell(c, i == 0) for i, c in enumerate(r)) + "</tr>"
                                   for r in rows) + "</tbody></table></div>")
    return "".join(out)


def settings_table(pairs: list[tuple[str, str]]) -> str:
    """A two-column table of (name, value HTML)."""
    return "<table><tbody>" + "".join(f"<tr><th scope='row'>{k}</th><td>{v}</td></tr>" for k, v in pairs) \
        + "</tbody></table>"


@dataclass
class Page:
    """A report page: ``title``, a ``lead`` paragraph (HTML), then sections in the order added.

    ``section(anchor, heading, html, folded=False)`` adds a numbered section; a folded section
    is a closed ``<details>`` below the open ones' reading order, so the page opens on what a
    reader needs first and keeps the detail a click away. ``headline=True`` frames the section.
    """

    title: str
    lead: str = ""
    sections: list[tuple[str, str, str, bool, bool]] = field(default_factory=list)

    def section(self, anchor: str, heading: str, body: str | list[str], *, folded: bool = False,
                headline: bool = False) -> None:
        if isinstance(body, list):
            body = "\n".join(body)
        self.sections.append((anchor, heading, body, folded, headline))

    def render(self) -> str:
        parts = [f"<header><h1>{esc(self.title)}</h1>"]
        if self.lead:
            parts.append(f"<p class='lead'>{self.lead}</p>")
        parts.append("</header>")
        if len(self.sections) > 2:
            parts.append("<nav aria-label='Contents'><h2>Contents</h2><ol>"
                         + "".join(f"<li><a href='#{a}'>{esc(h)}</a>{' (folded: click to open)' if f else ''}</li>"
                                   for a, h, _, f, _ in self.sections) + "</ol></nav>")
        for anchor, heading, body, folded, headline in self.sections:
            if folded:
                parts.append(f"<details class='detail' id='{anchor}'><summary><h2 style='display:inline'>"
                             f"{esc(heading)}</h2></summary>\n{body}\n</details>")
            elif headline:
                parts.append(f"<section class='headline' id='{anchor}'><h2>{esc(heading)}</h2>\n{body}\n</section>")
            else:
                parts.append(f"<section id='{anchor}'><h2>{esc(heading)}</h2>\n{body}\n</section>")
        return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                f"{GENERATOR}<meta name='viewport' content='width=device-width, initial-scale=1'>"
                f"<title>{esc(self.title)}</title><style>{CSS}</style></head><body>\n"
                + "\n".join(parts) + "\n</body></html>\n")


# -- where a page may be written ----------------------------------------------------------------------
# What a socius report leaves in its folder: the page, temporary pages of interrupted writes, and
# what file managers add when the folder is opened.
_TEMPORARY = re.compile(r"\.index\.html\.tmp-\d+(-[0-9a-f]+)?")
_FOLDER_METADATA = {".DS_Store", "Thumbs.db", "desktop.ini"}


def _foreign(out_dir: Path) -> list[str]:
    """Names of the entries in ``out_dir`` that a socius report did not write (sorted)."""
    out = []
    for entry in out_dir.iterdir():
        name = entry.name
        if entry.is_symlink() or not entry.is_file():
            out.append(name + ("/" if entry.is_dir() and not entry.is_symlink() else ""))
        elif name == "index.html":
            if identify(entry).kind != "report":
                out.append(name)
        elif not (_TEMPORARY.fullmatch(name) or name in _FOLDER_METADATA):
            out.append(name)
    return sorted(out)


def check_folder(out_dir: str | os.PathLike, *, overwrite: bool = False) -> None:
    """Refuses a report folder that is a file, or holds files not written by a socius report.

    A missing folder, an empty one, and one holding an earlier socius report are accepted; with
    ``overwrite=True`` any folder is.

    Raises
    ------
    ResultsError
        Naming the folder, up to three of the files in the way and what to do instead.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ResultsError(f"cannot write the report to folder '{out_dir}': it is a file, not a folder; "
                           "give a folder name")
    if overwrite or not out_dir.is_dir():
        return
    try:
        foreign = _foreign(out_dir)
    except OSError as e:
        raise _core.OutputError(f"cannot write the report to folder '{out_dir}': {e.strerror or e}") from None
    if foreign:
        shown = ", ".join(f"'{n}'" for n in foreign[:3])
        if len(foreign) > 3:
            shown += f" and {len(foreign) - 3} more"
        raise ResultsError(
            f"report folder '{out_dir}' already holds files not written by a socius report ({shown}); "
            "give a new or empty folder, or pass overwrite=True (socius report --overwrite) to write "
            "index.html there anyway (the other files are left as they are)")


def write_page(out_dir: str | os.PathLike, page: str, *, overwrite: bool = False) -> Path:
    """Writes ``out_dir/index.html`` under a temporary name, then renames it into place.

    The page is marked as a socius report (a generator ``<meta>`` in its head) so a later report
    may replace it. Only ``out_dir`` is written: the temporary file is created new (never through
    an existing file or link), and the rename replaces a link at ``index.html`` rather than the
    file it points to. See :func:`check_folder` for the folders refused without ``overwrite``.
    """
    out_dir = Path(out_dir)
    check_folder(out_dir, overwrite=overwrite)
    if REPORT_GENERATOR not in page:
        page = page.replace("<meta charset='utf-8'>", f"<meta charset='utf-8'>{GENERATOR}", 1)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _core.OutputError(f"cannot write the report to folder '{out_dir}': {e.strerror or e}") from None
    target = out_dir / "index.html"
    if target.is_dir() and not target.is_symlink():
        raise ResultsError(f"cannot write the report to '{target}': it is a folder")
    tmp = out_dir / f".index.html.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as e:
        raise _core.OutputError(f"cannot write the report to folder '{out_dir}': {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
