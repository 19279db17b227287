"""The BI site: `npm ci` if needed, the BI export, `evidence sources` and `evidence build`, checked.

build_site(published_db, home)  -> LEIA_HOME/site (docs/bi.md)
"""

from __future__ import annotations

import contextlib
import fcntl
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

from orchestration.bi import (
    BI_STORAGE_VERSION,
    DBT_DOCS_PAGE,
    DBT_DOCS_STATIC,
    PAGES,
    REPORTS_DIR,
    SOURCE_DIR,
    SOURCE_NAME,
    export_for_bi,
    say,
    school_pages,
    school_year_pages,
)
from orchestration.dbt_docs import write_dbt_docs
from orchestration.home import HomeLayout
from orchestration.settings import inherited, subprocess_env

# How long each npm step may take before it counts as hung (evidence-dev/evidence#3155).
TIMEOUTS = {"install": 1200, "patch-check": 60, "sources": 600, "build": 1800}
# The postinstall script that patches Evidence (offline, French), in reports/scripts/.
PATCH_SCRIPT = "patch-evidence-offline.mjs"

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
    return subprocess_env(
        # Evidence reads options of source `warehouse` from EVIDENCE_SOURCE__warehouse__<option>;
        # the DuckDB connector resolves `filename` against the source folder.
        **{f"EVIDENCE_SOURCE__{SOURCE_NAME}__filename": os.path.relpath(bi_db, SOURCE_DIR)},
        DO_NOT_TRACK="1",
        NO_UPDATE_NOTIFIER="1",
        npm_config_update_notifier="false",
        npm_config_fund="false",
        npm_config_audit="false",
        CI=inherited("CI", "true"),  # no interactive spinners in the logs
        FORCE_COLOR="0",
    )


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
    """npm ci when node_modules is missing or older than package-lock.json or than the patch
    script (its postinstall: a changed patch is applied to a fresh install)."""
    installed = REPORTS_DIR / "node_modules" / ".package-lock.json"
    newer = (REPORTS_DIR / "package-lock.json", REPORTS_DIR / "scripts" / PATCH_SCRIPT)
    return not installed.is_file() or any(
        installed.stat().st_mtime < path.stat().st_mtime for path in newer
    )


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
    layout = HomeLayout(home)
    logs = layout.bi / "logs"
    bi_db = layout.bi_database
    env = _npm_env(bi_db)
    npm, node = tools["npm"], tools["node"]
    with _build_lock():
        if _needs_install():
            _run_step("install", [npm, "ci", "--no-audit", "--no-fund"], env, logs / "npm-ci.log")
        _run_step(
            "patch-check",
            [node, f"scripts/{PATCH_SCRIPT}", "--check"],
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
        say(f"dbt-docs: {DBT_DOCS_STATIC}")
        started = time.monotonic()
        write_dbt_docs(DBT_DOCS_STATIC)  # in static/: the site serves it, the build links it
        say(f"dbt-docs: done in {time.monotonic() - started:.0f} s")
        build_log = _run_step("build", [npm, "run", "build"], env, logs / "build.log")
        errors = find_query_errors(build_log)
        if errors:
            raise BiBuildError(
                "query errors in the pages (evidence build does not fail on them); "
                f"log {logs / 'build.log'}:\n  " + "\n  ".join(errors[:20])
            )
        built = REPORTS_DIR / "build"
        pages = [*PAGES, *school_year_pages(bi_db), *school_pages(bi_db), DBT_DOCS_PAGE]
        missing = [page for page in pages if not (built / page.strip("/") / "index.html").is_file()]
        if missing:
            raise BiBuildError(f"pages missing from {built}: {', '.join(missing)}")
        site = layout.site
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
