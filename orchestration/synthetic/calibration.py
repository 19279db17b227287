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
    values = reference.published_values()
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
    )
