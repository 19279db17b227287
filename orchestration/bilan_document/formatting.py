"""Numbers the French way: "89 209", "1 052 098", "52,0 %", "4 500,00 €", "9,30 €".

The digits are grouped by an ordinary space, and the template keeps each number on one line by a
`white-space: nowrap` span (`nombre`): a text extracted from the PDF (pdftotext) reads
"89 209" with a plain space, which a narrow no-break space would not give.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

MISSING = "—"  # no value: not covered, not computable, or hidden (small cell)

# how each unit of the marts (bilan_metrics seed, `unit`) is written
INTEGER_UNITS = {"accounts", "connections", "connections_per_month", "schools", "sequences"}
PERCENT_UNITS = {"rate", "share"}


def group_digits(digits: str) -> str:
    """'1052098' -> '1 052 098' (an ordinary space between groups of three)."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return " ".join(groups)


def decimal(value: float, places: int) -> str:
    """A number with `places` decimals, a comma before them, groups of digits spaced."""
    text = f"{abs(value):.{places}f}"
    whole, _, fraction = text.partition(".")
    sign = "-" if value < 0 and float(text) != 0 else ""
    return sign + group_digits(whole) + ("," + fraction if fraction else "")


def integer(value: float) -> str:
    return decimal(round(value), 0)


def percent(value: float, places: int = 1) -> str:
    """A share (0.52) as '52,0 %'."""
    return f"{decimal(value * 100, places)} %"


def euros(value: float) -> str:
    return f"{decimal(value, 2)} €"


def plain(value: float) -> str:
    """Years, days: whole when whole ('4'), else one decimal ('2,5')."""
    return integer(value) if float(value).is_integer() else decimal(value, 1)


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: object, unit: str | None = None) -> str:
    """A value of the warehouse, written for a French reader according to its unit."""
    if is_missing(value):
        return MISSING
    if unit == "boolean":
        return "oui" if value else "non"
    number = float(value)
    if unit in PERCENT_UNITS:
        return percent(number)
    if unit == "eur":
        return euros(number)
    if unit in INTEGER_UNITS:
        return integer(number)
    return plain(number)


def format_precise(value: object, unit: str | None, extra: int) -> str:
    """`extra` more decimals than format_value: for two values that differ but read the same."""
    if is_missing(value) or unit == "boolean":
        return format_value(value, unit)
    number = float(value)
    if unit in PERCENT_UNITS:
        return percent(number, 1 + extra)
    if unit == "eur":
        return f"{decimal(number, 2 + extra)} €"
    return decimal(number, (0 if unit in INTEGER_UNITS else 1) + extra)


def format_pair(published: object, computed: object, unit: str | None) -> tuple[str, str]:
    """A published and a recomputed value, written with more decimals when they differ but
    would read the same ('233 800' and '233 800' -> '233 800,0' and '233 799,6')."""
    pair = format_value(published, unit), format_value(computed, unit)
    extra = 0
    while pair[0] == pair[1] and not is_missing(computed) and published != computed and extra < 6:
        extra += 1
        pair = format_precise(published, unit, extra), format_precise(computed, unit, extra)
    return pair


def nombre(value: object, unit: str | None = None) -> Markup:
    """The value in a span that never breaks across lines (Jinja2 filter)."""
    return span(format_value(value, unit))


def span(text: str) -> Markup:
    return Markup('<span class="nb">{}</span>').format(escape(text))
