"""The sections of the Bilan document, in the order of the Bilan 2017, each made of the year's
figures, the audited figures of the published report beside their recomputed value, tables and
charts, all from BilanData (queries.py).

A figure of the marts goes to a section by the Bilan's own section (`report_section`) and, for
the usage statistics, by what it measures (connections, or appropriation). The texts are
sentences around numbers; no number is written here.
"""

from __future__ import annotations

from orchestration.bilan_document import content
from orchestration.bilan_document.formatting import format_pair, nombre, span
from orchestration.bilan_document.parts import Section
from orchestration.bilan_document.queries import BilanData

# (code, French title): the sections of the Bilan 2017, in its order
SECTIONS: tuple[tuple[str, str], ...] = (
    ("contexte", "Contexte"),
    ("chiffres_cles", "Chiffres clés"),
    ("connexions", "Connexions"),
    ("appropriation", "Appropriation de l'ENT"),
    ("non_utilisateurs", "Établissements n'utilisant pas ou peu l'ENT"),
    ("outils", "Outils et services les plus sollicités"),
    ("formation", "Formations d'accompagnement"),
    ("finances", "Bilan financier"),
)
SECTION_OF_REPORT = {
    "contexte": "contexte",
    "bilan_chiffre": "chiffres_cles",
    "appropriation": "non_utilisateurs",
    "outils": "outils",
    "formations": "formation",
    "bilan_financier": "finances",
}
APPROPRIATION_METRICS = ("appropriation", "pedagogical_sequences")
DIFFERENT = {"mismatch", "rounding"}  # published and recomputed values differ


def section_of(report_section: str, metric_code: str) -> str:
    """The document's section of a figure of the marts."""
    if report_section == "statistiques_usages":
        appropriation = metric_code.startswith(APPROPRIATION_METRICS)
        return "appropriation" if appropriation else "connexions"
    return SECTION_OF_REPORT.get(report_section, "chiffres_cles")


def _published_row(row: dict) -> dict:
    published, computed = format_pair(row["published_value"], row["computed_value"], row["unit"])
    return {
        "label": row["label_fr"],
        "period": row["period"],
        "published": span(published),
        "computed": span(computed),
        "status": row["status_fr"],
        "differs": row["status"] in DIFFERENT,
        "note": row["note"],
        "report": row["report_code"],
    }


def build_sections(data: BilanData) -> list[Section]:
    """Every section of the document of data.year, in the Bilan's order."""
    sections = {code: Section(code, title) for code, title in SECTIONS}
    for metric in data.metrics:
        section = sections[section_of(metric["report_section"], metric["metric_code"])]
        section.figures.append((metric["label_fr"], nombre(metric["metric_value"], metric["unit"])))
    for row in data.published:
        section = sections[section_of(row["report_section"], row["metric_code"])]
        section.published.append(_published_row(row))
    metrics = {metric["metric_code"]: metric for metric in data.metrics}
    content.context(sections["contexte"], data, metrics)
    content.key_figures(sections["chiffres_cles"], data)
    content.connections(sections["connexions"], data)
    content.appropriation(sections["appropriation"], data)
    content.non_users(sections["non_utilisateurs"], data)
    content.tools(sections["outils"], data)
    content.training(sections["formation"], data)
    content.finance(sections["finances"], data)
    return list(sections.values())
