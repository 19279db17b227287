"""Looks for the extracts' identifiers (logins, names, IP addresses) in what the warehouse writes.

A helper of tests/test_privacy.py, independent of the code it checks: what to look for is read
from the landing files themselves (every field of every line, classified by its shape), not from
the extract contract nor the loader.

- logins and IP addresses are searched as substrings (case-insensitive); an IP address is not
  reported inside a longer dotted number (`1.86.45.237.55`, a version string);
- names (the first-name and surname parts of the logins, the words of the display names) are
  searched as whole words - a word being a maximal run of letters, so `bartoli` is found in
  `Marie BARTOLI` and in `marie.bartoli36119`, not in `bartolini`. Substrings would flag `emma` in
  `dilemma` and `anna` in `annales`; names of fewer than MIN_NAME_LENGTH letters are not searched.
  Public phrases (the reference data's school and commune names, `Collège Pascal Paoli`) are
  taken out of a value before its words are searched: `paoli` is still found anywhere else.

Values are lower-cased and cut into tokens at characters that no identifier holds (spaces
apart), and gathered, distinct, in two DuckDB tables; the search is two joins in DuckDB: every
position of every dotted token (in pieces of PIECE characters at most) on the first characters of
the logins and addresses, then every word of every token on the names. Database columns are
filtered in DuckDB first: a value with neither a dot nor a letter beyond a-f (a hash) cannot hold
an identifier and never leaves the database.

Sources: DuckDB files (every column of every table and view of every schema, cast to text unless
numeric, boolean or temporal; schema, table and column names; view definitions and comments),
Parquet and Arrow IPC files, SQLite files (Dagster's run storage), gzip-compressed files, text
files, and the printable strings of any other binary file.
"""

from __future__ import annotations

import csv
import gzip
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

MIN_NAME_LENGTH = 4  # shorter name parts ('lea') would match ordinary words
LOGIN_SHAPE = r"[\pL'-]+\.[\pL'-]+[0-9]*"  # first.surname1234
IP_SHAPE = r"[0-9]{1,3}(\.[0-9]{1,3}){3}"
PERSON_NAME_SHAPE = r"\pL[\pL'-]*( \pL[\pL'-]*)+"  # Marie BARTOLI
# Types whose values cannot hold a login, a name or an address: not cast to text.
NOT_TEXT = re.compile(
    r"(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
    r"UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(.*\))?|DATE|TIME|TIME WITH TIME ZONE|TIMESTAMP.*|"
    r"INTERVAL|UUID)"
)
# In text, identifiers are searched inside tokens: runs of characters between delimiters that
# no identifier contains (checked against the identifiers, see Identifiers.delimiters).
DELIMITERS = set(" \t\r\n\f\v\"'`<>(){}[],;=:|&!?*+/\\^$#~%@")
PIECE = 64  # dotted tokens are searched in overlapping pieces of this length at most
BINARY_STRINGS = re.compile(rb"[\x20-\x7e]{4,}")
DUCKDB_MAGIC = b"DUCK"  # bytes 8-12 of a DuckDB file
SQLITE_MAGIC = b"SQLite format 3\x00"
PARQUET_MAGIC = b"PAR1"
ARROW_FILE_MAGIC = b"ARROW1"
ARROW_STREAM_MAGIC = b"\xff\xff\xff\xff"
GZIP_MAGIC = b"\x1f\x8b"


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


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    return con


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def identifiers_from_extracts(*landings: Path) -> Identifiers:
    """Every login, IP address and name of the CSV extracts of `landings` (all sub-folders).

    Every field of every line is classified by its shape, whatever its column: a file whose
    lines were shifted or damaged still gives up its identifiers.
    """
    con = _connect()
    logins: set[str] = set()
    ips: set[str] = set()
    names: set[str] = set()
    found_in: dict[str, set[str]] = {"login": set(), "ip": set(), "name": set()}
    for landing in landings:
        for folder in sorted(p for p in Path(landing).iterdir() if p.is_dir()):
            if not any(folder.glob("*.csv*")):
                continue
            lines = (
                f"read_csv({_sql_text(str(folder / '*.csv*'))}, columns={{'line': 'VARCHAR'}}, "
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


# ----------------------------------------------------------------------------------- findings
@dataclass(frozen=True)
class Finding:
    source: str  # file, and table.column or sqlite table
    kind: str  # login, ip, name
    identifier: str
    snippet: str

    def __str__(self) -> str:
        return f"{self.source}: {self.kind} {self.identifier!r} in ...{self.snippet!r}..."


class Scanner:
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
        self.con = _connect()
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

    # ------------------------------------------------------------------------ sources
    def add_duckdb(self, path: Path, label: str | None = None) -> None:
        """Every table and view of every schema of a DuckDB file, their names and definitions."""
        label = label or str(path)
        alias = f"scanned_{len(self.scanned)}"
        self.con.execute(f"attach {_sql_text(str(path))} as {alias} (read_only)")
        try:
            columns = self.con.execute(
                "select table_schema, table_name, column_name, data_type "
                "from information_schema.columns where table_catalog = ? "
                "order by table_schema, table_name, ordinal_position",
                [alias],
            ).fetchall()
            relations: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for schema, table, column, type_ in columns:
                relations.setdefault((schema, table), []).append((column, type_))
            assert relations, f"{path}: no table"
            for (schema, table), table_columns in relations.items():
                self.add_values(f"{label}:{schema}.{table}", [schema, table])
                relation = f'{alias}."{schema}"."{table}"'
                self._add_relation(f"{label}:{schema}.{table}.", relation, table_columns)
            definitions = self.con.execute(
                "select coalesce(sql, '') || ' ' || coalesce(comment, '') from duckdb_views() "
                "where database_name = ? union all "
                "select coalesce(comment, '') from duckdb_tables() where database_name = ? "
                "union all select coalesce(comment, '') from duckdb_columns() "
                "where database_name = ? union all "
                "select coalesce(macro_definition, '') from duckdb_functions() "
                "where database_name = ?",
                [alias] * 4,
            ).fetchall()
            self.add_values(f"{label}:definitions", [row[0] for row in definitions])
        finally:
            self.con.execute(f"detach {alias}")
        self.scanned.append(label)

    def add_arrow(self, source: str, table: pa.Table) -> None:
        name = f"arrow_{len(self.scanned)}"
        self.con.register(name, table)
        try:
            columns = [(row[0], row[1]) for row in self.con.execute(f"describe {name}").fetchall()]
            self._add_relation(f"{source}:", name, columns)
        finally:
            self.con.unregister(name)
        self.scanned.append(source)

    def add_sqlite(self, path: Path, label: str) -> None:
        """Every row of every table of a SQLite file (Dagster's run and event storage)."""
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            entries = con.execute("select type, name, coalesce(sql, '') from sqlite_master")
            for type_, name, definition in entries.fetchall():
                self.add_values(f"{label}:{name}", [name, definition])
                if type_ in ("table", "view"):
                    rows = con.execute(f'select * from "{name}"')
                    self.add_values(f"{label}:{name}", _sqlite_texts(rows))
        finally:
            con.close()
        self.scanned.append(label)

    def add_file(self, path: Path, label: str | None = None, data: bytes | None = None) -> None:
        """One file, read by what it is (its first bytes), not by its name. `data`: the content
        of `path` when it is not on disk as such (decompressed)."""
        label = label or str(path)
        self.add_values(label, [path.name])
        if data is None:
            with path.open("rb") as handle:
                head = handle.read(16)
        else:
            head = data[:16]
        if head[8:12] == DUCKDB_MAGIC or head.startswith(SQLITE_MAGIC):
            with _on_disk(path, data) as file:
                if head.startswith(SQLITE_MAGIC):
                    self.add_sqlite(file, label)
                else:
                    self.add_duckdb(file, label)
            return
        data = path.read_bytes() if data is None else data
        if data.startswith(PARQUET_MAGIC):
            self.add_arrow(label, pq.read_table(pa.BufferReader(data)))
        elif data.startswith(ARROW_FILE_MAGIC):
            self.add_arrow(label, pa.ipc.open_file(pa.BufferReader(data)).read_all())
        elif data.startswith(ARROW_STREAM_MAGIC) and _is_arrow_stream(data):
            self.add_arrow(label, pa.ipc.open_stream(pa.BufferReader(data)).read_all())
        elif data.startswith(GZIP_MAGIC):
            inner = path.with_name(path.name.removesuffix(".gz"))
            self.add_file(inner, f"{label}!gunzip", gzip.decompress(data))
        else:
            try:
                self.add_values(label, [data.decode("utf-8")])
            except UnicodeDecodeError:  # binary: its printable strings
                strings = b"\n".join(BINARY_STRINGS.findall(data)).decode("ascii")
                self.add_values(label, [strings])
            self.scanned.append(label)

    def add_tree(self, root: Path) -> None:
        """Every file under `root` (and the names of its folders)."""
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self.add_file(path)
            else:
                self.add_values(str(path), [path.name])

    # ------------------------------------------------------------------------ search
    def findings(self, limit: int = 20) -> list[Finding]:
        """The identifiers found (at most `limit` of each kind in each source), with a snippet
        of the value each was found in."""
        k = self.prefix_length
        stripped = "value"
        for phrase in self.public_phrases:
            stripped = f"replace({stripped}, {_sql_text(phrase)}, ' ')"
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


@contextmanager
def _on_disk(path: Path, data: bytes | None) -> Iterator[Path]:
    """`path`, or a temporary copy of `data` when given (a decompressed database)."""
    if data is None:
        yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        copy.write_bytes(data)
        yield copy


def _sqlite_texts(rows: Iterable[tuple]) -> Iterator[str]:
    for row in rows:
        for value in row:
            if isinstance(value, str):
                yield value
            elif isinstance(value, bytes):
                try:
                    yield value.decode("utf-8")
                except UnicodeDecodeError:
                    yield b"\n".join(BINARY_STRINGS.findall(value)).decode("ascii")


def _is_arrow_stream(data: bytes) -> bool:
    try:
        pa.ipc.open_stream(pa.BufferReader(data)).schema  # noqa: B018
    except pa.ArrowInvalid:
        return False
    return True


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
