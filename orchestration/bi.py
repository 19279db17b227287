"""BI: the export of the published warehouse that the site of `reports/` reads (docs/bi.md).

    export_for_bi(source_db, target_db)  the BI copy: only what the site may read, in a storage
                                          format that Evidence's DuckDB (1.4, Node) can open

The site never reads the file a build is writing: it reads `LEIA_HOME/bi/leia_bi.duckdb`, a copy
of the *published* warehouse (`LEIA_HOME/leia.duckdb`) made by `export_for_bi`. That copy holds
only the schema `bi`: the dbt models of models/bi/, made for the site (labels, joins, small-cell
suppression), and nothing event-level.

The rest of the BI layer: orchestration/bi_site.py builds the site (npm, `evidence build`),
orchestration/bi_server.py serves it, orchestration/bi_cli.py holds `leia report` and
`leia serve-reports`; `python -m orchestration.bi report|serve-reports` runs them without `leia`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from orchestration.settings import PROJECT_DIR

REPORTS_DIR = PROJECT_DIR / "reports"
SOURCE_NAME = "warehouse"  # reports/sources/warehouse: the Evidence source
SOURCE_DIR = REPORTS_DIR / "sources" / SOURCE_NAME

# Evidence's DuckDB (@duckdb/node-api 1.4.2) cannot open files written in a newer storage format
# (Python duckdb 2.x writes one): the BI copy is written in the oldest 1.x format.
BI_STORAGE_VERSION = "v1.0.0"

# What the BI copy holds: (schema, table or None for every table of the schema). The site reads
# only the dbt models of models/bi/ (schema bi), which apply the small-cell suppression
# (var min_cell_accounts, docs/bi.md); their views are copied as tables.
BI_SCHEMAS: tuple[tuple[str, str | None], ...] = (("bi", None),)
# Tables and columns of those schemas that must not reach the site: none today (the bi models
# select what the site shows; the event-level facts and the rejected lines stay in the warehouse).
EXCLUDED_TABLES: set[tuple[str, str]] = set()
EXCLUDED_COLUMNS: dict[tuple[str, str], set[str]] = {}

# Pages of the site (reports/pages/*.md), as served.
PAGES = (
    "/",
    "/bilan/",
    "/bilans/",
    "/etablissements/",
    "/adoption/",
    "/connexions/",
    "/audience/",
    "/finances/",
    "/qualite/",
)
# The dbt documentation (orchestration/dbt_docs.py), one static page of the site, linked from its
# home page: Evidence copies reports/static/ into the build (git-ignored there).
DBT_DOCS_PAGE = "/dbt-docs/"
DBT_DOCS_STATIC = REPORTS_DIR / "static" / "dbt-docs" / "index.html"


def school_year_pages(bi_db: Path) -> list[str]:
    """The templated page of each school year's Bilan (reports/pages/bilans/[annee].md): Evidence
    prerenders a templated page only when a page links to it, so each one is checked."""
    import duckdb

    con = duckdb.connect(str(bi_db), read_only=True)
    try:
        years = con.execute(
            "select distinct school_year from bi.bi_bilan_by_school_year order by 1"
        ).fetchall()
    finally:
        con.close()
    return [f"/bilans/{year}/" for (year,) in years]


def school_pages(bi_db: Path) -> list[str]:
    """The templated page of each school (reports/pages/etablissements/[uai].md), linked from the
    index /etablissements/: each one is checked, as Evidence prerenders only linked pages."""
    import duckdb

    con = duckdb.connect(str(bi_db), read_only=True)
    try:
        schools = con.execute("select uai from bi.bi_school_pages order by 1").fetchall()
    finally:
        con.close()
    return [f"/etablissements/{uai}/" for (uai,) in schools]


def say(message: str) -> None:
    print(f"[leia report] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------- export
def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_for_bi(source_db: Path, target_db: Path) -> Path:
    """Write the BI copy of `source_db` (the published warehouse) to `target_db`.

    It holds what BI_SCHEMAS names (the dbt models of models/bi/, tables and views, each copied
    as a table). The file is written in DuckDB storage format BI_STORAGE_VERSION, beside the
    target, then moved into place: Evidence never sees a half-written copy. `source_db` is opened
    read-only.
    """
    import duckdb

    source_db, target_db = Path(source_db).resolve(), Path(target_db).resolve()
    if not source_db.is_file():
        raise FileNotFoundError(f"no published warehouse at {source_db}: run `leia run` first")
    target_db.parent.mkdir(parents=True, exist_ok=True)
    partial = target_db.with_name(target_db.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_literal(str(source_db))} AS src (READ_ONLY)")
        con.execute(
            f"ATTACH {_literal(str(partial))} AS bi (STORAGE_VERSION '{BI_STORAGE_VERSION}')"
        )
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'src' "
            "union all select schema_name, view_name from duckdb_views() "
            "where database_name = 'src' and not internal order by all"
        ).fetchall()
        copied = [
            (schema, table)
            for schema, table in tables
            if any(schema == s and (t is None or table == t) for s, t in BI_SCHEMAS)
            and (schema, table) not in EXCLUDED_TABLES
        ]
        for schema in sorted({schema for schema, _ in copied}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS bi.{_quote(schema)}")
        for schema, table in copied:
            _copy_table(con, schema, table)
        con.execute("DETACH bi")
    finally:
        con.close()
    os.replace(partial, target_db)
    return target_db


def _columns(con, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'src' "
        "and schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()


def _copy_table(con, schema: str, table: str) -> None:
    excluded = EXCLUDED_COLUMNS.get((schema, table), set())
    columns = [_quote(name) for name, _ in _columns(con, schema, table) if name not in excluded]
    target, source = f"bi.{_quote(schema)}.{_quote(table)}", f"src.{_quote(schema)}.{_quote(table)}"
    con.execute(f"CREATE TABLE {target} AS SELECT {', '.join(columns)} FROM {source}")


if __name__ == "__main__":
    # run as a script only: the command line lives in orchestration/bi_cli.py (which imports
    # this module), so it is run by name rather than imported here
    import runpy

    runpy.run_module("orchestration.bi_cli", run_name="__main__")
