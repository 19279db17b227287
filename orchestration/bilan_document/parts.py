"""The pieces of a section of the Bilan document: its tables, figures, charts and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Markup | str]]
    caption: str = ""
    numeric: set[int] = field(default_factory=set)  # columns aligned right


@dataclass
class Section:
    code: str
    title: str
    paragraphs: list[Markup] = field(default_factory=list)
    figures: list[tuple[str, Markup]] = field(default_factory=list)
    published: list[dict] = field(default_factory=list)
    charts: list[tuple[str, Markup]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return sum(row["differs"] for row in self.published)


def sentence(template: str, *values: Markup | str) -> Markup:
    """A French sentence with numbers (Markup) put in its {} places."""
    return Markup(template).format(*values)
