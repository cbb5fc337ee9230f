"""Ingestion baseline: dlt's filesystem source loading the landing files into DuckDB.

    python -m bench.dlt_ingest --landing DIR --database PATH

What a user who picks dlt for this ingestion gets: `filesystem(bucket_url, file_glob)`
piped into dlt's `read_jsonl()` (the NDJSON sources) or `read_csv()` (the CSV exports),
one resource and table per source (per export kind for CRM), run into a `duckdb`
destination at PATH, dataset `raw_dlt`, with dlt's defaults otherwise: schema inference,
the default normalizer (nested lists become child tables `<table>__<list>`), append, and
the duckdb destination's default load files (INSERT statements; `--loader-file-format
jsonl` is the faster choice a tuning user makes).
Every file of every source and date is loaded; a landing file no glob matches is an
error, so the comparison never covers fewer files than ours.

dlt's working folder (pipeline state, extract and normalize files) is a temp folder next
to PATH, removed at the end, so nothing is written into the repository or $HOME;
telemetry is off. The last stdout line is one JSON object: `seconds` (the whole
`pipeline.run`: extract, normalize, load), each step's seconds from dlt's trace, the rows
per table, the files loaded and dlt's version.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sharesignal.ingest.formats import FORMATS

DATASET = "raw_dlt"
PIPELINE = "sharesignal_dlt_bench"


@dataclass(frozen=True)
class Feed:
    """One dlt resource: the files of one source that match one glob, into one table."""

    table: str
    source: str
    file_glob: str  # relative to landing/<source>; `*/` is the date folder
    reader: str  # "read_jsonl" or "read_csv"


def feeds() -> list[Feed]:
    """The resources: one per NDJSON source, one per CSV export kind (our tables' names)."""
    found = []
    for source, fmt in FORMATS.items():
        if isinstance(fmt, tuple):  # CSV exports
            found += [Feed(e.table, source, f"*/{e.pattern}", "read_csv") for e in fmt]
        else:  # NDJSON: one table named after the source
            found.append(Feed(source, source, "*/*.jsonl", "read_jsonl"))
    return found


def _matched(landing: Path, feed: Feed) -> list[Path]:
    return sorted(p for p in (landing / feed.source).glob(feed.file_glob) if p.is_file())


def plan(landing: Path) -> tuple[list[Feed], int]:
    """The feeds with files, and how many files they load; every landing file must be one."""
    every = {p for p in landing.glob("*/*/*") if p.is_file()}
    matched: dict[Path, str] = {}
    used = []
    for feed in feeds():
        paths = _matched(landing, feed)
        for path in paths:
            if path in matched:
                raise SystemExit(f"{path} matches both {matched[path]} and {feed.table}")
            matched[path] = feed.table
        if paths:
            used.append(feed)
    missed = sorted(every - matched.keys())
    if missed:
        names = ", ".join(str(p.relative_to(landing)) for p in missed[:5])
        raise SystemExit(f"{len(missed)} landing files no dlt resource reads: {names}")
    return used, len(matched)


def run(landing: Path, database: Path, loader_file_format: str | None = None) -> dict:
    used, n_files = plan(landing)
    workdir = Path(tempfile.mkdtemp(prefix=".dlt-work-", dir=database.parent))
    # Before dlt is imported: its data, project and local folders in the temp folder
    # (no ~/.dlt, no .dlt/ read from the repository), telemetry off.
    os.environ.update(
        {
            "DLT_DATA_DIR": str(workdir / "data"),
            "DLT_PROJECT_DIR": str(workdir),
            "DLT_LOCAL_DIR": str(workdir / "local"),
            "RUNTIME__DLTHUB_TELEMETRY": "false",
        }
    )
    try:
        import dlt
        from dlt.sources.filesystem import filesystem, read_csv, read_jsonl

        resources = []
        for feed in used:
            files = filesystem(
                bucket_url=(landing / feed.source).as_uri(), file_glob=feed.file_glob
            )
            reader = read_jsonl() if feed.reader == "read_jsonl" else read_csv()
            resources.append((files | reader).with_name(feed.table))
        pipeline = dlt.pipeline(
            pipeline_name=PIPELINE,
            pipelines_dir=str(workdir / "pipelines"),
            destination=dlt.destinations.duckdb(str(database)),
            dataset_name=DATASET,
        )
        start = time.perf_counter()
        pipeline.run(resources, loader_file_format=loader_file_format)
        seconds = time.perf_counter() - start
        steps = {
            f"{step.step}_seconds": (step.finished_at - step.started_at).total_seconds()
            for step in pipeline.last_trace.steps
            if step.step in ("extract", "normalize", "load") and step.finished_at
        }
        tables = _row_counts(database)
        version = dlt.__version__
        file_format = (
            loader_file_format or pipeline.destination.capabilities().preferred_loader_file_format
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "seconds": round(seconds, 3),
        **{key: round(value, 3) for key, value in steps.items()},
        "tables": tables,
        "files": n_files,
        "loader_file_format": file_format,
        "dlt_version": version,
    }


def _row_counts(database: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ? AND NOT starts_with(table_name, '_dlt') "
                "ORDER BY table_name",
                [DATASET],
            ).fetchall()
        ]
        return {
            name: con.execute(f'SELECT count(*) FROM {DATASET}."{name}"').fetchone()[0]
            for name in names
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dlt_ingest", description=__doc__)
    parser.add_argument("--landing", type=Path, required=True, help="the landing folder")
    parser.add_argument(
        "--database", type=Path, required=True, help="DuckDB file to create (must not exist)"
    )
    parser.add_argument(
        "--loader-file-format",
        choices=["insert_values", "jsonl", "parquet"],
        help="the files dlt loads into DuckDB; default: dlt's default for duckdb "
        "(insert_values). jsonl loads far faster; parquet needs pyarrow",
    )
    args = parser.parse_args(argv)
    landing, database = args.landing.resolve(), args.database.resolve()
    if not landing.is_dir():
        parser.error(f"{landing} is not a folder")
    if database.exists():
        parser.error(f"{database} exists; remove it first (each run loads into a new file)")
    database.parent.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(landing, database, args.loader_file_format)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
