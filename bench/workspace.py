"""The benchmark's folders and extracts: generated once per scale and cached, linked into landings.

Also what every part of the benchmark shares: its messages (`say`), its error (BenchError, which
stops it with the results so far) and sizes on disk.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import SYNTHETIC_MARKER

SEED = 2017  # the demo seed: the benchmark measures the data everybody can regenerate
MB = 1e6  # decimal, as `leia run` prints sizes; the 6 GB target is read as 6,000 MB


class BenchError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def drop_warehouses(home: Path) -> None:
    """Delete a measured run's DuckDB files (and DuckDB's spill folders), keep its logs: at scale
    30 each warehouse file is ~14 GB, and a run holds up to three of them (build, published,
    failed build)."""
    for path in sorted(home.rglob("*.duckdb*"), reverse=True):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


# A run holds the build file, its spill folder and the published copy at once. Measured at scale
# 10 (commit a71883f): the build file 10 GB (8.7 x the gzip extracts) and DuckDB's spill folder
# 30 GB during dbt build (its temporary files do not shrink while the connection lives); with
# 11 x the extracts free a run died on a full disk.
DISK_PER_EXTRACT_BYTE = 45


def check_disk(work: Path, extracts: Path) -> None:
    needed = DISK_PER_EXTRACT_BYTE * tree_bytes(extracts)
    free = shutil.disk_usage(work).free
    if free < needed:
        raise BenchError(
            f"{work}: {free / 1e9:,.1f} GB free, a run at this scale needs about "
            f"{needed / 1e9:,.1f} GB (free some space or pass --work on a larger disk)"
        )


def tree_bytes(path: Path) -> int:
    files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
    return sum(p.stat().st_size for p in files)


def tree_size_mb(path: Path) -> float:
    return tree_bytes(path) / MB


# ------------------------------------------------------------------------------------ extracts
@dataclass
class Extracts:
    landing: Path
    marker: dict
    generate_s: float | None  # None: taken from the cache

    @property
    def auth_event_files(self) -> list[Path]:
        return contract.AUTH_EVENTS.files(self.landing)  # sorted by month


def read_marker(landing: Path) -> dict | None:
    try:
        return json.loads((landing / SYNTHETIC_MARKER).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def cached_extracts(cache: Path, scale: float) -> Extracts:
    """The extracts of `scale`, generated unless the cache holds them already.

    The generator writes its marker last, so a folder without one (or with another seed or scale)
    is an interrupted or foreign generation: it is regenerated from scratch.
    """
    from orchestration.synthetic.generate import generate, print_progress

    landing = cache / f"scale_{scale_label(scale)}"
    marker = read_marker(landing)
    if marker and marker.get("seed") == SEED and float(marker.get("scale", -1)) == scale:
        return Extracts(landing, marker, None)
    say(f"scale {scale_label(scale)}: generating the extracts into {landing}")
    fresh_dir(landing)
    started = time.perf_counter()
    generate(landing, seed=SEED, scale=scale, progress=print_progress)
    generate_s = time.perf_counter() - started
    return Extracts(landing, read_marker(landing), generate_s)


def warm_page_cache(files: Iterable[Path]) -> None:
    """Read the extracts once so that neither the floor nor the pipeline pays a cold disk."""
    for path in files:
        with path.open("rb") as handle:
            while handle.read(8 << 20):
                pass


def link_landing(extracts: Extracts, landing: Path, leave_out: Path | None) -> None:
    """A landing folder of symlinks to the cached extracts, without `leave_out`."""
    for source in sorted(extracts.landing.rglob("*")):
        if source.is_file() and source != leave_out:
            link = landing / source.relative_to(extracts.landing)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source.resolve())
