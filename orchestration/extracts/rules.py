"""The row rules of each extract: how its text fields become typed columns, when a row is refused.

SPECS gives, per extract, the raw table, the SQL that types each field, the rules a row must
keep (reference codes, statuses, the month of its file...) and the field whose duplicates are
rejected. A timestamp (`Timestamp`) is a written local time with its UTC offset: its rules check
that the offset is Europe/Paris's at that time. The SQL that applies the rules is row_checks.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.extracts import contract
from orchestration.extracts.contract import Extract

# ISO 8601 local time with its UTC offset, e.g. 2016-03-01T08:15:00+01:00, or UTC with `Z`
_WALL_CLOCK = "try_strptime(left({c}, 19), '%Y-%m-%dT%H:%M:%S')"
_IS_UTC = "substr({c}, 20) = 'Z'"
_OFFSET_OK = "regexp_full_match(substr({c}, 20), '[+-][0-1][0-9]:[0-5][0-9]|Z')"
_OFFSET_MINUTES = (
    "to_minutes(cast(case when substr({c}, 20, 1) = '-' then -1 else 1 end"
    " * (coalesce(try_cast(substr({c}, 21, 2) as integer), 0) * 60"
    " + coalesce(try_cast(substr({c}, 24, 2) as integer), 0)) as bigint))"
)


@dataclass(frozen=True)
class Rule:
    reason: str
    failing_when: str  # SQL over the typed columns


@dataclass(frozen=True)
class TableSpec:
    """How the text fields of an extract become the columns of its raw table."""

    extract: Extract
    table: str
    columns: dict[str, str]  # raw column -> SQL over fields ({name} = the field's text)
    rules: tuple[Rule, ...]
    unique_by: str | None = None  # a field whose duplicates are rejected (first kept)
    # computed before `columns`, for the rules only (not stored)
    check_columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Timestamp:
    """A timestamp field: the wall-clock time written and its offset give the UTC time; the
    local time stored is Europe/Paris's wall clock at that instant. A written local time must
    be that wall clock: its offset the one Europe/Paris had then, and the time one that exists
    there (not 02:30 on the night clocks go forward). `Z` (UTC) is accepted and converted.
    DuckDB lets a select list use an alias defined before, so the text is parsed once per line
    (this is most of a load's work)."""

    field: str
    utc: str
    local: str

    @property
    def written(self) -> str:
        return f"{self.field}_written"

    @property
    def is_utc(self) -> str:
        return f"{self.field}_is_utc"

    def check_columns(self) -> dict[str, str]:
        c = "{" + self.field + "}"
        return {
            self.written: f"case when {_OFFSET_OK.format(c=c)} then {_WALL_CLOCK.format(c=c)} end",
            self.is_utc: _IS_UTC.format(c=c),
        }

    def columns(self) -> dict[str, str]:
        c = "{" + self.field + "}"
        return {
            self.utc: f"{self.written} - {_OFFSET_MINUTES.format(c=c)}",
            self.local: f"timezone('{contract.TIME_ZONE}', timezone('UTC', {self.utc}))",
        }

    def rules(self) -> tuple[Rule, ...]:
        return (
            Rule(
                "bad_timestamp: expected ISO 8601 local time with offset",
                f"{self.written} is null",
            ),
            Rule(
                f"tz_offset: the offset is not the one {contract.TIME_ZONE} had at that local "
                "time, or that time does not exist there",
                f"not {self.is_utc} and {self.local} <> {self.written}",
            ),
        )


EVENT_TIME = Timestamp("event_time", utc="event_time_utc", local="event_local_time")
SEQUENCE_TIME = Timestamp("created_at", utc="created_at_utc", local="created_local_time")


SPECS = {
    contract.AUTH_EVENTS.name: TableSpec(
        extract=contract.AUTH_EVENTS,
        table="auth_events",
        check_columns=EVENT_TIME.check_columns(),
        columns={
            **EVENT_TIME.columns(),
            "account_key": "{login}",  # hashed by the loader
            "profile": "{profile}",
            "uai": "{uai}",
            "event_type": "{event_type}",
            "service": "{service}",
            "result": "{result}",
        },
        rules=(
            *EVENT_TIME.rules(),
            Rule(
                "timestamp_outside_file_month",
                # a range, not strftime: formatting every timestamp costs more than the rest
                "event_local_time not between cast($partition || '-01' as timestamp) "
                "and cast($partition || '-01' as timestamp) + interval 1 month "
                "- interval 1 microsecond",
            ),
            Rule("missing_login", "coalesce(account_key, '') = ''"),
            Rule("unknown_profile", "profile not in (select code from ref_profile)"),
            Rule("unknown_uai", "uai not in (select code from ref_uai)"),
            Rule("unknown_event_type", f"event_type not in {contract.EVENT_TYPES}"),
            Rule("unknown_service", "service not in (select code from ref_service)"),
            Rule("unknown_result", f"result not in {contract.RESULTS}"),
        ),
    ),
    contract.ACCOUNTS.name: TableSpec(
        extract=contract.ACCOUNTS,
        table="accounts",
        columns={
            "account_key": "{login}",
            "profile": "{profile}",
            "uai": "{uai}",
            "created_at": "try_cast(try_strptime({created_at}, '%Y-%m-%d') as date)",
            "status": "{status}",
        },
        rules=(
            Rule("missing_login", "coalesce(account_key, '') = ''"),
            Rule("unknown_profile", "profile not in (select code from ref_profile)"),
            Rule("unknown_uai", "uai not in (select code from ref_uai)"),
            Rule("bad_date: expected YYYY-MM-DD", "created_at is null"),
            Rule("unknown_status", f"status not in {contract.ACCOUNT_STATUSES}"),
        ),
        unique_by="account_key",
    ),
    contract.PEDAGOGICAL_SEQUENCES.name: TableSpec(
        extract=contract.PEDAGOGICAL_SEQUENCES,
        table="pedagogical_sequences",
        columns={
            "sequence_id": "{sequence_id}",
            "author_key": "{author_login}",
            "uai": "{uai}",
            "subject": "{subject}",
            **SEQUENCE_TIME.columns(),
            "status": "{status}",
        },
        check_columns=SEQUENCE_TIME.check_columns(),
        rules=(
            Rule("missing_sequence_id", "coalesce(sequence_id, '') = ''"),
            Rule("missing_author", "coalesce(author_key, '') = ''"),
            Rule("unknown_uai", "uai not in (select code from ref_uai)"),
            *SEQUENCE_TIME.rules(),
            Rule("unknown_status", f"status not in {contract.SEQUENCE_STATUSES}"),
        ),
        unique_by="sequence_id",
    ),
}
