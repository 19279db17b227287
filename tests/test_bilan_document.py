"""`leia bilan`: the Bilan of a school year as PDF and HTML, read from the published warehouse.

On the shared demo warehouse (no warehouse of its own): its published file is a link to the
fixture's, opened read-only by the command. The figures the tests look for are read from the
warehouse too, but for the report's two headline numbers the acceptance asks for verbatim.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest

from orchestration.bilan_document.formatting import format_pair, format_value
from orchestration.bilan_document.sections import SECTIONS
from orchestration.home import HomeLayout
from orchestration.run_lock import run_lock
from orchestration.settings import PROJECT_DIR, subprocess_env

YEAR = "2017-2018"
HEADLINE_NUMBERS = ("89 209", "1 052 098")  # the Bilan 2017's accounts and 2017/2018 connections
DIFFERENT = ("mismatch", "rounding")


def leia_bilan(home: Path, *arguments: str, env: dict | None = None):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "bilan",
            "--warehouse-dir",
            str(home),
            *arguments,
        ],
        cwd=PROJECT_DIR,
        env=env or subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def flat(text: str) -> str:
    """Whitespace collapsed: a title or a number cut across lines reads whole."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'"))


def html_text(document: str) -> str:
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", document)))


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils (or `make browser`)")
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return flat(result.stdout)


@pytest.fixture(scope="module")
def bilan_home(demo_warehouse, tmp_path_factory) -> Path:
    """A LEIA_HOME whose published warehouse is the demo fixture's file (a link, read-only)."""
    _, database = demo_warehouse
    home = tmp_path_factory.mktemp("bilan_home")
    HomeLayout(home).warehouse.symlink_to(database)
    return home


@pytest.fixture(scope="module")
def bilan_2017(bilan_home):
    """`leia bilan --year 2017-2018`, run while a run holds LEIA_HOME's run lock: it reads the
    published file only, read-only, and does not wait for the lock."""
    with run_lock(bilan_home, "test: a run in progress", notify=lambda _: None):
        result = leia_bilan(bilan_home, "--year", YEAR)
    assert result.returncode == 0, result.stderr[-3000:]
    layout = HomeLayout(bilan_home)
    return result, layout.bilan_document(YEAR, ".pdf"), layout.bilan_document(YEAR, ".html")


def query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(HomeLayout(home).warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_2017_2018_pdf_has_the_headline_numbers_and_every_section(bilan_2017):
    result, pdf, _ = bilan_2017
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "[leia]" in result.stderr and "PDF written" in result.stderr  # progress on stderr
    assert str(pdf) in result.stdout
    text = pdf_text(pdf)
    for number in HEADLINE_NUMBERS:
        assert number in text
    for _, title in SECTIONS:
        assert title in text, title


def test_the_html_has_the_same_and_works_offline(bilan_2017):
    _, _, page = bilan_2017
    document = page.read_text(encoding="utf-8")
    text = html_text(document)
    for number in HEADLINE_NUMBERS:
        assert number in text
    for _, title in SECTIONS:
        assert title in text, title
    assert '<html lang="fr">' in document
    # nothing to fetch: no script, no stylesheet or image by address but the SVG namespace
    assert "<script" not in document
    assert set(re.findall(r"https?://[^\s\"'<>]+", document)) <= {"http://www.w3.org/2000/svg"}
    charts = re.findall(r"<svg.*?</svg>", document, flags=re.DOTALL)
    assert len(charts) >= len(SECTIONS) - 1
    for chart in charts:
        ET.fromstring(chart)  # well-formed


def test_the_published_value_is_shown_beside_the_recomputed_one_where_they_differ(
    bilan_home, bilan_2017
):
    _, pdf, page = bilan_2017
    rows = query(
        bilan_home,
        "select bi.label_fr, bi.unit, bi.published_value, bi.computed_value "
        "from bi.bi_bilan_indicators as bi join marts.rpt_bilan_indicators as rpt "
        "using (report_code, indicator_code) where bi.status in ('mismatch', 'rounding') "
        "and rpt.period_start >= '2017-09-01' and rpt.period_end <= '2018-08-31'",
    )
    assert rows, "the demo data has figures of 2017/2018 that differ from the report"
    document = page.read_text(encoding="utf-8")
    differing = [
        html_text(row) for row in re.findall(r'<tr class="ecart">.*?</tr>', document, re.DOTALL)
    ]
    text = pdf_text(pdf)
    for label, unit, published, computed in rows:
        shown_published, shown_computed = format_pair(published, computed, unit)
        assert shown_published != shown_computed  # the difference can be read
        shown = [row for row in differing if html.unescape(label) in row]
        assert any(shown_published in row and shown_computed in row for row in shown), (
            label,
            published,
            computed,
        )
        assert shown_published in text and shown_computed in text


def test_another_covered_year_works(bilan_home):
    (connections,) = query(
        bilan_home,
        "select connections from bi.bi_connections_by_school_year where school_year = ?",
        ["2016-2017"],
    )[0]
    result = leia_bilan(bilan_home, "--year", "2016-2017")
    assert result.returncode == 0, result.stderr[-3000:]
    text = pdf_text(HomeLayout(bilan_home).bilan_document("2016-2017", ".pdf"))
    assert "2016/2017" in text
    assert format_value(connections, "connections") in text
    for _, title in SECTIONS:
        assert title in text, title


def test_a_year_not_covered_is_refused_naming_it_and_the_years_available(bilan_home):
    result = leia_bilan(bilan_home, "--year", "2030-2031")
    assert result.returncode == 2
    assert "2030-2031" in result.stderr and "2017-2018" in result.stderr
    assert not HomeLayout(bilan_home).bilan_document("2030-2031", ".pdf").exists()
    malformed = leia_bilan(bilan_home, "--year", "2017")
    assert malformed.returncode == 2 and "2017-2018" in malformed.stderr


def test_without_chromium_the_error_says_so(bilan_home, tmp_path):
    env = subprocess_env()
    env["PATH"] = str(Path(sys.executable).parent)  # neither /usr/bin nor chromium
    home = tmp_path / "home"
    home.mkdir()
    HomeLayout(home).warehouse.symlink_to(HomeLayout(bilan_home).warehouse.resolve())
    result = leia_bilan(home, "--year", YEAR, env=env)
    assert result.returncode == 1
    assert "Chromium is missing" in result.stderr and "apt-get install" in result.stderr
    assert HomeLayout(home).bilan_document(YEAR, ".html").is_file()  # the HTML is written


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (89209, "accounts", "89 209"),
        (1052098.0, "connections", "1 052 098"),
        (0.5198, "rate", "52,0 %"),
        (4500, "eur", "4 500,00 €"),
        (9.3, "eur", "9,30 €"),
        (4.0, "years", "4"),
        (None, "accounts", "—"),
        (1, "boolean", "oui"),
    ],
)
def test_numbers_are_written_the_french_way(value, unit, expected):
    assert format_value(value, unit) == expected
