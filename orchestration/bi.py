"""BI: the export of the published warehouse that the site of `reports/` reads (docs/bi.md).

    export_for_bi(source_db, target_db)  the BI copy: only what the site may read, in a storage
                                          format that Evidence's DuckDB (1.4, Node) can open

The site never reads the file a build is writing: it reads `LEIA_HOME/bi/leia_bi.duckdb`, a copy
of the *published* warehouse (`LEIA_HOME/leia.duckdb`) made by `export_for_bi`. That copy holds no
event-level data: `marts.fct_authentications` is not copied; the hour-of-day x weekday pattern
comes from the monthly aggregate `marts.agg_connections_hourly` into
`bi.connections_by_hour_weekday`.

The rest of the BI layer: orchestration/bi_site.py builds the site (npm, `evidence build`),
orchestration/bi_server.py serves it, orchestration/bi_cli.py holds `leia report` and
`leia serve-reports`; `python -m orchestration.bi report|serve-reports` runs them without `leia`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from orchestration.quality.results import DDL as RESULTS_DDL
from orchestration.quality.results import SCHEMA as RESULTS_SCHEMA
from orchestration.settings import PROJECT_DIR

REPORTS_DIR = PROJECT_DIR / "reports"
SOURCE_NAME = "warehouse"  # reports/sources/warehouse: the Evidence source
SOURCE_DIR = REPORTS_DIR / "sources" / SOURCE_NAME

# Evidence's DuckDB (@duckdb/node-api 1.4.2) cannot open files written in a newer storage format
# (Python duckdb 2.x writes one): the BI copy is written in the oldest 1.x format.
BI_STORAGE_VERSION = "v1.0.0"

# Small-cell suppression (docs/bi.md): the source queries show any count of accounts below this
# as NULL, and the rates and counts derived from it too. The SQL files spell the number out.
SMALL_CELL_MIN_ACCOUNTS = 5

# What the BI copy holds: (schema, table or None for every table of the schema).
BI_SCHEMAS: tuple[tuple[str, str | None], ...] = (
    ("marts", None),
    ("reference", None),
    ("raw", "load_log"),
    ("raw", "rejected_rows"),
    ("raw", "landing_files"),
    ("quality", None),
)
# Event-level or row-level data that never reaches the BI copy; the hourly aggregate of the
# events reaches it summed over months, as bi.connections_by_hour_weekday.
EXCLUDED_TABLES = {("marts", "fct_authentications"), ("marts", "agg_connections_hourly")}
EXCLUDED_COLUMNS = {("raw", "rejected_rows"): {"redacted_line"}}
VALIDATION_RESULTS = ("quality", "validation_results")  # orchestration/quality/results.py

# Pages of the site (reports/pages/*.md), as served.
PAGES = ("/", "/bilan/", "/bilans/", "/adoption/", "/connexions/", "/finances/", "/qualite/")


def school_year_pages(bi_db: Path) -> list[str]:
    """The templated page of each school year's Bilan (reports/pages/bilans/[annee].md): Evidence
    prerenders a templated page only when a page links to it, so each one is checked."""
    import duckdb

    con = duckdb.connect(str(bi_db), read_only=True)
    try:
        years = con.execute(
            "select distinct school_year from marts.agg_bilan_school_year order by 1"
        ).fetchall()
    finally:
        con.close()
    return [f"/bilans/{year}/" for (year,) in years]


def say(message: str) -> None:
    print(f"[leia report] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------- export
def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_for_bi(source_db: Path, target_db: Path) -> Path:
    """Write the BI copy of `source_db` (the published warehouse) to `target_db`.

    It holds the marts (less the event-level `fct_authentications`), the reference data, the
    load log, the landing folder's files and the rejected rows (without their redacted text),
    `quality.*` when present, and two tables made for the site:
    `bi.connections_by_hour_weekday` (connections per school year, weekday and hour, from
    marts.agg_connections_hourly) and `quality.validation_results` (a copy of the warehouse's,
    latest run only, or one row saying there is none yet). The file is written in DuckDB storage
    format BI_STORAGE_VERSION, beside the target, then moved into place: Evidence never sees a
    half-written copy. `source_db` is opened read-only.
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
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'src' order by schema_name, table_name"
        ).fetchall()
        copied = [
            (schema, table)
            for schema, table in tables
            if any(schema == s and (t is None or table == t) for s, t in BI_SCHEMAS)
            and (schema, table) not in EXCLUDED_TABLES
        ]
        for schema in sorted({schema for schema, _ in copied} | {"bi", "quality"}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS bi.{_quote(schema)}")
        for schema, table in copied:
            if (schema, table) == VALIDATION_RESULTS:
                continue
            _copy_table(con, schema, table)
        _write_validation_results(con, (VALIDATION_RESULTS in copied))
        _write_hour_weekday(con)
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


def _write_validation_results(con, present: bool) -> None:
    """quality.validation_results for the site: every run's results (the page shows the latest
    run and the history of failures); when the warehouse has none yet, one row that says so
    (a source query must return a row)."""
    target = "bi.quality.validation_results"
    source = "src.quality.validation_results"
    if present and con.execute(f"SELECT count(*) FROM {source}").fetchone()[0] > 0:
        _copy_table(con, *VALIDATION_RESULTS)
        return
    con.execute(RESULTS_DDL.replace(f"{RESULTS_SCHEMA}.", "bi.quality."))
    con.execute(
        f"INSERT INTO {target} (run_id, validated_at, tool, suite, check_name, success, severity) "
        "VALUES ('-', now()::TIMESTAMP, '-', 'aucun résultat', ?, true, 'warn')",
        ["L'entrepôt publié ne contient pas encore de résultats de validation."],
    )


def _write_hour_weekday(con) -> None:
    """bi.connections_by_hour_weekday, from the monthly aggregate that outlives the events."""
    has_aggregate = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'src' "
        "and schema_name = 'marts' and table_name = 'agg_connections_hourly'"
    ).fetchone()[0]
    source = (
        "src.marts.agg_connections_hourly"
        if has_aggregate
        else "(SELECT NULL::VARCHAR AS school_year, NULL::INTEGER AS iso_day_of_week, "
        "NULL::INTEGER AS hour_of_day, NULL::BIGINT AS connections WHERE false)"
    )
    con.execute(
        "CREATE TABLE bi.bi.connections_by_hour_weekday AS "
        "SELECT school_year, iso_day_of_week::INTEGER AS iso_day_of_week, "
        "hour_of_day::INTEGER AS hour_of_day, sum(connections)::BIGINT AS connections "
        f"FROM {source} GROUP BY ALL ORDER BY ALL"
    )


if __name__ == "__main__":
    # run as a script only: the command line lives in orchestration/bi_cli.py (which imports
    # this module), so it is run by name rather than imported here
    import runpy

    runpy.run_module("orchestration.bi_cli", run_name="__main__")
