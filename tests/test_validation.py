"""The Great Expectations suites (issue 5): generated from data, versioned, and catching bad data.

Real GX on real DuckDB files, no mock. The demo warehouse of the session (scale 1, the report's
calibration; conftest's `demo_warehouse`) must pass every suite. Copies of it, each broken in one
realistic way and rebuilt by the real dbt where the break happens upstream of the marts, must
fail exactly the expectations that guard the affected figures, with the value the broken data
gives. Expected values are computed here from the seeds and the pristine warehouse, never read
from the suites under test.

Longer than 350 lines because each break of the demo warehouse is one short test on the same
expensive fixtures (the demo warehouse and its pristine figures).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.extracts import contract
from orchestration.extracts.raw_schema import RAW_DDL
from orchestration.quality import parameters, suites, uai_expectation, validate, validate_command
from orchestration.quality.outcomes import Failure, ValidationReport
from orchestration.quality.report import failure_line, report_lines
from orchestration.quality.validate import validate_warehouse
from tests.conftest import PROJECT_DIR, dbt_invocation

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
VERSIONED_SUITES = EXPECTATIONS_DIR / "gx" / "expectations"
PARAMETERS = EXPECTATIONS_DIR / "parameters.yml"

DOUBLED_MONTH = "2016-03"  # a month of school year 2015-2016
RELABELLED_PUPILS = 100

# GX imports pyspark (installed with dagster), which warns about pandas 3; Spark is not used
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")


def failures_of(report: ValidationReport, suite: str) -> dict[str, Failure]:
    return {f.expectation: f for f in report.failures if f.suite == suite}


def versioned_suites() -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(VERSIONED_SUITES.glob("*.json"))
    }


def figure_expectations(audited_reports: str = "all") -> dict[str, dict]:
    """indicator_code -> the expectation the figures suite adds for it when it runs."""
    indicators = parameters.load_indicators(PROJECT_DIR / "seeds" / "published_indicators.csv")
    return {
        e.meta["indicator_code"]: e.configuration.to_json_dict()
        for e in suites.figure_expectations(indicators, audited_reports)
    }


def blocking_failures(report: ValidationReport, suite: str) -> dict[str, Failure]:
    return {name: f for name, f in failures_of(report, suite).items() if f.blocking}


def figure(code: str) -> str:
    """The name of a Bilan 2017 figure's expectation in the figures suite."""
    return f"bilan_2017.{code}"


def tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


# ---------------------------------------------------------------- the suites, without a warehouse
def test_versioned_suites_are_what_the_code_generates(tmp_path: Path) -> None:
    context = tmp_path / "gx"
    context.mkdir()
    shutil.copyfile(
        EXPECTATIONS_DIR / "gx" / "great_expectations.yml", context / "great_expectations.yml"
    )
    generated = suites.write_suites(context)
    hint = "run `python -m orchestration.quality.suites --write-suites` and commit the JSON"
    assert sorted(p.name for p in generated) == sorted(
        p.name for p in VERSIONED_SUITES.glob("*.json")
    ), hint
    for path in generated:
        assert path.read_text(encoding="utf-8") == (VERSIONED_SUITES / path.name).read_text(
            encoding="utf-8"
        ), f"{path.name}: {hint}"


def test_every_published_figure_is_checked_with_the_seed_value(
    indicators: dict[str, dict[str, str]], published: dict[str, float], tolerance: dict[str, float]
) -> None:
    figures = figure_expectations()
    assert set(figures) == set(indicators), "one expectation per row of the seed"
    for code, expectation in figures.items():
        kwargs, value, tol = expectation["kwargs"], published[code], tolerance[code]
        assert kwargs["column"] == "computed_value", code
        comparison = indicators[code]["comparison"]
        if comparison == "exact":
            assert kwargs["min_value"] == kwargs["max_value"] == value, code
        elif comparison in ("rounded", "approximately"):
            assert kwargs["min_value"] == pytest.approx(value - tol), code
            assert kwargs["max_value"] == pytest.approx(value + tol), code
        else:
            assert comparison == "greater_than", code
            assert (kwargs["min_value"], kwargs["strict_min"]) == (value, True), code
            assert kwargs.get("max_value") is None, code
        known_mismatch = indicators[code]["known_mismatch"] == "true"
        assert expectation["meta"]["blocking"] is not known_mismatch, code


def test_figures_block_only_for_the_audited_reports() -> None:
    assert not any(e["meta"]["blocking"] for e in figure_expectations("none").values())
    assert not any(e["meta"]["blocking"] for e in figure_expectations("bilan_2018").values())
    audited = figure_expectations("bilan_2017, bilan_2018")
    assert [code for code, e in audited.items() if not e["meta"]["blocking"]] == [
        "contract_renewal_years",
        "cost_per_pupil_per_year_eur",
    ]


def test_the_parameter_file_types_no_figure_of_the_report(published: dict[str, float]) -> None:
    text = PARAMETERS.read_text(encoding="utf-8")
    for code, value in published.items():
        if value >= 100:  # small numbers (2, 50...) occur in any text
            assert f"{value:.0f}" not in text.replace(",", "").replace(" ", ""), code


def test_clear_identifiers_of_the_contract_are_all_forbidden_in_raw() -> None:
    columns_suite = versioned_suites()["accounts__raw_columns"]
    (forbidden,) = [
        e["kwargs"]["value_set"]
        for e in columns_suite["expectations"]
        if e["type"] == "expect_column_values_to_not_be_in_set"
    ]
    for extract in contract.EXTRACTS:
        assert set(extract.identifier_columns) | set(extract.dropped_columns) <= set(forbidden)


def test_suites_attach_to_assets_the_pipeline_builds() -> None:
    models = {p.stem for p in (PROJECT_DIR / "models").rglob("*.sql")}
    for suite, reads in parameters.suite_reads().items():
        # a raw table's suite attaches to its staging view: a check on the raw asset itself
        # would run before dbt and block it, while the suite needs the built warehouse
        attachable = [list(k) for k in reads] + [
            ["staging", f"stg_raw__{name}"] for layer, name in reads if layer == "raw"
        ]
        assert parameters.suite_asset_keys()[suite] in attachable
        for layer, name in reads:
            if layer == "raw":
                assert f"raw.{name} (" in RAW_DDL, (suite, name)
            else:
                assert layer in ("marts", "staging") and name in models, (suite, name)
    assert parameters.blocking_suites() == [s for s in parameters.suite_names() if s != "freshness"]


def test_uai_check_letter(schools_seed: list[dict[str, str]]) -> None:
    assert all(uai_expectation.valid_uai(school["uai"]) for school in schools_seed)
    assert not uai_expectation.valid_uai("6200006N")  # 6200006 mod 23 = 11: M
    assert not uai_expectation.valid_uai("620006M")


def test_runtime_parameters_run_from_the_first_month_to_the_newest_loaded() -> None:
    variables = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))[
        "vars"
    ]
    first = int(variables["extract_first_day"][:7].replace("-", ""))
    values = parameters.runtime_parameters(newest_month="2018-01")
    assert (values["first_month"], values["last_month"]) == (first, 201801)
    assert values["extract_months"][0] == first and values["extract_months"][-1] == 201801
    assert values["freshness_min_month"] == 201801
    later = parameters.runtime_parameters(
        overrides={
            "first_month": "2018-11",
            "last_month": "2019-02",
            "freshness_max_lag_months": 3,
        },
        newest_month="2018-01",
    )
    assert later["extract_months"] == [201811, 201812, 201901, 201902]
    assert later["freshness_min_month"] == 201811


# ------------------------------------------------------------------------- the demo warehouse
@pytest.fixture(scope="module")
def warehouse(demo_warehouse: tuple[Path, Path]) -> Path:
    return demo_warehouse[1]


@pytest.mark.slow
def test_demo_warehouse_passes_every_suite(warehouse: Path, tmp_path: Path) -> None:
    before = tree(EXPECTATIONS_DIR)
    docs = tmp_path / "gx_data_docs"
    report = validate_warehouse(warehouse, docs)
    # only the figures the report contradicts itself on differ, as warnings
    assert [(f.suite, f.expectation, f.blocking) for f in report.failures] == [
        ("figures", figure("contract_renewal_years"), False),
        ("figures", figure("cost_per_pupil_per_year_eur"), False),
    ], "\n".join(report_lines(report))
    assert report.success
    assert [r.suite for r in report.suites] == parameters.suite_names()
    assert all(r.evaluated > 0 for r in report.suites)
    assert report.data_docs_index == docs / "index.html" and report.data_docs_index.is_file()
    validated = {p.parent.parent.parent.name for p in (docs / "validations").rglob("*.html")}
    assert validated == set(versioned_suites())
    for page in [*docs.rglob("*.html"), *docs.rglob("*.css")]:
        text = page.read_text(encoding="utf-8")
        assert "dataContextId" not in text and "great-expectations-web-assets" not in text, page
    # GX worked in a scratch copy: the versioned context is untouched
    assert tree(EXPECTATIONS_DIR) == before


@pytest.mark.slow
def test_cli_exits_zero_on_the_demo_warehouse(warehouse: Path, capsys) -> None:
    assert validate_command.main(["--database", str(warehouse), "--no-data-docs"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("validation PASSED")


# --------------------------------------------------------------------------- broken warehouses
def dbt(arguments: list[str], database: Path) -> subprocess.Popen:
    """dbt on `database` (target prod), its artifacts beside it rather than in the checkout."""
    folder = database.parent
    command, env = dbt_invocation(
        [*arguments, "--target-path", str(folder / "dbt_target")]
        + ["--log-path", str(folder / "dbt_logs")],
        database,
    )
    return subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def copy_of(warehouse: Path, root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    copy = folder / "leia.duckdb"
    shutil.copyfile(warehouse, copy)
    return copy


def sdet_code(profiles_seed: list[dict[str, str]], profile: str) -> str:
    (row,) = [p for p in profiles_seed if p["profile_code"] == profile]
    return row["sdet_codes"].split("|")[0]


@pytest.fixture(scope="module")
def broken(
    warehouse: Path, tmp_path_factory: pytest.TempPathFactory, profiles_seed
) -> dict[str, Path]:
    """One copy of the demo warehouse per break; both dbt rebuilds run side by side."""
    root = tmp_path_factory.mktemp("broken")
    copies = {
        name: copy_of(warehouse, root, name)
        for name in ("school_removed", "month_loaded_twice", "profile_mislabelled")
    }
    with duckdb.connect(str(copies["school_removed"])) as con:
        # a college that uses the ENT: only the count of schools changes
        con.execute(
            "delete from marts.dim_schools where uai = (select min(uai) from marts.dim_schools "
            "where bilan_category = 'college' and uai not in "
            "(select uai from marts.fct_school_adoption where not is_using))"
        )
    # the loader replaces a partition; a month appended again is what a loader bypassing it, or
    # a copy of the month's rows under a second load, would leave behind
    with duckdb.connect(str(copies["month_loaded_twice"])) as con:
        con.execute(
            # loaded_at is naive UTC, as the loader writes it
            "insert into raw.auth_events select * replace "
            "((now() at time zone 'UTC')::timestamp as loaded_at) "
            "from raw.auth_events where partition_month = ?",
            [DOUBLED_MONTH],
        )
    with duckdb.connect(str(copies["profile_mislabelled"])) as con:
        con.execute(
            "update raw.accounts set profile = ? where account_key in (select account_key "
            "from raw.accounts where profile = ? order by account_key limit ?)",
            [
                sdet_code(profiles_seed, "parent"),
                sdet_code(profiles_seed, "eleve"),
                RELABELLED_PUPILS,
            ],
        )
    # `run`, not `build`: the dbt tests would stop the rebuild, and what is checked here is what
    # the suites see when bad data reaches the marts anyway
    figures = ["agg_period_metrics", "rpt_bilan_indicators"]
    runs = [
        dbt(["run", "--select", *figures], copies["school_removed"]),
        dbt(
            [
                "run",
                "--select",
                "int_authentication_events int_account_activity_monthly agg_connections_monthly",
                "agg_connections_school_year fct_connections_daily",
                *figures,
            ],
            copies["month_loaded_twice"],
        ),
        dbt(
            ["run", "--select", "int_account_snapshots agg_accounts_by_snapshot"]
            + ["agg_accounts_by_profile", *figures],
            copies["profile_mislabelled"],
        ),
    ]
    for run in runs:
        output, _ = run.communicate()
        assert run.returncode == 0, output[-4000:]
    return copies


@pytest.mark.slow
def test_a_school_removed_fails_the_school_counts(broken: dict[str, Path], published) -> None:
    report = validate_warehouse(broken["school_removed"], suites=["schools", "figures"])
    assert not report.success
    assert failures_of(report, "schools") == {}
    failures = blocking_failures(report, "figures")
    assert set(failures) == {figure("schools_total"), figure("schools_college")}
    assert failures[figure("schools_total")].observed == str(int(published["schools_total"]) - 1)
    assert failures[figure("schools_college")].observed == str(
        int(published["schools_college"]) - 1
    )
    assert failure_line(failures[figure("schools_total")]) == (
        f"figures  {figure('schools_total')}  expected={published['schools_total']:.0f}  "
        f"observed={published['schools_total'] - 1:.0f}"
    )


@pytest.mark.slow
def test_a_month_loaded_twice_fails_its_school_year(
    broken: dict[str, Path], warehouse: Path, published
) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        month_connections, month_rows = con.execute(
            "select (select sum(connections) from marts.agg_connections_monthly "
            "where strftime(month_start, '%Y-%m') = $month), "
            "(select count(*) from raw.auth_events where partition_month = $month)",
            {"month": DOUBLED_MONTH},
        ).fetchone()
    report = validate_warehouse(broken["month_loaded_twice"], suites=["figures", "raw"])
    assert not report.success
    connections = blocking_failures(report, "figures")
    assert set(connections) == {
        figure("connections_2015_2016"),
        figure("monthly_average_connections_2015_2016"),
    }
    total = published["connections_2015_2016"] + month_connections
    assert connections[figure("connections_2015_2016")].observed == f"{total:.0f}"
    raw = failures_of(report, "raw")
    assert set(raw) == {"partition_rows_match_load_log"}
    assert raw["partition_rows_match_load_log"].observed.startswith("1 of ")
    (example,) = json.loads(raw["partition_rows_match_load_log"].observed.split("e.g. ")[1])
    assert example == {
        "partition_key": DOUBLED_MONTH,
        "rows_kept": month_rows,
        "rows_in_table": 2 * month_rows,
    }


@pytest.mark.slow
def test_mislabelled_pupils_fail_the_profile_counts(broken: dict[str, Path], published) -> None:
    report = validate_warehouse(broken["profile_mislabelled"], suites=["figures"])
    failures = blocking_failures(report, "figures")
    # the total still adds up: only the split by profile betrays the mislabelling
    assert set(failures) == {figure("accounts_eleve"), figure("accounts_parent")}
    eleve = published["accounts_eleve"] - RELABELLED_PUPILS
    assert failures[figure("accounts_eleve")].observed == f"{eleve:.0f}"
    parent = published["accounts_parent"] + RELABELLED_PUPILS
    assert failures[figure("accounts_parent")].observed == f"{parent:.0f}"


@pytest.mark.slow
def test_cli_exits_non_zero_and_prints_one_line_per_failure(
    broken: dict[str, Path], tmp_path: Path, capsys
) -> None:
    docs = tmp_path / "docs"
    code = validate_command.main(
        ["--database", str(broken["school_removed"]), "--data-docs", str(docs)]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert [line.split("  ")[:2] for line in out[:-1] if not line.endswith("(warning)")] == [
        ["figures", figure("schools_total")],
        ["figures", figure("schools_college")],
    ]
    assert out[-1].startswith("validation FAILED") and (docs / "index.html").is_file()


@pytest.mark.slow
def test_a_run_expecting_later_months_fails_raw_and_warns_on_freshness(warehouse: Path) -> None:
    later = {"last_month": "2018-03"}  # the demo extracts end in 2018-01
    report = validate_warehouse(warehouse, suites=["raw", "freshness"], parameters=later)
    assert not report.success
    assert [(f.suite, f.expectation, f.blocking, f.observed) for f in report.failures] == [
        ("raw", "every_month_of_the_period_loaded", True, "missing {201802, 201803}"),
        ("freshness", "newest_partition_is_recent", False, "201801"),
    ]
    # a late partition alone is a warning: the published figures are not wrong, only not new
    alone = validate_warehouse(warehouse, suites=["freshness"], parameters=later)
    assert alone.success and [f.expectation for f in alone.warnings] == [
        "newest_partition_is_recent"
    ]


@pytest.mark.slow
def test_run_suite_gives_an_asset_check_its_outcome(broken: dict[str, Path]) -> None:
    check = validate.run_suite("figures", broken["school_removed"])
    assert (check.success, check.blocking, check.blocked) == (False, True, True)
    # the two school counts, and the two figures the report contradicts itself on (warnings)
    assert check.metadata["expectations_failed"] == 4
    lines = check.metadata["failures"].splitlines()
    assert [line.split("  ")[1] for line in lines if not line.endswith("(warning)")] == [
        figure("schools_total"),
        figure("schools_college"),
    ]
    # with the report not audited, its figures only warn
    relaxed = validate.run_suite("figures", broken["school_removed"], audited_reports="none")
    assert (relaxed.success, relaxed.blocked) == (False, False)
