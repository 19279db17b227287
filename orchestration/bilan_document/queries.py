"""What the Bilan document reads: the published warehouse (LEIA_HOME/leia.duckdb), read-only.

Every number of the document comes from these queries, on the dbt models of models/bi/ (the
small-cell suppression of the BI layer applies: a hidden count is printed "—") and, where the
BI layer has no such table, on marts (monthly totals of connections, the audited figures'
periods). Nothing is computed here that the models do not hold, but sums and sorting.

The connection is read-only: the published file is never written in place (a publication or a
rollback replaces it by a rename, orchestration/publication.py), so the document can be made
while a run builds the next version, without the run lock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


class YearNotCoveredError(LookupError):
    """The school year asked for is not one the published warehouse covers."""

    def __init__(self, year: str, available: list[str], warehouse: Path) -> None:
        self.year, self.available = year, available
        years = ", ".join(available) or "none"
        super().__init__(
            f"the school year {year} is not covered by the published warehouse {warehouse}: "
            f"years available: {years}"
        )


def check_school_year(text: str) -> str:
    """'2017-2018' (two consecutive years), else ValueError."""
    match = SCHOOL_YEAR.match(text)
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"{text!r}: expected a school year such as 2017-2018")
    return text


@dataclass
class BilanData:
    """What the document of one school year shows, as rows (dicts) of the warehouse."""

    year: dict
    metrics: list[dict]
    published: list[dict]
    connections_by_year: list[dict]
    connections_by_month: list[dict]
    adoption_by_year: list[dict]
    adoption_by_category: list[dict]
    schools: list[dict]
    services: list[dict]
    training: list[dict]
    finance: dict
    years: list[str] = field(default_factory=list)


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def connect(warehouse: Path):
    """The published warehouse, read-only (FileNotFoundError when there is none)."""
    import duckdb

    if not Path(warehouse).is_file():
        raise FileNotFoundError(f"no published warehouse at {warehouse}: run `leia run` first")
    return duckdb.connect(str(warehouse), read_only=True)


def available_years(con) -> list[str]:
    """The school years the warehouse's Bilan covers (agg_bilan_school_year), oldest first."""
    return [
        row["school_year"]
        for row in _rows(
            con, "select distinct school_year from bi.bi_bilan_by_school_year order by 1"
        )
    ]


YEAR_SQL = """
select distinct school_year, school_year_label, year_status, year_status_fr, period_start_fr,
    period_end_fr, population_snapshot_fr
from bi.bi_bilan_by_school_year where school_year = ?
"""

METRICS_SQL = """
select report_section, section_label, display_order, metric_code, label_fr, unit, metric_value
from bi.bi_bilan_by_school_year where school_year = ? order by display_order, metric_code
"""

# The audited figures of the published reports whose period overlaps the school year (a figure
# of the contract's whole duration overlaps every year): published beside computed, with status.
PUBLISHED_SQL = """
with bounds as (
    select make_date(?::integer, 9, 1) as year_start, make_date(?::integer, 8, 31) as year_end
)
select bi.report_code, bi.indicator_code, bi.report_section, bi.display_order, bi.label_fr,
    bi.period, bi.unit, bi.comparison_fr, bi.published_value, bi.computed_value, bi.status,
    bi.status_fr, bi.note, rpt.metric_code
from bi.bi_bilan_indicators as bi
inner join marts.rpt_bilan_indicators as rpt
    on bi.report_code = rpt.report_code and bi.indicator_code = rpt.indicator_code
cross join bounds
where coalesce(rpt.period_start, rpt.as_of_date) <= bounds.year_end
    and coalesce(rpt.period_end, rpt.as_of_date) >= bounds.year_start
order by bi.report_code, bi.display_order
"""

CONNECTIONS_BY_YEAR_SQL = """
select school_year, school_year_label, strftime(period_start, '%d/%m/%Y') as period_start_fr,
    strftime(period_end, '%d/%m/%Y') as period_end_fr, months_covered, connections,
    monthly_average, appropriation_monthly_average, peak_month, peak_month_connections
from bi.bi_connections_by_school_year order by school_year
"""

# all profiles together: a month's total is not a count about a small group of accounts
CONNECTIONS_BY_MONTH_SQL = """
select month_start, strftime(month_start, '%m/%Y') as month_label, sum(connections) as connections
from marts.agg_connections_monthly where school_year = ? group by month_start order by month_start
"""

ADOPTION_BY_YEAR_SQL = """
select school_year, school_year_label, target_accounts, active_accounts, appropriation_rate,
    schools_total, schools_using, schools_not_using
from bi.bi_adoption_by_school_year order by school_year
"""

ADOPTION_BY_CATEGORY_SQL = """
select category_label, target_accounts, active_accounts, appropriation_rate, schools_total,
    schools_using, schools_not_using
from bi.bi_adoption_by_category where school_year = ? order by category_label
"""

SCHOOLS_SQL = """
select uai, school_name, commune, category_label, target_accounts, active_accounts,
    appropriation_rate, connections, is_using
from bi.bi_school_adoption where school_year = ?
order by is_using, appropriation_rate nulls first, school_name
"""

SERVICES_SQL = """
select service_label_fr, accesses, accounts, service_rank
from bi.bi_service_usage where school_year = ? order by service_rank, service_label_fr
"""

# a training period is a school year ('2017-2018') or a calendar year ('2018') it overlaps
TRAINING_SQL = """
select training_period, domain_label_fr, training_status, training_status_fr, training_days
from bi.bi_training_days where training_period in (?, ?, ?)
order by training_status, training_period, training_days desc, domain_label_fr
"""

FINANCE_SQL = """
select total_cost_eur, strftime(contract_start, '%d/%m/%Y') as contract_start_fr,
    strftime(contract_end, '%d/%m/%Y') as contract_end_fr, contract_years, schools,
    cost_per_school_per_year_eur, cost_per_pupil_per_year_eur, eu_cofinancing_eur,
    eu_cofinancing_share, remaining_cost_eur, consumed_eur, consumed_years, consumption_rate,
    remaining_budget_eur, strftime(consumed_period_start, '%d/%m/%Y') as consumed_start_fr,
    strftime(consumed_period_end, '%d/%m/%Y') as consumed_end_fr, cost_per_active_account_eur
from bi.bi_finance_summary
"""


def read_bilan(con, year: str, warehouse: Path) -> BilanData:
    """Everything the document of `year` shows (YearNotCoveredError if the data does not
    cover it)."""
    years = available_years(con)
    if year not in years:
        raise YearNotCoveredError(year, years, warehouse)
    first, second = year.split("-")
    finance = _rows(con, FINANCE_SQL)
    return BilanData(
        year=_rows(con, YEAR_SQL, [year])[0],
        metrics=_rows(con, METRICS_SQL, [year]),
        published=_rows(con, PUBLISHED_SQL, [first, second]),
        connections_by_year=_rows(con, CONNECTIONS_BY_YEAR_SQL),
        connections_by_month=_rows(con, CONNECTIONS_BY_MONTH_SQL, [year]),
        adoption_by_year=_rows(con, ADOPTION_BY_YEAR_SQL),
        adoption_by_category=_rows(con, ADOPTION_BY_CATEGORY_SQL, [year]),
        schools=_rows(con, SCHOOLS_SQL, [year]),
        services=_rows(con, SERVICES_SQL, [year]),
        training=_rows(con, TRAINING_SQL, [year, first, second]),
        finance=finance[0] if finance else {},
        years=years,
    )
