"""Reads the reference seeds (the dbt seeds are the single source of reference data).

The generator and the loader's validation rules need the same facts as the dbt models
(schools, profiles, published figures); they read them from `seeds/`, never from elsewhere.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.settings import SEEDS_DIR


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    path = seeds_dir / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class School:
    uai: str
    name: str
    bilan_category: str
    sector: str


@dataclass(frozen=True)
class Profile:
    code: str
    sdet_codes: tuple[str, ...]
    in_appropriation_population: bool


@cache
def schools(seeds_dir: Path = SEEDS_DIR) -> tuple[School, ...]:
    return tuple(
        School(r["uai"], r["school_name"], r["bilan_category"], r["sector"])
        for r in read_seed("schools", seeds_dir)
    )


@cache
def profiles(seeds_dir: Path = SEEDS_DIR) -> tuple[Profile, ...]:
    return tuple(
        Profile(
            r["profile_code"],
            tuple(r["sdet_codes"].split("|")),
            r["in_appropriation_population"] == "true",
        )
        for r in read_seed("profiles", seeds_dir)
    )


@cache
def published_values(report_code: str, seeds_dir: Path = SEEDS_DIR) -> dict[str, float]:
    """The figures one report published, by indicator code (codes repeat across reports)."""
    return {
        r["indicator_code"]: float(r["published_value"])
        for r in read_seed("published_indicators", seeds_dir)
        if r["report_code"] == report_code
    }


@cache
def service_codes(seeds_dir: Path = SEEDS_DIR) -> tuple[str, ...]:
    return tuple(r["service_code"] for r in read_seed("services", seeds_dir))


@cache
def school_holidays(seeds_dir: Path = SEEDS_DIR) -> tuple[tuple[str, str], ...]:
    """(first_day_off, classes_resume_on) pairs, ISO dates."""
    return tuple(
        (r["first_day_off"], r["classes_resume_on"])
        for r in read_seed("school_calendar", seeds_dir)
    )
