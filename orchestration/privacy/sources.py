"""What the privacy scan reads: files by what they are (their first bytes), not by their name.

DuckDB files (every column of every table and view of every schema; schema, table and column
names; view definitions and comments), Parquet and Arrow IPC files, SQLite files (Dagster's run
storage), gzip-compressed files, text files, and the printable strings of any other binary file.
`Sources` is the reading half of scan.Scanner, which gathers the values and searches them.

Independent of the code it checks: it imports nothing of the warehouse (not the loader
orchestration.extracts.load, not the extract contract orchestration.extracts.contract, nothing of
orchestration outside this package), so that a bug there cannot hide a leak; tests/test_privacy.py
checks this.
"""

from __future__ import annotations

import gzip
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

from orchestration.privacy.identifiers import sql_text

BINARY_STRINGS = re.compile(rb"[\x20-\x7e]{4,}")
DUCKDB_MAGIC = b"DUCK"  # bytes 8-12 of a DuckDB file
SQLITE_MAGIC = b"SQLite format 3\x00"
PARQUET_MAGIC = b"PAR1"
ARROW_FILE_MAGIC = b"ARROW1"
ARROW_STREAM_MAGIC = b"\xff\xff\xff\xff"
GZIP_MAGIC = b"\x1f\x8b"


class Sources:
    """Reads files and databases into the values of a scan: `add_values(source, values)` and
    `_add_relation(prefix, relation, columns)` (a table that DuckDB reads) are the scanner's, as
    are `con` (its DuckDB connection) and `scanned` (what was read)."""

    # ------------------------------------------------------------------------ sources
    def add_duckdb(self, path: Path, label: str | None = None) -> None:
        """Every table and view of every schema of a DuckDB file, their names and definitions."""
        label = label or str(path)
        alias = f"scanned_{len(self.scanned)}"
        self.con.execute(f"attach {sql_text(str(path))} as {alias} (read_only)")
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
