"""The staging tables that are incremental by raw partition (the per-record work of the large
sources is done once per export date) hold what a full rebuild from raw holds: after daily
runs out of order, and after a partition is loaded again from a corrected export."""

import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
from helpers import run_sharesignal

from sharesignal.config import DBT_PROJECT_DIR, SOURCES
from sharesignal.ingest import ingest_partition

FIRST_DAY, DAYS = date(2026, 10, 1), 3
DAY = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
INCREMENTAL = (
    "stg_web_analytics__events",
    "stg_x__post_versions",
    "stg_mastodon__status_versions",
    "stg_bluesky__feed_item_versions",
)


def ingest(home: Path, days: list[date]) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for source in SOURCES:
            for day in days:
                ingest_partition(con, source, day, home / "landing", load_id="test")


def dbt_run_staging(home: Path, days: tuple[date, date] | None) -> None:
    """`dbt run` of the staging models over the window `days` (first, last), as a Dagster run
    over those partitions would; None: a plain run over all history."""
    window = {}
    if days is not None:
        window = {"SHARESIGNAL_MIN_DATE": str(days[0]), "SHARESIGNAL_MAX_DATE": str(days[1])}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "run", "--select", "staging"]
        + ["--profiles-dir", ".", "--target-path", str(home / "target")],
        cwd=DBT_PROJECT_DIR,
        env=os.environ | {"SHARESIGNAL_HOME": str(home)} | window,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def staging(home: Path) -> dict[str, list[tuple]]:
    """Every row of every staging table and view, sorted."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'staging' order by 1"
            ).fetchall()
        ]
        return {
            name: sorted(con.execute(f"select * from staging.{name}").fetchall(), key=repr)
            for name in names
        }


def drop_last_line(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))


def test_daily_runs_and_a_reloaded_partition_build_what_a_full_rebuild_builds(tmp_path):
    daily = tmp_path / "daily"
    daily.mkdir()
    generated = run_sharesignal(
        daily, "generate", "--start", str(FIRST_DAY), "--days", str(DAYS), "--quiet"
    )
    assert generated.returncode == 0, generated.stderr

    # Daily runs out of order: each day ingested, then staged for that day alone.
    for day in (DAY[1], DAY[0], DAY[2]):
        ingest(daily, [day])
        dbt_run_staging(daily, (day, day))

    # A corrected export of day 2 with fewer records, loaded and staged again.
    landing = daily / "landing"
    for source, pattern in (("x", "posts-*.jsonl"), ("web_analytics", "events-*.jsonl")):
        for path in sorted((landing / source / str(DAY[1])).glob(pattern)):
            drop_last_line(path)
    ingest(daily, [DAY[1]])
    dbt_run_staging(daily, (DAY[1], DAY[1]))

    # The same raw tables, staged in one plain run.
    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    shutil.copy(daily / "warehouse.duckdb", rebuilt / "warehouse.duckdb")
    with duckdb.connect(str(rebuilt / "warehouse.duckdb")) as con:
        con.execute("drop schema staging cascade")
    dbt_run_staging(rebuilt, None)

    daily_rows, rebuilt_rows = staging(daily), staging(rebuilt)
    assert daily_rows.keys() == rebuilt_rows.keys()
    assert set(INCREMENTAL) <= daily_rows.keys()
    for name in daily_rows:
        assert daily_rows[name] == rebuilt_rows[name], name
    assert all(daily_rows[name] for name in INCREMENTAL), "every incremental table has rows"
