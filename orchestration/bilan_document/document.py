"""The Bilan of one school year as documents: HTML and PDF under LEIA_HOME/bilan/.

    make_bilan(home, year)  reads the published warehouse (read-only), writes
                            bilan/bilan-<year>.html, then prints bilan/bilan-<year>.pdf

No run lock: it only reads LEIA_HOME/leia.duckdb, which a run or a rollback replaces by a rename
and never writes in place, so a read-only connection sees one whole version even while a run
builds the next; and it writes only under LEIA_HOME/bilan/, which no run touches.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestration.bilan_document.pdf import print_pdf
from orchestration.bilan_document.queries import available_years, connect, read_bilan
from orchestration.bilan_document.rendering import render_html
from orchestration.home import HomeLayout


@dataclass(frozen=True)
class BilanFiles:
    year: str
    html: Path
    pdf: Path | None


def _quiet(message: str) -> None:
    pass


def covered_years(warehouse: Path) -> list[str]:
    """The school years the published warehouse covers."""
    con = connect(warehouse)
    try:
        return available_years(con)
    finally:
        con.close()


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def make_bilan(
    home: Path,
    year: str,
    *,
    pdf: bool = True,
    say: Callable[[str], None] = _quiet,
) -> BilanFiles:
    """Write the Bilan of `year` (HTML, then PDF) from LEIA_HOME's published warehouse.

    FileNotFoundError without a published warehouse, queries.YearNotCoveredError for a year it
    does not cover, pdf.PdfError when Chromium is missing or fails.
    """
    layout = HomeLayout(Path(home))
    warehouse = layout.warehouse
    say(f"reading {warehouse} (read-only)")
    con = connect(warehouse)
    try:
        data = read_bilan(con, year, warehouse)
    finally:
        con.close()
    say(f"{len(data.metrics)} figures of {year}, {len(data.published)} published figures audited")
    html = layout.bilan_document(year, ".html")
    _write_text(html, render_html(data, warehouse))
    say(f"HTML written: {html}")
    if not pdf:
        return BilanFiles(year, html, None)
    target = layout.bilan_document(year, ".pdf")
    say("printing the PDF with headless Chromium")
    print_pdf(html, target)
    say(f"PDF written: {target}")
    return BilanFiles(year, html, target)
