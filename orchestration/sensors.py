"""Automation: a sensor that notices new or changed export files, and the daily schedule."""

import hashlib
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
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
from sharesignal.ingest import files
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


# What a first evaluation puts in its cursor for a folder the warehouse holds rows of but
# that holds no file now: anything but GONE, so the folder counts as emptied and its date runs.
EMPTIED = "emptied since its last load"


def loaded_fingerprints(
    warehouse: Path,
    landing_dir: Path,
    current: dict[str, str],
    first_day: date,
    last_day: date,
    ignore: tuple[str, ...],
) -> dict[str, str]:
    """The cursor a first evaluation starts from, so that turning the sensor on after
    `make demo` (or any backfill) runs only what the warehouse does not hold as it is: a
    folder whose files are, by name and content (SHA-256, as ingest hashes them), the ones
    its latest load in `raw._load_log` read keeps its current fingerprint; a new or changed
    folder is left out, and one emptied since its load is marked EMPTIED, so both run.
    Raises duckdb.IOException while a run writes the warehouse."""
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'raw' AND table_name = '_load_log'"
        ).fetchone()[0]:
            return {}
        rows = con.execute(
            """
            WITH latest AS (
                SELECT source, partition_date, arg_max(load_id, loaded_at) AS load_id
                FROM raw._load_log
                WHERE partition_date BETWEEN $first AND $last
                GROUP BY source, partition_date
            )
            SELECT source, partition_date, source_file, file_sha256, status
            FROM raw._load_log JOIN latest USING (source, partition_date, load_id)
            WHERE status NOT IN ('skipped', 'empty')
            """,
            {"first": first_day, "last": last_day},
        ).fetchall()
    loaded: dict[str, dict[str, str | None]] = defaultdict(dict)
    for source, day, source_file, sha256, status in rows:
        # A deferred file was not read: its date has to run again whatever it holds now.
        loaded[f"{source}/{day}"][source_file] = None if status == "deferred" else sha256
    seeded = {}
    for folder, files_loaded in loaded.items():
        if folder not in current:
            seeded[folder] = EMPTIED
            continue
        source, day = folder.split("/")
        paths = readable_files(landing_dir, source, date.fromisoformat(day), ignore)
        names = {path.relative_to(landing_dir).as_posix(): path for path in paths}
        if names.keys() == files_loaded.keys() and all(
            files.scan(path).sha256 == files_loaded[name] for name, path in names.items()
        ):
            seeded[folder] = current[folder]
    return seeded


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
    description="Watches `landing/<source>/<YYYY-MM-DD>/` and runs a partition when its "
    "export files are new or changed (a late file for an old date included): the changed "
    "sources' raw tables and everything downstream. Its first evaluation compares the files "
    "with what `raw._load_log` says was loaded, so turned on after `make demo` or a backfill "
    "it runs only the dates whose files were not loaded as they are now.",
)
def landing_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    settings = load_settings()
    partition_keys = daily_partitions.get_partition_keys()
    if not partition_keys:
        return SkipReason("no partition has started yet")
    first_day = date.fromisoformat(partition_keys[0])
    last_day = date.fromisoformat(partition_keys[-1])
    current = landing_fingerprints(
        settings.landing_dir, first_day, last_day, settings.landing_ignore
    )
    if context.cursor:
        previous = json.loads(context.cursor)
    else:
        try:
            previous = loaded_fingerprints(
                settings.warehouse_path,
                settings.landing_dir,
                current,
                first_day,
                last_day,
                settings.landing_ignore,
            )
        except duckdb.IOException as error:
            return SkipReason(
                f"first evaluation: cannot read raw._load_log while a run writes "
                f"{settings.warehouse_path} ({error}); trying again on the next tick"
            )
        context.log.info(
            f"first evaluation: {sum(f in current for f in previous)} of {len(current)} "
            "landing folders already loaded as they are (raw._load_log)"
        )
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
