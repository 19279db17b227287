"""The BI site (reports/, Evidence): the BI copy, then the whole site built from the demo warehouse
and every page opened in headless Chromium.

The slow test needs Node 20 + npm (the site is built with `npm ci`, `evidence sources`, `evidence
build`) and Debian's `chromium`; CI installs them, so it fails - never skips - when they are
missing. Its expected figures are read from the warehouse itself, not written here. Screenshots of
every page are kept in LEIA_HOME/screenshots (and copied to $LEIA_SCREENSHOTS_DIR when set, for CI
artifacts).

Longer than 350 lines because the site is built once, an expensive shared fixture, and every
page is checked on that one build: split, each module would build the site again.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from orchestration import bi, bi_server, bi_site
from orchestration.quality.results import DDL, GX, ResultRow, record_results

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--virtual-time-budget=20000",
    "--no-first-run",
    "--hide-scrollbars",
]
APT_LINE = "apt-get install -y chromium fonts-dejavu-core; Node 20 + npm: the machine image"
# What a page shows when something went wrong (Evidence's error boxes, SvelteKit's error page).
ERROR_MARKERS = re.compile(
    r"(Binder Error|Catalog Error|Parser Error|Conversion Error|Invalid Input Error|"
    r"Internal Error|Error in query|Query failed|Failed to load|Something went wrong|"
    r"\b500\b\s*Internal|\bundefined\b is not|Cannot read properties|Missing required|"
    r"Dataset is empty|does not exist)",
    re.IGNORECASE,
)


# ----------------------------------------------------------------------------------- helpers
def storage_version_number(database: Path) -> int:
    """The storage version number in a DuckDB file's header (64 = v1.0.0 .. v1.1.x)."""
    header = database.read_bytes()[:20]
    assert header[8:12] == b"DUCK", f"{database} is not a DuckDB file"
    return struct.unpack("<Q", header[12:20])[0]


def fr_number(value: float, decimals: int = 0) -> str:
    """A number written the French way, with plain spaces (the page text is normalised)."""
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style", "noscript", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(dom: str) -> str:
    """The visible text of a DOM, every kind of space (narrow no-break...) made a plain one."""
    extractor = _TextExtractor()
    extractor.feed(dom)
    text = html.unescape(" ".join(extractor.parts))
    text = re.sub(r"[\u00a0\u202f\u2009\u2007]", " ", text)
    return re.sub(r"[ \t\r\n]+", " ", text)


def chromium(url: str, *args: str, profile: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, f"chromium is missing: {APT_LINE}"
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
        capture_output=True,
        text=True,
        timeout=180,
    )


# ------------------------------------------------------------------------------ export_for_bi
@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> Path:
    """A published warehouse in miniature, written by this Python duckdb (storage 2.x): marts and
    raw tables the site must not read, and a `bi` schema as models/bi/ builds it (tables, and a
    view on quality.validation_results, which the run writes after dbt)."""
    database = tmp_path / "leia.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts; create schema raw; create schema reference")
        con.execute(
            "create table marts.fct_authentications as "
            "select 'e' || i as event_id, 'k' || (i % 11) as account_key from range(100) t(i)"
        )
        con.execute("create table marts.dim_schools as select '6200001G' as uai, 'Lycée' as name")
        con.execute(
            "create table raw.rejected_rows as select 'accounts' as extract, 'bad uai' as reason, "
            "'x;y;secret' as redacted_line"
        )
        con.execute("create table raw.accounts as select 'login' as login")
        con.execute("create table reference.profiles as select 'eleve' as profile")
        con.execute(DDL)  # created empty before dbt, as on-run-start does
        con.execute("create schema bi")
        con.execute("create table bi.bi_schools as select uai, name from marts.dim_schools")
        con.execute(
            "create view bi.bi_validation_results as "
            "select run_id, check_name, success from quality.validation_results"
        )
    return database


def test_export_for_bi_writes_only_the_bi_models_in_a_1x_storage_format(
    tiny_warehouse: Path, tmp_path: Path
):
    target = bi.export_for_bi(tiny_warehouse, tmp_path / "bi" / "leia_bi.duckdb")

    assert storage_version_number(tiny_warehouse) > 64  # the warehouse: DuckDB 2.x format
    assert storage_version_number(target) == 64  # the copy: v1.0.0, readable by DuckDB 1.x
    assert not target.with_name(target.name + ".partial").exists()
    with duckdb.connect(str(target), read_only=True) as con:
        tables = set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())
        views = con.execute("select view_name from duckdb_views() where not internal").fetchall()
        assert tables == {("bi", "bi_schools"), ("bi", "bi_validation_results")}
        assert views == []  # a view is copied as a table: Evidence reads the copy alone
        # no event-level mart, no raw accounts, no rejected line, no marts or reference tables
        assert con.execute("select * from bi.bi_schools").fetchall() == [("6200001G", "Lycée")]


def test_export_for_bi_copies_the_views_as_they_read_now(tiny_warehouse: Path, tmp_path: Path):
    """bi_validation_results is a view: the results a run writes after dbt reach the copy."""
    rows = [
        ResultRow(
            "raw", "every_month_loaded", "staging/stg_raw__load_log", None, "x", "y", False, "error"
        ),
        ResultRow("schools", "uai_unique", "marts/dim_schools", None, "unique", "0", True, "error"),
    ]
    with duckdb.connect(str(tiny_warehouse)) as con:
        record_results(con, "run-1", GX, rows)
        record_results(con, "run-2", GX, rows[1:])
    target = bi.export_for_bi(tiny_warehouse, tmp_path / "leia_bi.duckdb")

    with duckdb.connect(str(target), read_only=True) as con:
        kept = con.execute(
            "select run_id, check_name, success from bi.bi_validation_results order by 1, 2"
        ).fetchall()
    assert kept == [
        ("run-1", "every_month_loaded", False),
        ("run-1", "uai_unique", True),
        ("run-2", "uai_unique", True),
    ]


def test_export_for_bi_refuses_a_missing_warehouse(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="leia run"):
        bi.export_for_bi(tmp_path / "missing.duckdb", tmp_path / "bi.duckdb")


def test_query_errors_are_found_in_a_build_log_with_their_page():
    """`evidence build` exits 0 on a broken query: build_site reads its log (a real one here)."""
    log = (
        "> evidence build\n"
        'par_annee | Error in Query! Binder Error: Referenced column "no_such_column" not '
        "found in FROM clause!\n"
        'Candidate bindings: "school_year"\n'
        "\x1b[31mError in Value: Row 0 does not exist in the dataset\x1b[0m\n"
        "Run npm run preview to preview your production build locally.\n"
        '  Wrote site to "./build"\n'
        "  ✔ done\n"
    )
    assert bi_site.find_query_errors(log) == [
        'par_annee | Error in Query! Binder Error: Referenced column "no_such_column" not found '
        "in FROM clause!  [page: pages/adoption.md]",
        "Error in Value: Row 0 does not exist in the dataset",
    ]
    assert bi_site.find_query_errors('  Wrote site to "./build"\n  ✔ done\n') == []


# ------------------------------------------------------------------------------- the site
@pytest.fixture(scope="module")
def served_site(built_site):
    home, _ = built_site
    server = bi_server.make_server(home, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def expected(built_site) -> dict[str, object]:
    """The figures each page must show, read from the published warehouse itself."""
    _, published = built_site
    with duckdb.connect(str(published), read_only=True) as con:

        def one(sql: str):
            return con.execute(sql).fetchone()

        def column(sql: str) -> list:
            return [row[0] for row in con.execute(sql).fetchall()]

        latest_year, rate, not_using = one(
            "select school_year, appropriation_rate, schools_not_using "
            "from marts.agg_adoption_school_year order by school_year desc limit 1"
        )
        return {
            "accounts": one("select sum(accounts) from marts.agg_accounts_by_profile")[0],
            "schools": one("select count(*) from marts.dim_schools")[0],
            "connections": dict(
                con.execute(
                    "select school_year, connections from marts.agg_connections_school_year"
                ).fetchall()
            ),
            "peaks": column("select peak_month_connections from marts.agg_connections_school_year"),
            "bilan_labels": column(
                "select label_fr from marts.rpt_bilan_indicators "
                "where report_code = 'bilan_2017' order by display_order"
            ),
            "yearly": con.execute(
                "select school_year, year_status, metric_value from marts.agg_bilan_school_year "
                "where metric_code = 'connections' order by school_year"
            ).fetchall(),
            "bilan_mismatches": one(
                "select count(*) from marts.rpt_bilan_indicators where status = 'mismatch'"
            )[0],
            "latest_year": latest_year,
            "latest_rate": rate,
            "latest_not_using": not_using,
            "schools_not_using": column(
                "select school_name from marts.fct_school_adoption "
                f"where not is_using and school_year = '{latest_year}'"
            ),
            "top_service": one(
                "select service_label_fr from marts.agg_service_usage "
                "order by school_year desc, service_rank limit 1"
            )[0],
            "finance": one(
                "select total_cost_eur, cost_per_school_per_year_eur, eu_cofinancing_share, "
                "consumed_eur, cost_per_pupil_per_year_eur from marts.agg_finance_summary"
            ),
            "loaded": dict(
                con.execute(
                    "select extract, sum(rows_loaded) from raw.load_log group by extract"
                ).fetchall()
            ),
            "rejected": one("select count(*) from raw.rejected_rows")[0],
            "school_names": dict(
                con.execute(
                    "select uai, school_name from marts.dim_schools order by uai"
                ).fetchall()
            ),
            "audience": con.execute(
                "select school_year, visits, unique_visitors from marts.agg_audience "
                "where period_type = 'school_year' and dimension = 'all' order by school_year"
            ).fetchall(),
            "activated": one(
                "select sum(activated_accounts) from marts.agg_activated_accounts "
                "where snapshot_date = "
                "(select max(snapshot_date) from marts.agg_activated_accounts)"
            )[0],
            "latest_checks": one(
                "select count(*) from quality.validation_results where run_id = "
                "(select run_id from quality.validation_results order by validated_at desc "
                "limit 1)"
            )[0],
        }


def _figures(path: str, expected: dict[str, object]) -> list[str]:
    """The texts that must appear on a page (French number formats)."""
    e = expected
    years = {year: year.replace("-", "/") for year in e["connections"]}
    if path == "/":
        return [
            fr_number(e["accounts"]),
            fr_number(e["connections"]["2016-2017"]),
            "Secret statistique",
        ]
    if path == "/bilan/":
        return [
            *e["bilan_labels"],
            fr_number(e["accounts"]),
            fr_number(e["connections"]["2016-2017"]),
            "Bilan chiffré",
            "Bilan financier",
            fr_number(e["bilan_mismatches"]),
        ]
    if path == "/bilans/":
        return [
            *(f"Bilan {year.replace('-', '/')}" for year, _, _ in e["yearly"]),
            *(
                "année complète" if status == "complete" else "année partielle"
                for _, status, _ in e["yearly"]
            ),
        ]
    if path.startswith("/bilans/"):
        year = path.strip("/").split("/")[1]
        (connections,) = [value for y, _, value in e["yearly"] if y == year]
        return [
            f"Bilan {year.replace('-', '/')}",
            fr_number(connections),
            "Taux d'appropriation",
            "Établissements n'utilisant pas l'ENT",
            "Comptes : Élèves",
            "Bilan financier",
        ]
    if path == "/etablissements/":
        return ["Par catégorie", "Tous les établissements", *e["school_names"].values()]
    if path == "/adoption/":
        return [
            *e["schools_not_using"],
            fr_number(e["latest_rate"] * 100, 1) + " %",
            years[e["latest_year"]],
            "Par profil",
            "Par catégorie",
        ]
    if path == "/connexions/":
        return [
            *(fr_number(count) for count in e["connections"].values()),
            *(fr_number(peak) for peak in e["peaks"]),
            e["top_service"],
            "Heures et jours de connexion",
        ]
    if path == "/audience/":  # visits and unique visitors of every school year, not empty
        assert e["audience"] and all(visits and visitors for _, visits, visitors in e["audience"])
        return [
            *(years[year] for year, _, _ in e["audience"]),
            *(fr_number(visits) for _, visits, _ in e["audience"]),
            *(fr_number(visitors) for _, _, visitors in e["audience"]),
            fr_number(e["activated"]),
            "Visiteurs uniques",
            "Pages par visite",
            "Comptes activés",
        ]
    if path == "/finances/":
        total, per_school, eu_share, consumed, per_pupil = e["finance"]
        return [
            fr_number(float(total)) + " €",
            fr_number(per_school, 2) + " €",
            fr_number(eu_share * 100) + " %",
            fr_number(float(consumed)) + " €",
            fr_number(per_pupil, 2) + " €",
        ]
    if path == "/qualite/":
        return [
            *(fr_number(count) for count in e["loaded"].values()),
            *e["loaded"],
            "Résultats de validation",
            fr_number(e["latest_checks"]),  # the latest run's count of checks
            "every_month_of_the_period_loaded",  # a failure of the earlier run: the history
            "Lignes rejetées par règle et par mois",
            "Fichiers du dépôt",
            "_synthetic_extracts.json",  # the one file of the demo landing folder not loaded
        ]
    raise AssertionError(path)


def year_pages() -> list[str]:
    """The yearly Bilan's pages of the demo warehouse: one per school year of its extracts."""
    return [f"/bilans/{year}/" for year in ("2015-2016", "2016-2017", "2017-2018")]


def _profile_name(path: str) -> str:
    return path.strip("/").replace("/", "-") or "accueil"


@pytest.fixture(scope="module")
def rendered(built_site, served_site):
    """rendered(path): the DOM Chromium renders for a page of the site (`--dump-dom`), dumped
    once per module: the figures' test and the English-words test read the same dump."""
    home, _ = built_site
    doms: dict[str, str] = {}

    def dump(path: str) -> str:
        if path not in doms:
            profile = home / "chromium-profile" / _profile_name(path)
            dom = chromium(served_site + path, "--dump-dom", profile=profile)
            assert dom.returncode == 0, dom.stderr[-3000:]
            doms[path] = dom.stdout
        return doms[path]

    return dump


@pytest.mark.slow
@pytest.mark.parametrize("path", [*bi.PAGES, *year_pages()])
def test_every_page_renders_its_figures_in_chromium(
    path, built_site, served_site, expected, rendered
):
    home, _ = built_site
    name = _profile_name(path)
    screenshots = home / "screenshots"
    screenshots.mkdir(exist_ok=True)
    profile = home / "chromium-profile" / name
    dom = rendered(path)
    shot = screenshots / f"{name}.png"
    picture = chromium(
        served_site + path, f"--screenshot={shot}", "--window-size=1280,3000", profile=profile
    )
    assert picture.returncode == 0 and shot.is_file(), picture.stderr[-3000:]
    if os.environ.get("LEIA_SCREENSHOTS_DIR"):
        artifacts = Path(os.environ["LEIA_SCREENSHOTS_DIR"])
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy2(shot, artifacts / shot.name)

    text = page_text(dom)
    assert len(text) > 200, f"{path} rendered almost nothing: {text!r}"
    errors = ERROR_MARKERS.findall(text)
    assert not errors, f"{path} shows an error: {errors[:5]} in {text[:2000]}"
    missing = [figure for figure in _figures(path, expected) if figure not in text]
    assert not missing, f"{path} does not show {missing}; page text: {text[:3000]}"
    if path == "/etablissements/":  # the index links to every school's page
        unlinked = [
            u for u in expected["school_names"] if f'href="/etablissements/{u}/"' not in dom
        ]
        assert not unlinked, f"/etablissements/ does not link to {unlinked}"
    if path == "/bilan/":  # every figure of the report, in the report's order
        positions = [text.find(label) for label in expected["bilan_labels"]]
        assert positions == sorted(positions), "the Bilan's figures are not in the report's order"


ACCOUNT_COUNT = re.compile(r"(^|_)accounts$|^authors$|(^|_)visitors$")


@pytest.mark.slow
def test_no_source_query_shows_a_group_of_fewer_than_5_accounts(built_site):
    """Every source query, run on the BI copy of the demo warehouse: no count of accounts below
    5 (NULL instead), and the suppression does happen (the schools without any connection)."""
    home, _ = built_site
    suppressed: dict[str, int] = {}
    with duckdb.connect(str(home / "bi" / "leia_bi.duckdb"), read_only=True) as con:
        for sql_file in sorted(bi.SOURCE_DIR.glob("*.sql")):
            result = con.execute(sql_file.read_text(encoding="utf-8"))
            names = [column[0] for column in result.description]
            rows = result.fetchall()
            assert rows, f"{sql_file.name} returns no row: Evidence would write no data for it"
            for index, name in enumerate(names):
                if not ACCOUNT_COUNT.search(name):
                    continue
                values = [row[index] for row in rows]
                small = [value for value in values if value is not None and value < 5]
                assert not small, f"{sql_file.name}.{name} shows groups of {small[:5]} accounts"
                suppressed[f"{sql_file.stem}.{name}"] = values.count(None)
    assert suppressed["fct_school_adoption.connected_accounts"] > 0


# ----------------------------------------------------------------------- the schools' pages
@pytest.mark.slow
def test_every_school_has_its_page_in_the_build(built_site, expected):
    """One page per school of the warehouse (50 in the demo data), prerendered with its name:
    Evidence builds a templated page only when a page links to it (evidence-dev/evidence#1115)."""
    home, _ = built_site
    names = expected["school_names"]
    assert len(names) == expected["schools"] == 50
    assert bi.school_pages(home / "bi" / "leia_bi.duckdb") == [
        f"/etablissements/{uai}/" for uai in names
    ]
    for uai, name in names.items():
        built = home / "site" / "etablissements" / uai / "index.html"
        assert built.is_file(), f"the page of {name} ({uai}) is not in the build"
        text = page_text(built.read_text(encoding="utf-8"))
        assert name in text and uai in text, f"{built} does not name {name}: {text[:1000]}"


def _schools_with_connections(home: Path) -> set[str]:
    """The schools with a connection in the extracts (a month of zero connections has 0, a
    month of too few accounts NULL: it had some)."""
    with duckdb.connect(str(home / "bi" / "leia_bi.duckdb"), read_only=True) as con:
        return {
            uai
            for (uai,) in con.execute(
                "select uai from bi.bi_school_connections_by_month group by uai "
                "having count(*) filter (where connections is null or connections > 0) > 0"
            ).fetchall()
        }


@pytest.mark.slow
def test_every_school_page_shows_its_school_and_its_connections_chart(
    built_site, served_site, expected
):
    """All 50 pages opened in Chromium (two at a time): each names its school and draws its
    connections by month; a school with no connection in the extracts (the report's schools not
    using the ENT) draws its months at zero and says so."""
    home, _ = built_site
    with_connections = _schools_with_connections(home)
    assert 3 <= len(with_connections) < 50, with_connections

    def opened(uai: str) -> tuple[str, subprocess.CompletedProcess]:
        path = f"/etablissements/{uai}/"
        profile = home / "chromium-profile" / uai
        return uai, chromium(served_site + path, "--dump-dom", profile=profile)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = dict(pool.map(opened, expected["school_names"]))
    assert len(pages) == 50
    for uai, dom in pages.items():
        path = f"/etablissements/{uai}/"
        assert dom.returncode == 0, dom.stderr[-3000:]
        text = page_text(dom.stdout)
        errors = ERROR_MARKERS.findall(text)
        assert not errors, f"{path} shows an error: {errors[:5]} in {text[:2000]}"
        name = expected["school_names"][uai]
        for figure in (name, uai, "Comptes par profil", "Taux d'appropriation"):
            assert figure in text, f"{path} does not show {figure!r}: {text[:3000]}"
        # the connections chart: an ECharts instance drawn, not the no-data sentence
        chart = dom.stdout[dom.stdout.find("Connexions par mois") :]
        assert "_echarts_instance_" in chart and ("<canvas" in chart or "<svg" in chart), (
            f"{path} draws no connections chart"
        )
        no_connection = "Aucune connexion de l'établissement" in text
        if uai in with_connections:
            assert not no_connection, path
            assert "Classement" in text, f"{path} does not show its rank"
        else:
            assert no_connection, f"{path}: no connection in the data, and the page does not say so"


# ------------------------------------------------------------------------ French throughout
# English that reached the pages before the site was made French (issue #19), found on the built
# pages and in Chromium: Evidence's own interface (tables, search, pagination, sidebar, loading
# placeholders, table of contents) and the warehouse's texts (landing-file reasons, validation
# results). Then Evidence's other hard-coded labels the patch translates, shown on hover or on
# demand (download, full screen, chart menus, dropdowns), and the warehouse's English words that
# could come back (statuses, check texts). Only words that cannot be French; whole words, case
# included, in the text and in the labels a reader sees or hears (placeholder, aria-label...).
ENGLISH_WORDS = (
    # found before (docs/bi.md, French throughout)
    "No Results",
    "Search",
    "Open sidebar",
    "Loading",
    "On this page",
    "first-page",
    "previous-page",
    "next-page",
    "last-page",
    "records",
    "of",
    "the",
    "in all",
    "missing",
    "Links",
    "See more",
    # translated by the patch, shown on hover or on demand
    "Download",
    "Download Data",
    "Save Image",
    "Fullscreen",
    "Close sidebar",
    "No results found",
    "Print PDF",
    "Appearance",
    "Built with",
    # the warehouse's English
    "failing",
    "rows",
    "match",
    "mismatch",
    "rounding",
    "not covered",
    "not computable",
)
ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ENGLISH_WORDS)) + r")(?![\w-])")
DOWNLOAD_LABEL = 'aria-label="Télécharger (CSV)"'
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


class _ShownTextExtractor(_TextExtractor):
    """The text of a DOM plus the attributes a reader sees or hears (screen readers)."""

    def handle_starttag(self, tag, attrs) -> None:
        super().handle_starttag(tag, attrs)
        if not self._skip:
            self.parts.extend(value for name, value in attrs if name in SHOWN_ATTRIBUTES and value)


def english_words(dom: str) -> dict[str, int]:
    """The ENGLISH_WORDS a page shows, with their counts."""
    extractor = _ShownTextExtractor()
    extractor.feed(dom)
    text = re.sub(r"\s+", " ", html.unescape(" ".join(extractor.parts)))
    found: dict[str, int] = {}
    for match in ENGLISH.finditer(text):
        found[match.group(1)] = found.get(match.group(1), 0) + 1
    return found


def site_pages(site: Path) -> list[str]:
    """Every page of a built site (its index.html files) but the dbt documentation (dbt's own,
    English, page linked from the home page)."""
    return sorted(
        "/" + "".join(part + "/" for part in page.parent.relative_to(site).parts)
        for page in site.rglob("index.html")
        if page.relative_to(site).parts[0] not in ("dbt-docs", "_app", "api")
    )


def rendered_pages(site: Path) -> list[str]:
    """The pages to open in Chromium: one per file of reports/pages/ (a templated page, such as
    [uai].md, by its first built instance), whatever pages are added."""
    built = site_pages(site)
    pages = []
    for source in sorted(bi.REPORTS_DIR.joinpath("pages").rglob("*.md")):
        relative = source.relative_to(bi.REPORTS_DIR / "pages").with_suffix("")
        parts = [part for part in relative.parts if part != "index"]
        if parts and parts[-1].startswith("["):
            prefix = "/" + "/".join(parts[:-1]) + "/"
            depth = len(parts) + 1
            instances = [p for p in built if p.startswith(prefix) and p.count("/") == depth]
            assert instances, f"{source.name}: no page of {prefix} in the build"
            pages.append(instances[0])
        else:
            pages.append("/" + "".join(part + "/" for part in parts))
    return pages


@pytest.mark.slow
def test_no_page_of_the_built_site_shows_english(built_site):
    """Every page of the build (its prerendered HTML), whatever pages are added."""
    home, _ = built_site
    site = home / "site"
    pages = site_pages(site)
    assert "/" in pages and "/bilan/" in pages, pages
    english, not_french = {}, []
    for path in pages:
        page = (site / path.strip("/") / "index.html").read_text(encoding="utf-8")
        if '<html lang="fr"' not in page:
            not_french.append(path)
        found = english_words(page)
        if found:
            english[path] = found
    assert not english, f"English on the built pages (page: {{word: count}}): {english}"
    assert not not_french, f"pages not declared French (<html lang>): {not_french}"


@pytest.mark.slow
def test_no_page_shows_english_in_chromium(built_site, rendered):
    """The text Chromium renders for each page of reports/pages/ (the tables, charts and
    placeholders drawn in the browser), read from the same dumps as the figures' test."""
    home, _ = built_site
    english = {}
    for path in rendered_pages(home / "site"):
        found = english_words(rendered(path))
        if found:
            english[path] = found
    assert not english, f"English rendered in Chromium (page: {{word: count}}): {english}"


@pytest.mark.slow
def test_every_table_has_its_csv_download_in_chromium(built_site, rendered):
    """Officials may download any table as CSV: each table Chromium draws (Evidence's DataTable,
    `data-testid="DataTable-<query>"`) has its download button, labelled in French and shown
    without hovering. The Bilan page has one table per section."""
    home, _ = built_site
    tables = 0
    without = []
    for path in rendered_pages(home / "site"):
        parts = rendered(path).split('data-testid="DataTable-')[1:]
        tables += len(parts)
        for part in parts:
            if DOWNLOAD_LABEL not in part:
                without.append(f"{path} {part.split(chr(34))[0]}")
    assert tables >= 7, f"only {tables} tables drawn"
    assert not without, f"tables without their CSV download: {without}"
    assert rendered("/bilan/").count(DOWNLOAD_LABEL) >= 7
