"""What the privacy scan looks for: the identifiers of the extracts, read from the landing files.

`identifiers_from_extracts()` classifies every field of every line of the CSV extracts by its
shape, whatever its column (a file whose lines were shifted or damaged still gives up its
identifiers): logins, IP addresses, and names (the first-name and surname parts of the logins,
the words of the display names; names of fewer than MIN_NAME_LENGTH letters are not searched).
`public_phrases()` gives the reference data's cells that hold such a name (school and commune
names, `Collège Pascal Paoli`), taken out of a value before its words are searched.

Independent of the code it checks: it imports nothing of the warehouse (not the loader
orchestration.extracts.load, not the extract contract orchestration.extracts.contract, nothing of
orchestration outside this package), so that a bug there cannot hide a leak; tests/test_privacy.py
checks this.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

MIN_NAME_LENGTH = 4  # shorter name parts ('lea') would match ordinary words
LOGIN_SHAPE = r"[\pL'-]+\.[\pL'-]+[0-9]*"  # first.surname1234
IP_SHAPE = r"[0-9]{1,3}(\.[0-9]{1,3}){3}"
PERSON_NAME_SHAPE = r"\pL[\pL'-]*( \pL[\pL'-]*)+"  # Marie BARTOLI
# In text, identifiers are searched inside tokens: runs of characters between delimiters that
# no identifier contains (checked against the identifiers, see Identifiers.delimiters).
DELIMITERS = set(" \t\r\n\f\v\"'`<>(){}[],;=:|&!?*+/\\^$#~%@")


@dataclass(frozen=True)
class Identifiers:
    logins: frozenset[str]
    ips: frozenset[str]
    names: frozenset[str]  # lower case, at least MIN_NAME_LENGTH letters
    # which landing folders each kind was found in ("accounts", "auth_events"...)
    found_in: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def delimiters(self) -> str:
        used = {char for value in (*self.logins, *self.ips, *self.names) for char in value}
        return "".join(sorted(DELIMITERS - used))

    @property
    def longest(self) -> int:
        return max(len(value) for value in (*self.logins, *self.ips, *self.names))


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    return con


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def identifiers_from_extracts(*landings: Path) -> Identifiers:
    """Every login, IP address and name of the CSV extracts of `landings` (all sub-folders).

    Every field of every line is classified by its shape, whatever its column: a file whose
    lines were shifted or damaged still gives up its identifiers.
    """
    con = connect()
    logins: set[str] = set()
    ips: set[str] = set()
    names: set[str] = set()
    found_in: dict[str, set[str]] = {"login": set(), "ip": set(), "name": set()}
    for landing in landings:
        for folder in sorted(p for p in Path(landing).iterdir() if p.is_dir()):
            if not any(folder.glob("*.csv*")):
                continue
            lines = (
                f"read_csv({sql_text(str(folder / '*.csv*'))}, columns={{'line': 'VARCHAR'}}, "
                "header=false, delim='\x1f', quote='', escape='', auto_detect=false)"
            )
            rows = con.execute(
                f"""
                with fields as (  -- a login or an address holds a dot, a full name a space
                    select distinct f from (
                        select trim(unnest(string_split(line, ','))) as f from {lines}
                    ) where contains(f, '.') or contains(f, ' ')
                )
                select
                    case
                        when regexp_full_match(f, $${LOGIN_SHAPE}$$) then 'login'
                        when regexp_full_match(f, $${IP_SHAPE}$$) then 'ip'
                        when regexp_full_match(f, $${PERSON_NAME_SHAPE}$$) then 'name'
                    end as kind,
                    lower(f) as value
                from fields where kind is not null
                """
            ).fetchall()
            for kind, value in rows:
                found_in[kind].add(folder.name)
                if kind == "ip":
                    ips.add(value)
                    continue
                if kind == "login":
                    logins.add(value)
                words = re.findall(r"[^\W\d_]+", value)  # letters: first name, surname
                names.update(word for word in words if len(word) >= MIN_NAME_LENGTH)
    con.close()
    return Identifiers(
        frozenset(logins),
        frozenset(ips),
        frozenset(names),
        {kind: frozenset(folders) for kind, folders in found_in.items()},
    )


def public_phrases(seeds_dir: Path, identifiers: Identifiers) -> list[str]:
    """The cells of the reference seeds (public data: school names, communes) that hold a name
    of the extracts as a word, lower case: `collège pascal paoli`, `santa-maria-siché`."""
    phrases = set()
    for path in sorted(Path(seeds_dir).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    words = set(re.findall(r"[^\W\d_]+", cell.lower()))
                    if words & identifiers.names:
                        phrases.add(cell.lower())
    return sorted(phrases)
