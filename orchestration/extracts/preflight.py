"""File-level checks of a delivery: a file that cannot be loaded at all, and why.

`preflight()` finds a file's fault from its first line, before anything is loaded (empty, not
gzip, not UTF-8, header not the contract's); `read_lines()` and `check_header()` are the same
checks during a load, which also finds the faults further in. LoadError is a file that cannot be
loaded; DeliveryError names every such file of a delivery.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb

from orchestration.extracts.contract import Extract
from orchestration.extracts.row_checks import sql_literal


class LoadError(RuntimeError):
    """A whole file cannot be loaded (unreadable, wrong header, wrong encoding...)."""


class DeliveryError(LoadError):
    """Several files of one delivery cannot be loaded: each is named with its fault."""

    def __init__(self, problems: list[str], loaded: list[str] | None = None) -> None:
        self.problems = problems
        count = f"{len(problems)} file{'s' if len(problems) > 1 else ''}"
        kept = (
            f" (the others are loaded: {', '.join(loaded)})"
            if loaded
            else " (nothing was loaded)"
            if loaded is not None
            else ""
        )
        super().__init__(
            f"{count} of the delivery cannot be loaded{kept}:\n  " + "\n  ".join(problems)
        )


def read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """temp table `lines`: every physical line of the file with its 1-based number."""
    if path.stat().st_size == 0:
        # a 0-byte file is not even a valid gzip stream: say what it is, not how it fails
        raise LoadError(f"{path}: line 1: the file is empty (0 bytes; a header line is required)")
    try:
        con.execute(
            "create or replace temp table lines as "
            "select row_number() over () as line_number, raw_line from read_csv("
            f"{sql_literal(str(path))}, header = false, columns = {{'raw_line': 'VARCHAR'}}, "
            "delim = '\x1f', quote = '', escape = '', auto_detect = false, "
            "strict_mode = false, parallel = false)"
        )
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        if "unicode" in str(error).lower():
            message = "not UTF-8 encoded (the contract requires UTF-8): " + message
        elif "gzip" in str(error).lower():
            message = "truncated or corrupt gzip file (deliver it again): " + message
        raise LoadError(f"{path}: cannot be read: {message}") from error


def header_problem(header: str | None, path: Path, extract: Extract) -> str | None:
    """What is wrong with a file's first line, None if it is the contract's header."""
    if header is None:
        return f"{path}: line 1: the file is empty (a header line is required)"
    found = [c.strip() for c in header.lstrip("\ufeff").rstrip("\r\n").split(",")]
    expected = list(extract.columns)
    if found == expected:
        return None
    missing = [c for c in expected if c not in found]
    added = [c for c in found if c not in expected]
    return (
        f"{path}: line 1: header does not match the {extract.name} contract "
        f"(docs/extracts.md): expected {','.join(expected)}; found {','.join(found)}"
        + (f"; missing {missing}" if missing else "")
        + (f"; unexpected {added}" if added else "")
    )


def check_header(con: duckdb.DuckDBPyConnection, path: Path, extract: Extract) -> None:
    row = con.execute("select raw_line from lines where line_number = 1").fetchone()
    problem = header_problem(None if row is None else row[0], path, extract)
    if problem:
        raise LoadError(problem)


def preflight(path: Path, extract: Extract) -> str | None:
    """The file-level fault of a file, found from its first line before anything is loaded
    (empty file, not gzip, not UTF-8, header not the contract's); None if it looks loadable.
    Faults further in (a bad byte at line 40,000, a truncated end) are the load's to find."""
    if path.stat().st_size == 0:
        return f"{path}: line 1: the file is empty (0 bytes; a header line is required)"
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            first = handle.readline(1 << 20)
    except (OSError, EOFError) as error:
        return f"{path}: cannot be read: truncated or corrupt gzip file (deliver it again): {error}"
    try:
        header = first.decode("utf-8") if first else None
    except UnicodeDecodeError as error:
        return f"{path}: line 1: not UTF-8 encoded (the contract requires UTF-8): {error}"
    return header_problem(header, path, extract)
