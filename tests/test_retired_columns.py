"""Warehouses built by an older version of the models run on with the current ones: a column a
model retires is dropped from their tables on the next run (macros/retired_columns.sql), which the
monthly models' on_schema_change='fail' would otherwise stop."""

from __future__ import annotations

import duckdb

from tests.conftest import run_dbt


def test_a_warehouse_built_with_the_retired_visit_id_runs_on_without_it(
    small_warehouse, tmp_path
) -> None:
    """fct_visits had a visit_id column: a warehouse built then runs on, the column dropped by the
    model's pre-hook (its on_schema_change='fail' would stop the run), a month delivered again
    rewritten without it and every visit kept."""
    from orchestration.extracts import load
    from orchestration.extracts.pseudonymise import pseudonymiser_for

    landing, database = small_warehouse
    work = tmp_path / "work.duckdb"
    work.write_bytes(database.read_bytes())
    month_file = landing / "auth_events" / "auth_events_2016-03.csv.gz"
    again = tmp_path / "landing"
    (again / "auth_events").mkdir(parents=True)
    (again / "_synthetic_extracts.json").write_text("{}")
    (again / "auth_events" / month_file.name).write_bytes(month_file.read_bytes())
    month_visits = "select count(*), max(loaded_at) from marts.fct_visits where partition_month = ?"
    with duckdb.connect(str(work)) as con:
        visits = con.execute("select count(*) from marts.fct_visits").fetchone()[0]
        march, loaded_before = con.execute(month_visits, ["2016-03"]).fetchone()
        con.execute("alter table marts.fct_visits add column visit_id varchar")
        load.load_month(con, again, "2016-03", pseudonymiser_for(again))

    run_dbt(
        ["build", "--select", "int_authentication_events", "fct_visits"]
        + ["--vars", "audited_reports: none"],
        work,
    )

    with duckdb.connect(str(work), read_only=True) as con:
        columns = [row[0] for row in con.execute("describe marts.fct_visits").fetchall()]
        assert "visit_id" not in columns
        assert con.execute("select count(*) from marts.fct_visits").fetchone()[0] == visits
        rewritten, loaded_after = con.execute(month_visits, ["2016-03"]).fetchone()
        assert (rewritten, loaded_after > loaded_before) == (march, True)
