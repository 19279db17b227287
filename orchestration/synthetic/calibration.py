"""Calibration of the synthetic extracts: a YAML file of shapes whose targets name indicators.

Loading resolves every target against `seeds/published_indicators.csv`, so the report's figures
live in one place, and checks the calibration for contradictions before anything is generated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestration import reference

CALIBRATIONS_DIR = Path(__file__).parent / "calibrations"
DEFAULT_CALIBRATION = CALIBRATIONS_DIR / "bilan_2017.yaml"


class CalibrationError(ValueError):
    """The calibration file contradicts itself or the reference seeds."""


@dataclass(frozen=True)
class SchoolYearTarget:
    school_year: str
    first_day: dt.date
    last_day: dt.date
    connections: int
    appropriation_rate: float
    schools_not_using: tuple[str, ...]
    month_shares: dict[int, float]
    active_share_other_profiles: dict[str, float]

    def months(self) -> list[dt.date]:
        """First day of each calendar month the school year's extract covers, in order."""
        months, day = [], self.first_day.replace(day=1)
        while day <= self.last_day:
            months.append(day)
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class ProfileChange:
    """Accounts of one SDET code that take another on 1 September (a new job, same login)."""

    from_sdet: str
    to_sdet: str
    share: float


@dataclass(frozen=True)
class Continuation:
    """How the synthetic world goes on after the report (`leia generate --until`).

    Trends only: growth factors and shares applied to the report's last school year, one school
    year at a time; no figure of the report is typed here.
    """

    connections_growth: dict[str, float]  # school year -> factor on the same month a year earlier
    appropriation_rate_step: float
    appropriation_rate_cap: float
    schools_starting_per_year: int
    sequences_per_connection_factor: float
    leave_share: dict[str, dict[str, float]]  # profile -> school category -> share closed
    new_share: dict[str, dict[str, float]]  # profile -> school category -> share created
    new_accounts_days_before: int
    pupils_to_lycee_share: float
    pupils_to_lycee_categories: tuple[str, ...]
    teachers_changing_school_share: float
    profile_changes: tuple[ProfileChange, ...]

    def growth(self, school_year: str) -> float:
        """The factor of a school year; a year after the last one listed repeats the last."""
        if school_year in self.connections_growth:
            return self.connections_growth[school_year]
        earlier = [y for y in sorted(self.connections_growth) if y < school_year]
        if not earlier:
            raise CalibrationError(f"continuation: no connections_growth for {school_year}")
        return self.connections_growth[earlier[-1]]


@dataclass(frozen=True)
class Calibration:
    name: str
    source: Path
    snapshot_date: dt.date
    time_zone: str
    accounts_per_profile: dict[str, int]
    school_size_weight: dict[str, float]
    engagement_by_category: dict[str, float]
    sdet_code_share: dict[str, dict[str, float]]
    disabled_share: float
    school_years: tuple[SchoolYearTarget, ...]
    other_profiles_connection_share: float
    failed_login_share: float
    service_accesses_per_login: float
    activity_weight_by_profile: dict[str, float]
    activity_dispersion: float
    service_weights: dict[str, float]
    gar_available_from: dt.date
    gar_share: float
    weekday_weight: tuple[float, ...]
    holiday_weight: float
    hour_weight: dict[str, tuple[float, ...]]
    sequences_by_end_2017: int
    sequences_created_from: dt.date
    sequences_extra_share: float
    sequences_draft_share: float
    subjects: tuple[str, ...]
    continuation: Continuation | None = None  # None: the data cannot go on after the report

    @property
    def first_day(self) -> dt.date:
        return self.school_years[0].first_day

    @property
    def last_day(self) -> dt.date:
        return self.school_years[-1].last_day


def _indicator(values: dict[str, float], code: str, where: str) -> float:
    if code not in values:
        raise CalibrationError(
            f"{where}: indicator '{code}' is not in seeds/published_indicators.csv"
        )
    return values[code]


def load_calibration(path: Path | str = DEFAULT_CALIBRATION) -> Calibration:
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        raw: dict[str, Any] = yaml.safe_load(handle)
    values = reference.published_values(raw["report"])
    if not values:
        raise CalibrationError(
            f"{path.name}: report {raw['report']!r} has no row in seeds/published_indicators.csv"
        )
    known_schools = {s.uai for s in reference.schools()}
    known_profiles = {p.code for p in reference.profiles()}

    accounts = raw["accounts"]
    per_profile = {
        profile: int(_indicator(values, code, f"{path.name}: accounts.per_profile.{profile}"))
        for profile, code in accounts["per_profile"].items()
    }
    if set(per_profile) != known_profiles:
        raise CalibrationError(
            f"{path.name}: accounts.per_profile must list exactly the profiles of "
            "seeds/profiles.csv "
            f"({sorted(known_profiles)}), got {sorted(per_profile)}"
        )

    years = []
    for entry in raw["school_years"]:
        where = f"{path.name}: school_years[{entry['school_year']}]"
        not_using = tuple(entry["schools_not_using"])
        unknown = sorted(set(not_using) - known_schools)
        if unknown:
            raise CalibrationError(
                f"{where}: schools_not_using has UAIs not in seeds/schools.csv: {unknown}"
            )
        expected = int(_indicator(values, entry["schools_not_using_count"], where))
        if len(set(not_using)) != expected:
            raise CalibrationError(
                f"{where}: {len(set(not_using))} schools_not_using listed, "
                f"the report says {expected}"
            )
        year = SchoolYearTarget(
            school_year=entry["school_year"],
            first_day=entry["first_day"],
            last_day=entry["last_day"],
            connections=int(_indicator(values, entry["connections"], where)),
            appropriation_rate=_indicator(values, entry["appropriation_rate"], where),
            schools_not_using=not_using,
            month_shares={int(k): float(v) for k, v in entry["month_shares"].items()},
            active_share_other_profiles=dict(entry["active_share_other_profiles"]),
        )
        covered = {m.month for m in year.months()}
        if set(year.month_shares) != covered or abs(sum(year.month_shares.values()) - 1) > 1e-9:
            raise CalibrationError(
                f"{where}: month_shares must cover months {sorted(covered)} and sum to 1"
            )
        years.append(year)

    services = dict(raw["service_weights"])
    unknown_services = sorted(set(services) - set(reference.service_codes()))
    if unknown_services:
        raise CalibrationError(
            f"{path.name}: services not in seeds/services.csv: {unknown_services}"
        )

    categories = set(raw["accounts"]["school_size_weight"])
    continuation = (
        _continuation(raw["continuation"], path.name, categories, known_profiles)
        if "continuation" in raw
        else None
    )

    sequences = raw["pedagogical_sequences"]
    published_sequences = _indicator(
        values, sequences["indicator"], f"{path.name}: pedagogical_sequences"
    )
    return Calibration(
        name=raw["name"],
        source=path,
        snapshot_date=raw["snapshot_date"],
        time_zone=raw["time_zone"],
        accounts_per_profile=per_profile,
        school_size_weight=dict(accounts["school_size_weight"]),
        engagement_by_category=dict(accounts["engagement_by_category"]),
        sdet_code_share={k: dict(v) for k, v in accounts["sdet_code_share"].items()},
        disabled_share=float(accounts["disabled_share"]),
        school_years=tuple(years),
        other_profiles_connection_share=float(raw["other_profiles_connection_share"]),
        failed_login_share=float(raw["failed_login_share"]),
        service_accesses_per_login=float(raw["service_accesses_per_login"]),
        activity_weight_by_profile=dict(raw["activity_weight_by_profile"]),
        activity_dispersion=float(raw["activity_dispersion"]),
        service_weights=services,
        gar_available_from=raw["gar_available_from"],
        gar_share=float(raw["gar_share"]),
        weekday_weight=tuple(raw["weekday_weight"]),
        holiday_weight=float(raw["holiday_weight"]),
        hour_weight={k: tuple(v) for k, v in raw["hour_weight"].items()},
        sequences_by_end_2017=round(published_sequences * sequences["count_by_2017_12_31_share"]),
        sequences_created_from=sequences["created_from"],
        sequences_extra_share=float(sequences["extra_after_2017"]),
        sequences_draft_share=float(sequences["draft_share"]),
        subjects=tuple(sequences["subjects"]),
        continuation=continuation,
    )


def _share(value: Any, where: str) -> float:
    share = float(value)
    if not 0 <= share <= 1:
        raise CalibrationError(f"{where}: {value} is not a share between 0 and 1")
    return share


def _shares_by_category(
    raw: dict[str, dict[str, Any]], where: str, categories: set[str], profiles: set[str]
) -> dict[str, dict[str, float]]:
    unknown = sorted(set(raw) - profiles)
    if unknown:
        raise CalibrationError(f"{where}: profiles not in seeds/profiles.csv: {unknown}")
    shares = {}
    for profile, by_category in raw.items():
        if set(by_category) != categories:
            raise CalibrationError(
                f"{where}.{profile}: must give a share for each school category "
                f"{sorted(categories)}, got {sorted(by_category)}"
            )
        shares[profile] = {c: _share(v, f"{where}.{profile}.{c}") for c, v in by_category.items()}
    return shares


def _continuation(
    raw: dict[str, Any], file_name: str, categories: set[str], profiles: set[str]
) -> Continuation:
    where = f"{file_name}: continuation"
    growth = {str(year): float(factor) for year, factor in raw["connections_growth"].items()}
    if not growth or min(growth.values()) <= 0:
        raise CalibrationError(f"{where}.connections_growth: positive factors by school year")
    rollover = raw["rollover"]
    sdet_codes = {code for p in reference.profiles() for code in p.sdet_codes}
    changes = []
    for change in rollover["profile_changes"]:
        unknown = sorted({change["from"], change["to"]} - sdet_codes)
        if unknown:
            raise CalibrationError(
                f"{where}.rollover.profile_changes: SDET codes not in seeds/profiles.csv: {unknown}"
            )
        changes.append(ProfileChange(change["from"], change["to"], _share(change["share"], where)))
    to_lycee = rollover["pupils_to_lycee"]
    unknown = sorted(set(to_lycee["to_categories"]) - categories)
    if unknown:
        raise CalibrationError(f"{where}.rollover.pupils_to_lycee: unknown categories {unknown}")
    cap = _share(raw["appropriation_rate_cap"], f"{where}.appropriation_rate_cap")
    return Continuation(
        connections_growth=growth,
        appropriation_rate_step=float(raw["appropriation_rate_step"]),
        appropriation_rate_cap=cap,
        schools_starting_per_year=int(raw["schools_starting_per_year"]),
        sequences_per_connection_factor=float(raw["sequences_per_connection_factor"]),
        leave_share=_shares_by_category(
            rollover["leave_share"], f"{where}.rollover.leave_share", categories, profiles
        ),
        new_share=_shares_by_category(
            rollover["new_share"], f"{where}.rollover.new_share", categories, profiles
        ),
        new_accounts_days_before=int(rollover["new_accounts_days_before"]),
        pupils_to_lycee_share=_share(to_lycee["share"], f"{where}.rollover.pupils_to_lycee"),
        pupils_to_lycee_categories=tuple(to_lycee["to_categories"]),
        teachers_changing_school_share=_share(rollover["teachers_changing_school_share"], where),
        profile_changes=tuple(changes),
    )
