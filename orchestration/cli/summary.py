"""The human summary `leia run` prints of a published warehouse."""

from __future__ import annotations

from pathlib import Path

from orchestration.school_year import school_year_start_sql


def summary_lines(database: Path) -> list[str]:
    """The human summary of a published warehouse."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:

        def exists(schema: str, table: str) -> bool:
            return (
                con.execute(
                    "select count(*) from information_schema.tables "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchone()[0]
                > 0
            )

        # the current directory: the newest accounts snapshot (every snapshot is kept)
        snapshot, snapshots, schools, accounts, active = con.execute(
            "with newest as (select max(snapshot_date) as snapshot_date from raw.accounts), "
            "kept as (select count(distinct snapshot_date) as snapshots from raw.accounts) "
            "select newest.snapshot_date, kept.snapshots, count(distinct uai), count(*), "
            "count(*) filter (where status = 'active') "
            "from raw.accounts join newest using (snapshot_date) cross join kept "
            "group by newest.snapshot_date, kept.snapshots"
        ).fetchone()
        in_reference = (
            con.execute("select count(*) from reference.schools").fetchone()[0]
            if exists("reference", "schools")
            else None
        )
        if exists("marts", "agg_connections_school_year"):
            source = "marts.agg_connections_school_year"
            years = con.execute(
                f"select school_year, connections from {source} order by school_year"
            ).fetchall()
        else:
            source = "raw.auth_events, successful logins"
            years = con.execute(
                f"with e as (select {school_year_start_sql('event_local_time')} as y "
                "from raw.auth_events where event_type = 'login' and result = 'success') "
                "select y || '-' || (y + 1), count(*) from e group by y order by y"
            ).fetchall()
        rejected = con.execute(
            "select extract, count(*) from raw.rejected_rows group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    lines = [
        f"schools with accounts: {schools}"
        + (f" (of {in_reference} in the reference)" if in_reference is not None else ""),
        f"accounts: {accounts:,} ({active:,} active) in the snapshot of {snapshot} "
        f"({snapshots} snapshot{'s' if snapshots > 1 else ''} kept)",
        f"connections per school year ({source}):",
        *(f"  {year}: {count:>12,}" for year, count in years),
        "rejected rows (raw.rejected_rows): "
        + (", ".join(f"{extract} {count:,}" for extract, count in rejected) or "none"),
    ]
    size = database.stat().st_size / 1e6
    lines.append(f"published warehouse: {database} ({size:,.1f} MB)")
    return lines
