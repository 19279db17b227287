"""The HTML of the Bilan document, from the Jinja2 templates kept in templates/ (one page, its
stylesheet inlined, its charts inline SVG: the file opens offline and prints as it shows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orchestration.bilan_document.formatting import nombre
from orchestration.bilan_document.queries import BilanData
from orchestration.bilan_document.sections import build_sections

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "bilan.html.j2"
STYLESHEET = "bilan.css"


def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nombre"] = nombre
    return env


def render_html(data: BilanData, warehouse: Path, produced: dt.date | None = None) -> str:
    """The document of data.year as one HTML page."""
    env = environment()
    produced = produced or dt.date.today()
    return env.get_template(TEMPLATE).render(
        year=data.year,
        years=[year.replace("-", "/") for year in data.years],
        sections=build_sections(data),
        css=(TEMPLATES / STYLESHEET).read_text(encoding="utf-8"),
        produced=produced.strftime("%d/%m/%Y"),
        warehouse_name=Path(warehouse).name,
    )
