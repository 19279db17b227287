"""Looks for the extracts' identifiers (logins, names, IP addresses) in what the warehouse writes.

What to look for comes from privacy.identifiers (read from the landing files themselves).

- logins and IP addresses are searched as substrings (case-insensitive); an IP address is not
  reported inside a longer dotted number (`1.86.45.237.55`, a version string);
- names are searched as whole words - a word being a maximal run of letters, so `bartoli` is
  found in `Marie BARTOLI` and in `marie.bartoli36119`, not in `bartolini`. Substrings would flag
  `emma` in `dilemma` and `anna` in `annales`. Public phrases (the reference data's school and
  commune names, `Collège Pascal Paoli`) are taken out of a value before its words are searched:
  `paoli` is still found anywhere else.

Values are lower-cased and cut into tokens at characters that no identifier holds (spaces
apart), and gathered, distinct, in two DuckDB tables; the search is two joins in DuckDB: every
position of every dotted token (in pieces of PIECE characters at most) on the first characters of
the logins and addresses, then every word of every token on the names. Database columns are
filtered in DuckDB first: a value with neither a dot nor a letter beyond a-f (a hash) cannot hold
an identifier and never leaves the database.

Sources (read by privacy.sources): DuckDB files (every column of every table and view of every
schema, cast to text unless numeric, boolean or temporal; schema, table and column names; view
definitions and comments), Parquet and Arrow IPC files, SQLite files (Dagster's run storage),
gzip-compressed files, text files, and the printable strings of any other binary file.
Independent of the code it checks: it imports nothing of the warehouse (not the loader
orchestration.extracts.load, not the extract contract orchestration.extracts.contract, nothing of
orchestration outside this package), so that a bug there cannot hide a leak; tests/test_privacy.py
checks this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc

from orchestration.privacy.identifiers import Identifiers, connect, sql_text
from orchestration.privacy.sources import Sources

NOT_TEXT = re.compile(
    r"(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
    r"UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(.*\))?|DATE|TIME|TIME WITH TIME ZONE|TIMESTAMP.*|"
    r"INTERVAL|UUID)"
)
PIECE = 64  # dotted tokens are searched in overlapping pieces of this length at most


# ----------------------------------------------------------------------------------- findings
@dataclass(frozen=True)
class Finding:
    source: str  # file, and table.column or sqlite table
    kind: str  # login, ip, name
    identifier: str
    snippet: str

    def __str__(self) -> str:
        return f"{self.source}: {self.kind} {self.identifier!r} in ...{self.snippet!r}..."


class Scanner(Sources):
    """Gathers values from files and databases, then finds the identifiers in them.

    Values are lower-cased and cut into tokens at characters no identifier holds. Whole tokens
    go to `scan_words` (the name search); tokens that hold a dot, cut in overlapping pieces of
    at most PIECE characters, go to `scan_pieces` (the login and address search). `public_phrases`
    are taken out of the values before names are searched.
    """

    def __init__(self, identifiers: Identifiers, public_phrases: Iterable[str] = ()) -> None:
        assert identifiers.logins and identifiers.ips and identifiers.names
        # the dotted identifiers are searched in the values that hold a dot
        assert all("." in value for value in (*identifiers.logins, *identifiers.ips))
        self.identifiers = identifiers
        self.con = connect()
        self.prefix_length = min(len(v) for v in (*identifiers.logins, *identifiers.ips))
        self.longest = identifiers.longest
        self.con.execute("create temp table scan_words (source varchar, value varchar)")
        self.con.execute("create temp table scan_pieces (source varchar, value varchar)")
        needles = pa.table(
            {
                "kind": ["login"] * len(identifiers.logins) + ["ip"] * len(identifiers.ips),
                "needle": [*sorted(identifiers.logins), *sorted(identifiers.ips)],
            }
        )
        self.con.register("needles_arrow", needles)
        self.con.execute(
            "create temp table needles as select kind, needle, "
            f"left(needle, {self.prefix_length}) as prefix from needles_arrow"
        )
        self.con.register("names_arrow", pa.table({"word": sorted(identifiers.names)}))
        self.con.execute("create temp table names as select word from names_arrow")
        self.con.unregister("needles_arrow")
        self.con.unregister("names_arrow")
        # a value can only hold a name as a word if it holds a letter of that name: hexadecimal
        # hashes are skipped when every name has a letter beyond a-f
        if any(re.fullmatch("[a-f]+", name) for name in identifiers.names):
            self.word_filter = r"[^\W\d_]"
        else:
            self.word_filter = "[g-z\u00df-\U0010ffff]"
        self.has_word = re.compile(self.word_filter)
        # tokens keep the identifiers whole, and the public phrases' words together (spaces and
        # hyphens are not delimiters); a phrase's other delimiters cut it into phrases
        delimiters = "".join(sorted(set(identifiers.delimiters) - {" ", "-"}))
        self.token_pattern = re.compile(f"[^{re.escape(delimiters)}]+")
        parts = {
            part.strip()
            for phrase in public_phrases
            for part in re.split(f"[{re.escape(delimiters)}]+", phrase.lower())
        }
        self.public_phrases = sorted(
            (part for part in parts if set(re.findall(r"[^\W\d_]+", part)) & identifiers.names),
            key=len,
            reverse=True,
        )
        self.scanned: list[str] = []  # what was read, for the report

    # ------------------------------------------------------------------------ values
    def add_values(self, source: str, values: Iterable[str]) -> None:
        """Values found in `source`: their tokens, to be searched."""
        tokens: set[str] = set()
        for value in values:
            tokens.update(self.token_pattern.findall(value.lower()))
        words = [token for token in tokens if self.has_word.search(token)]
        pieces: set[str] = set()
        step = PIECE - self.longest  # an identifier is whole in one piece at least
        for token in tokens:
            if "." not in token or len(token) < self.prefix_length:
                continue
            if len(token) <= PIECE:
                pieces.add(token)
            else:
                pieces.update(token[i : i + PIECE] for i in range(0, len(token), step))
        for table, texts in (("scan_words", words), ("scan_pieces", pieces)):
            if texts:
                arrow = pa.table({"source": [source] * len(texts), "value": list(texts)})
                self.con.register("values_arrow", arrow)
                self.con.execute(f"insert into {table} select source, value from values_arrow")
                self.con.unregister("values_arrow")

    def _add_relation(self, prefix: str, relation: str, columns: list[tuple[str, str]]) -> None:
        """The text columns of a relation (table, view, registered Arrow table), and their
        names. Values that cannot hold an identifier (no dot, no letter of a name: hashes)
        are left in the database."""
        self.add_values(prefix, [name for name, _ in columns])
        texts = [name for name, type_ in columns if not NOT_TEXT.fullmatch(type_.upper())]
        sql_filter = "[g-z\\x{df}-\\x{10ffff}]" if "g-z" in self.word_filter else "\\pL"
        for name in texts:
            quoted = '"' + name.replace('"', '""') + '"'
            values = self.con.execute(
                f"""
                select distinct value
                from (select lower(cast({quoted} as varchar)) as value from {relation})
                where value is not null
                  and (contains(value, '.') or regexp_matches(value, $${sql_filter}$$))
                """
            ).fetchall()
            self.add_values(f"{prefix}{name}", (row[0] for row in values))

    # ------------------------------------------------------------------------ search
    def findings(self, limit: int = 20) -> list[Finding]:
        """The identifiers found (at most `limit` of each kind in each source), with a snippet
        of the value each was found in."""
        k = self.prefix_length
        stripped = "value"
        for phrase in self.public_phrases:
            stripped = f"replace({stripped}, {sql_text(phrase)}, ' ')"
        rows = self.con.execute(
            f"""
            with pieces as (select distinct source, value from scan_pieces),
            positions as (
                select source, value, unnest(range(1, length(value) - {k} + 2)) as p
                from pieces
            ),
            substring_hits as (
                select c.source, n.kind, n.needle as identifier,
                    substr(c.value, greatest(c.p - 40, 1), length(n.needle) + 80) as snippet,
                    case when c.p = 1 then '' else substr(c.value, c.p - 1, 1) end as before,
                    substr(c.value, c.p + length(n.needle), 2) as after
                from positions c join needles n on substr(c.value, c.p, {k}) = n.prefix
                where substr(c.value, c.p, length(n.needle)) = n.needle
            ),
            words as (  -- the words of the values, public phrases taken out
                select source, value, unnest(regexp_extract_all(value, '\\pL+')) as word
                from (select distinct source, {stripped} as value from scan_words)
            ),
            word_hits as (
                select w.source, 'name' as kind, w.word as identifier,
                    substr(w.value, greatest(strpos(w.value, w.word) - 40, 1),
                           length(w.word) + 80) as snippet
                from words w join names n on w.word = n.word
            ),
            hits as (
                select source, kind, identifier, snippet from substring_hits
                where kind <> 'ip'
                   or (not regexp_matches(before, '[0-9.]')
                       and not regexp_matches(after, '^\\.?[0-9]'))
                union all
                select source, kind, identifier, snippet from word_hits
            )
            select source, kind, identifier, min(snippet) from hits
            group by source, kind, identifier
            qualify row_number() over (partition by source, kind order by identifier) <= {limit}
            order by all
            """
        ).fetchall()
        return [Finding(*row) for row in rows]

    def value_count(self) -> int:
        return sum(
            self.con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("scan_words", "scan_pieces")
        )

    def close(self) -> None:
        self.con.close()


def scan(
    identifiers: Identifiers, *paths: Path, public_phrases: Iterable[str] = ()
) -> tuple[list[Finding], list[str]]:
    """Findings in `paths` (files or folders, read whole), and the list of what was read."""
    scanner = Scanner(identifiers, public_phrases)
    try:
        for path in paths:
            if path.is_dir():
                scanner.add_tree(path)
            else:
                scanner.add_file(path)
        return scanner.findings(), scanner.scanned
    finally:
        scanner.close()
