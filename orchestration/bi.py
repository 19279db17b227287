"""BI: the Evidence site of `reports/`, built from the published warehouse (docs/bi.md).

    export_for_bi(source_db, target_db)  the BI copy: only what the site may read, in a storage
                                          format that Evidence's DuckDB (1.4, Node) can open
    build_site(published_db, home)       npm ci if needed, export, `evidence sources`, `evidence
                                          build`, query-error check -> LEIA_HOME/site
    serve_site(home, port)               serve LEIA_HOME/site on 127.0.0.1

The site never reads the file a build is writing: it reads `LEIA_HOME/bi/leia_bi.duckdb`, a copy
of the *published* warehouse (`LEIA_HOME/leia.duckdb`) made by `export_for_bi`. That copy holds
only the schema `bi`: the dbt models of models/bi/, made for the site (labels, joins, small-cell
suppression), and nothing event-level.

`add_report` and `add_serve_reports` add the `leia report` and `leia serve-reports` subcommands
(`orchestration.cli` lists them in COMMANDS); `python -m orchestration.bi report|serve-reports`
runs them without the CLI.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from orchestration.settings import PROJECT_DIR, Paths

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
PAGES = ("/", "/bilan/", "/bilans/", "/adoption/", "/connexions/", "/finances/", "/qualite/")


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


# How long each npm step may take before it counts as hung (evidence-dev/evidence#3155).
TIMEOUTS = {"install": 1200, "patch-check": 60, "sources": 600, "build": 1800}

# What `evidence build` prints when a page query or a component fails (it still exits 0), e.g.
#   bad_col | Error in Query! Binder Error: Referenced column "x" not found in FROM clause!
#   Error in Value: Row 0 does not exist in the dataset
QUERY_ERROR_PATTERNS = (
    re.compile(r"Error in Query!"),
    re.compile(r"\bError in [A-Z]\w*:"),
    re.compile(r"\b(Binder|Catalog|Parser|Conversion|Invalid Input|Constraint) Error:"),
    re.compile(r"Unhandled (promise )?rejection", re.I),
)
QUERY_NAME = re.compile(r"^\s*(\w+) \| Error in Query!")
PAGE_QUERY = re.compile(r"^```sql\s+(\w+)", re.M)


class BiBuildError(RuntimeError):
    """The BI site could not be built; the message says which step and why."""


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


# ------------------------------------------------------------------------------------ build
def _require_tools() -> dict[str, str]:
    tools = {name: shutil.which(name) for name in ("node", "npm")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        raise BiBuildError(
            f"{' and '.join(missing)} not found: the BI site needs Node 20 and npm "
            "(the machine image provides them; see docs/bi.md)"
        )
    return tools


def _npm_env(bi_db: Path) -> dict[str, str]:
    env = {
        **os.environ,
        # Evidence reads options of source `warehouse` from EVIDENCE_SOURCE__warehouse__<option>;
        # the DuckDB connector resolves `filename` against the source folder.
        f"EVIDENCE_SOURCE__{SOURCE_NAME}__filename": os.path.relpath(bi_db, SOURCE_DIR),
        "DO_NOT_TRACK": "1",
        "NO_UPDATE_NOTIFIER": "1",
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "CI": os.environ.get("CI", "true"),  # no interactive spinners in the logs
        "FORCE_COLOR": "0",
    }
    return env


def _run_step(step: str, command: list[str], env: dict[str, str], log_path: Path) -> str:
    """Run one npm step in reports/, echo its lines as progress, keep its log; fail loudly."""
    say(f"{step}: {' '.join(command)} (log: {log_path})")
    started = time.monotonic()
    timeout = TIMEOUTS[step]
    lines: list[str] = []
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            cwd=REPORTS_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # its own process group: a hung step is killed whole
        )
        timer = _Deadline(process, timeout)
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                line = _clean(raw)
                log.write(line + "\n")
                lines.append(line)
                if line.strip():
                    print(f"[leia report]   {step} | {line[:300]}", file=sys.stderr, flush=True)
            returncode = process.wait()
        finally:
            timer.cancel()
    output = "\n".join(lines)
    elapsed = time.monotonic() - started
    if timer.fired:
        raise BiBuildError(
            f"{step} did not finish in {timeout} s and was stopped. With no network, Evidence "
            "hangs where it would download DuckDB's parquet extension (evidence-dev/evidence#3155):"
            " check that reports/scripts/patch-evidence-offline.mjs ran (`npm run check-patch` in "
            f"reports/). Log: {log_path}"
        )
    if returncode != 0:
        shown = lines if len(lines) <= 40 else [*lines[:15], "[...]", *lines[-25:]]
        raise BiBuildError(
            f"{step} failed (exit {returncode}); log {log_path}:\n" + "\n".join(shown)
        )
    say(f"{step}: done in {elapsed:.0f} s")
    return output


class _Deadline:
    """Kills a process group when its time is up."""

    def __init__(self, process: subprocess.Popen, seconds: float) -> None:
        import threading

        self.fired = False
        self._process = process
        self._timer = threading.Timer(seconds, self._kill)
        self._timer.daemon = True
        self._timer.start()

    def _kill(self) -> None:
        self.fired = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)

    def cancel(self) -> None:
        self._timer.cancel()


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _clean(line: str) -> str:
    return ANSI.sub("", line.rstrip("\n")).replace("\r", "")


def _needs_install() -> bool:
    """npm ci when node_modules is missing or older than package-lock.json."""
    installed = REPORTS_DIR / "node_modules" / ".package-lock.json"
    lock = REPORTS_DIR / "package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime


def check_sources_output() -> list[str]:
    """The source queries that produced no Parquet file (an empty result breaks every page)."""
    data_dir = REPORTS_DIR / ".evidence" / "template" / "static" / "data"
    manifest = data_dir / "manifest.json"
    if not manifest.is_file():
        return ["(no manifest.json: `evidence sources` wrote nothing)"]
    rendered = json.loads(manifest.read_text(encoding="utf-8")).get("renderedFiles", {})
    expected = {path.stem for path in SOURCE_DIR.glob("*.sql")}
    written = {
        Path(url).stem
        for url in rendered.get(SOURCE_NAME, [])
        if (data_dir / SOURCE_NAME / Path(url).stem / Path(url).name).is_file()
    }
    return sorted(expected - written)


def _query_pages() -> dict[str, list[str]]:
    """Query name -> the pages (reports/pages/*.md) that define it."""
    pages: dict[str, list[str]] = {}
    for page in sorted((REPORTS_DIR / "pages").rglob("*.md")):
        for name in PAGE_QUERY.findall(page.read_text(encoding="utf-8")):
            pages.setdefault(name, []).append(str(page.relative_to(REPORTS_DIR)))
    return pages


def find_query_errors(build_log: str) -> list[str]:
    """Lines of an `evidence build` log that report a failed query or component, each with the
    page(s) that define the query when the line names one (the build still exits 0)."""
    pages = _query_pages()
    errors: list[str] = []
    for raw in build_log.splitlines():
        line = _clean(raw).strip()
        if not any(pattern.search(line) for pattern in QUERY_ERROR_PATTERNS):
            continue
        named = QUERY_NAME.match(line)
        if named and named.group(1) in pages:
            line += f"  [page: {', '.join(pages[named.group(1)])}]"
        if line not in errors:
            errors.append(line)
    return errors


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    """One build at a time in reports/ (.evidence/ and build/ are shared)."""
    lock_path = REPORTS_DIR / ".leia-build.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_site(published_db: Path, home: Path) -> Path:
    """Build the static BI site of `published_db` into `home/site` and return that folder.

    Steps, each printed on stderr: `npm ci` when reports/node_modules is missing or older than
    the lock file; the offline patch check; `export_for_bi` into `home/bi/leia_bi.duckdb`;
    `evidence sources --strict` and `evidence build` pointed at that copy; every source query
    must have written data and the build log must show no query error; `reports/build` is
    copied to `home/site`. Raises BiBuildError (FileNotFoundError without a warehouse).
    """
    published_db, home = Path(published_db).resolve(), Path(home).resolve()
    if not published_db.is_file():
        raise FileNotFoundError(f"no published warehouse at {published_db}: run `leia run` first")
    tools = _require_tools()
    bi_dir = home / "bi"
    logs = bi_dir / "logs"
    bi_db = bi_dir / "leia_bi.duckdb"
    env = _npm_env(bi_db)
    npm, node = tools["npm"], tools["node"]
    with _build_lock():
        if _needs_install():
            _run_step("install", [npm, "ci", "--no-audit", "--no-fund"], env, logs / "npm-ci.log")
        _run_step(
            "patch-check",
            [node, "scripts/patch-evidence-offline.mjs", "--check"],
            env,
            logs / "patch-check.log",
        )
        say(f"export: {published_db} -> {bi_db} (DuckDB storage {BI_STORAGE_VERSION})")
        started = time.monotonic()
        export_for_bi(published_db, bi_db)
        say(f"export: done in {time.monotonic() - started:.0f} s")
        _run_step("sources", [npm, "run", "sources"], env, logs / "sources.log")
        empty = check_sources_output()
        if empty:
            raise BiBuildError(
                "source queries without data (every query of reports/sources/warehouse must "
                f"return at least one row): {', '.join(empty)}; log {logs / 'sources.log'}"
            )
        build_log = _run_step("build", [npm, "run", "build"], env, logs / "build.log")
        errors = find_query_errors(build_log)
        if errors:
            raise BiBuildError(
                "query errors in the pages (evidence build does not fail on them); "
                f"log {logs / 'build.log'}:\n  " + "\n  ".join(errors[:20])
            )
        built = REPORTS_DIR / "build"
        pages = [*PAGES, *school_year_pages(bi_db)]
        missing = [page for page in pages if not (built / page.strip("/") / "index.html").is_file()]
        if missing:
            raise BiBuildError(f"pages missing from {built}: {', '.join(missing)}")
        site = home / "site"
        staging = home / "site.partial"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(built, staging)
        old = home / "site.old"
        shutil.rmtree(old, ignore_errors=True)
        if site.exists():
            site.rename(old)
        staging.rename(site)
        shutil.rmtree(old, ignore_errors=True)
    say(f"site: {site} ({len(pages)} pages); `leia serve-reports` serves it")
    return site


# ------------------------------------------------------------------------------------ serve
class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".parquet": "application/octet-stream",
        ".arrow": "application/vnd.apache.arrow.stream",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


class _SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # a browser that closes a connection mid-download (a closed tab) is not an error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(home: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server of `home/site` on 127.0.0.1 (port 0: any free port)."""
    site = Path(home).resolve() / "site"
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no site in {site}: run `leia report` first")
    handler = functools.partial(_SiteHandler, directory=str(site))
    return _SiteServer(("127.0.0.1", port), handler)


def serve_site(home: Path, port: int = 8000) -> None:
    """Serve `home/site` on 127.0.0.1:`port` until interrupted, printing the address."""
    server = make_server(home, port)
    host, bound = server.server_address[:2]
    print(f"BI site: http://{host}:{bound}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# -------------------------------------------------------------------------------------- CLI
def add_report(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="build the BI site (Evidence) from the published warehouse into LEIA_HOME/site",
    )
    parser.add_argument(
        "--warehouse-dir", type=Path, help="LEIA_HOME, holding leia.duckdb (default: warehouse)"
    )
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    paths = Paths.from_env(home=args.warehouse_dir)
    try:
        site = build_site(paths.warehouse, paths.home)
    except (BiBuildError, FileNotFoundError) as error:
        print(f"leia report: error: {error}", file=sys.stderr)
        return 1
    print(f"BI site built: {site}")
    return 0


def add_serve_reports(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve-reports", help="serve LEIA_HOME/site on 127.0.0.1")
    parser.add_argument("--warehouse-dir", type=Path, help="LEIA_HOME (default: warehouse)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.set_defaults(handler=run_serve_reports)


def run_serve_reports(args: argparse.Namespace) -> int:
    paths = Paths.from_env(home=args.warehouse_dir)
    try:
        serve_site(paths.home, args.port)
    except (FileNotFoundError, OSError) as error:
        print(f"leia serve-reports: error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.bi")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_report(subparsers)
    add_serve_reports(subparsers)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
