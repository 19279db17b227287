"""The SQL that checks every line of a file against its extract's row rules (rules.py).

`checked_query()` splits each line into fields, types them and names the first rule it breaks
(or none); `good_rows_query()` gives the valid rows with their identifiers replaced by their
keyed hash; `redacted_line_sql()` keeps in a rejected line only what cannot identify anyone
(reference codes and timestamps). The reference codes are temp tables (`register_reference()`).
"""

from __future__ import annotations

import duckdb

from orchestration import reference
from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import Pseudonymiser
from orchestration.extracts.rules import TableSpec


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def register_reference(con: duckdb.DuckDBPyConnection) -> None:
    refs = {
        "ref_uai": [s.uai for s in reference.schools()],
        "ref_profile": [code for p in reference.profiles() for code in p.sdet_codes],
        "ref_service": list(reference.service_codes()),
    }
    for name, codes in refs.items():
        con.execute(f"create or replace temp table {name} (code varchar)")
        con.executemany(f"insert into {name} values (?)", [[c] for c in codes])


def safe_tokens() -> list[str]:
    """Field values that can be kept in a rejected line: reference codes, never identifiers."""
    return sorted(
        {s.uai for s in reference.schools()}
        | {code for p in reference.profiles() for code in p.sdet_codes}
        | set(reference.service_codes())
        | set(
            contract.EVENT_TYPES
            + contract.RESULTS
            + contract.ACCOUNT_STATUSES
            + contract.SEQUENCE_STATUSES
        )
    )


def checked_query(spec: TableSpec) -> str:
    extract = spec.extract
    fields = {name: f"f[{i + 1}]" for i, name in enumerate(extract.columns)}
    typed = ",\n".join(
        f"{expr.format(**fields)} as {column}"
        for column, expr in {**spec.check_columns, **spec.columns}.items()
    )
    checks = "\n".join(
        f"when {rule.failing_when} then {sql_literal(rule.reason)}" for rule in spec.rules
    )
    duplicate = ""
    if spec.unique_by:
        duplicate = (
            f"when row_number() over (partition by {spec.unique_by} order by line_number) > 1 "
            f"then 'duplicate_{spec.unique_by.replace('_key', '')}'"
        )
    n = len(extract.columns)
    return f"""
        create or replace temp table checked as
        with split as (
            select line_number, raw_line, string_split(rtrim(raw_line, chr(13)), ',') as f
            from lines where line_number > 1
        ),
        typed as (
            select line_number, raw_line, len(f) as field_count, {typed}
            from split
        )
        select *,
            case
                when raw_line is null or trim(raw_line) = '' then 'empty_line'
                when field_count <> {n}
                    then 'column_count: expected {n} fields, found ' || field_count
                when contains(raw_line, '"') then 'stray_quote: fields are never quoted'
                {checks}
                {duplicate}
            end as reason
        from typed
    """


def good_rows_query(spec: TableSpec, pseudonymiser: Pseudonymiser) -> str:
    """The valid rows with identifiers replaced by their keyed hash (hashed once per identifier)."""
    keys = [c for c, e in spec.columns.items() if e.strip("{}") in spec.extract.identifier_columns]
    joins, select = [], []
    for column in spec.columns:
        if column in keys:
            alias = f"hash_{column}"
            joins.append(
                f"join (select {column} as clear_value, {pseudonymiser.sql(column)} as hashed "
                f"from (select distinct {column} from checked where reason is null)) {alias} "
                f"on {alias}.clear_value = checked.{column}"
            )
            select.append(f"{alias}.hashed")
        else:
            select.append(f"checked.{column}")
    return (
        f"select {', '.join(select)}, line_number "
        f"from checked {' '.join(joins)} where reason is null"
    )


def redacted_line_sql() -> str:
    """A rejected line keeps only reference codes and timestamps: anything else may identify
    someone."""
    safe = ", ".join(sql_literal(t) for t in safe_tokens())
    return (
        "array_to_string(list_transform(string_split(raw_line, ','), lambda x: case "
        f"when x in ({safe}) or regexp_full_match(x, '[0-9][0-9T:+ Z-]*') then x "
        "else '<redacted>' end), ',')"
    )
