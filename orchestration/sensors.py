"""Automation: a sensor that notices new or changed export files, and the daily schedule."""

import hashlib
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    build_schedule_from_partitioned_job,
    sensor,
)

from sharesignal.config import SOURCES, load_settings
from sharesignal.ingest.formats import tables_of
from sharesignal.ingest.landing import is_date_folder_name, readable_files

from .jobs import daily_pipeline
from .partitions import daily_partitions
from .publish import published_marts
from .report import results_report
from .transform import dbt_models


def landing_fingerprints(
    landing_dir: Path, first_day: date, last_day: date, ignore: tuple[str, ...]
) -> dict[str, str]:
    """One fingerprint per `<source>/<date>` folder, from the names, sizes and modification
    times of the files ingest reads there: it changes when one is added, replaced or
    removed (not while a file with an unfinished name, `x.part`, is written)."""
    files_by_folder: dict[str, list[str]] = defaultdict(list)
    for source in SOURCES:
        folder = landing_dir / source
        days = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        for day in map(date.fromisoformat, filter(is_date_folder_name, days)):
            if not first_day <= day <= last_day:
                continue
            for path in readable_files(landing_dir, source, day, ignore):
                stat = path.stat()
                files_by_folder[f"{source}/{day}"].append(
                    f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
                )
    return {
        folder: hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]
        for folder, files in files_by_folder.items()
    }


# The fingerprint of a folder that no longer holds a file ingest reads.
GONE = "gone"


def changed_folders(previous: dict[str, str], current: dict[str, str]) -> dict[str, set[str]]:
    """Export dates whose folders are new, changed or emptied (a file moved to another date
    folder leaves rows behind until its old date is run again), with the sources that
    changed."""
    changed: dict[str, set[str]] = defaultdict(set)
    for folder in previous.keys() | current.keys():
        if previous.get(folder, GONE) != current.get(folder, GONE):
            source, day = folder.split("/")
            changed[day].add(source)
    return dict(changed)


def assets_to_refresh(sources: set[str]) -> list[AssetKey]:
    """The changed sources' raw tables and everything downstream of raw, the report of the
    publication included."""
    raw = [AssetKey(["raw", table]) for source in sorted(sources) for table in tables_of(source)]
    return [*raw, *dbt_models.keys, published_marts.key, results_report.key]


@sensor(
    job=daily_pipeline,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Watches landing/<source>/<YYYY-MM-DD>/ and runs a partition when its export "
    "files are new or changed (a late file for an old date included): the changed sources' "
    "raw tables and everything downstream.",
)
def landing_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    settings = load_settings()
    partition_keys = daily_partitions.get_partition_keys()
    if not partition_keys:
        return SkipReason("no partition has started yet")
    current = landing_fingerprints(
        settings.landing_dir,
        date.fromisoformat(partition_keys[0]),
        date.fromisoformat(partition_keys[-1]),
        settings.landing_ignore,
    )
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = changed_folders(previous, current)
    if not changed:
        return SkipReason(f"no new or changed files in {settings.landing_dir}")
    run_requests = [
        RunRequest(
            run_key=f"{day}:"
            + ",".join(f"{s}={current.get(f'{s}/{day}', GONE)}" for s in sorted(sources)),
            partition_key=day,
            asset_selection=assets_to_refresh(sources),
            tags={"sharesignal/changed_sources": ",".join(sorted(sources))},
        )
        for day, sources in sorted(changed.items())
    ]
    return SensorResult(run_requests=run_requests, cursor=json.dumps(current, sort_keys=True))


# Exports for a day are complete the next morning: at 06:00 UTC, run the previous day.
daily_schedule = build_schedule_from_partitioned_job(
    daily_pipeline,
    name="daily_pipeline_schedule",
    hour_of_day=6,
    description="Every morning at 06:00 UTC, materialize the previous day's partition.",
)
