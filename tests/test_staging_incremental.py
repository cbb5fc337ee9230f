"""The staging tables that are incremental by raw partition (the per-record work of the large
sources is done once per export date, and the latest version of a post is picked again only
where a day touched it) hold what a full rebuild from raw holds: after daily runs out of
order, and after a partition is loaded again from a corrected export. And a run changes
nothing outside its window."""

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from helpers import run_dbt, run_sharesignal

from sharesignal.config import SOURCES, load_settings
from sharesignal.ingest import ingest_partition
from sharesignal.pseudonym_key import set_pseudonym_key

# Its tests share a module-scoped fixture: xdist runs them on one worker, which builds it once.
pytestmark = pytest.mark.xdist_group("staging_incremental")

FIRST_DAY, DAYS = date(2026, 10, 1), 3
DAY = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
BY_PARTITION = (
    "stg_web_analytics__events",
    "stg_x__post_versions",
    "stg_mastodon__status_versions",
    "stg_bluesky__feed_item_versions",
)
LATEST = ("stg_x__posts", "stg_mastodon__statuses", "stg_bluesky__feed_items")
INCREMENTAL = BY_PARTITION + LATEST


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
    done = run_dbt(home, "run", "--select", "staging", env=window)
    assert done.returncode == 0, done.stdout + done.stderr


def staging(home: Path) -> dict[str, list[tuple]]:
    """Every row of every staging table and view, sorted (the views read with the key dbt had)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        set_pseudonym_key(con, load_settings().pseudonym_key)
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


def raw_rows_of(home: Path, table: str, day: date) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        query = f"select count(*) from raw.{table} where _partition_date = ?"
        return con.execute(query, [day]).fetchone()[0]


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> Path:
    """A home staged by daily runs out of order, then with day 2 loaded again from a corrected
    export with fewer records."""
    home = tmp_path_factory.mktemp("daily")
    generated = run_sharesignal(
        home, "generate", "--start", str(FIRST_DAY), "--days", str(DAYS), "--quiet"
    )
    assert generated.returncode == 0, generated.stderr

    for day in (DAY[1], DAY[0], DAY[2]):
        ingest(home, [day])
        dbt_run_staging(home, (day, day))

    landing = home / "landing"
    before = {t: raw_rows_of(home, t, DAY[1]) for t in ("x_posts", "web_analytics_events")}
    for source, pattern in (("x", "posts-*.jsonl"), ("web_analytics", "events-*.jsonl")):
        corrected = sorted((landing / source / str(DAY[1])).glob(pattern))
        assert corrected, f"no {pattern} file of {DAY[1]} to correct"
        for path in corrected:
            drop_last_line(path)
    ingest(home, [DAY[1]])
    for table, rows in before.items():
        assert raw_rows_of(home, table, DAY[1]) < rows, f"the corrected export changed {table}"
    dbt_run_staging(home, (DAY[1], DAY[1]))
    return home


def copy_of(home: Path, target: Path) -> Path:
    target.mkdir()
    shutil.copy(home / "warehouse.duckdb", target / "warehouse.duckdb")
    return target


def test_daily_runs_and_a_reloaded_partition_build_what_a_full_rebuild_builds(daily, tmp_path):
    # The same raw tables, staged in one plain run.
    rebuilt = copy_of(daily, tmp_path / "rebuilt")
    with duckdb.connect(str(rebuilt / "warehouse.duckdb")) as con:
        con.execute("drop schema staging cascade")
    dbt_run_staging(rebuilt, None)

    with duckdb.connect(str(daily / "warehouse.duckdb"), read_only=True) as con:
        spanning = con.execute(
            "select count(*) from (select post_id from staging.stg_x__post_versions"
            " group by post_id having count(distinct _partition_date) > 1)"
        ).fetchone()[0]
    assert spanning, "some posts have versions of several export dates (a run must re-pick them)"

    daily_rows, rebuilt_rows = staging(daily), staging(rebuilt)
    assert daily_rows.keys() == rebuilt_rows.keys()
    assert set(INCREMENTAL) <= daily_rows.keys()
    for name in daily_rows:
        assert daily_rows[name] == rebuilt_rows[name], name
    assert all(daily_rows[name] for name in INCREMENTAL), "every incremental table has rows"


def test_a_run_leaves_the_partitions_outside_its_window_alone(daily, tmp_path):
    """Day 1's rows deleted behind dbt's back from what a staging table is built from: a run
    over day 3 keeps day 1's staged rows as they were (a table rebuilt from all of its input
    would lose them). First from raw (the tables staged from raw), then from the versions
    tables (the latest-version tables)."""
    probe = copy_of(daily, tmp_path / "probe")
    warehouse = str(probe / "warehouse.duckdb")

    def day_one_rows() -> dict[str, list[tuple]]:
        with duckdb.connect(warehouse, read_only=True) as con:
            query = "select * from staging.{} where _partition_date = ?"
            return {
                name: sorted(con.execute(query.format(name), [DAY[0]]).fetchall(), key=repr)
                for name in INCREMENTAL
            }

    def delete_day_one(schema: str, tables: list[str]) -> None:
        with duckdb.connect(warehouse) as con:
            for table in tables:
                con.execute(f"delete from {schema}.{table} where _partition_date = ?", [DAY[0]])

    staged = day_one_rows()
    assert all(staged.values()), "every incremental table holds rows of day 1"
    with duckdb.connect(warehouse, read_only=True) as con:
        raw_tables = con.execute(
            "select table_name from information_schema.columns"
            " where table_schema = 'raw' and column_name = '_partition_date'"
        ).fetchall()
    delete_day_one("raw", [table for (table,) in raw_tables])
    dbt_run_staging(probe, (DAY[2], DAY[2]))
    assert day_one_rows() == staged

    delete_day_one("staging", [name for name in BY_PARTITION if name.endswith("_versions")])
    dbt_run_staging(probe, (DAY[2], DAY[2]))
    after = day_one_rows()
    assert {name: after[name] for name in LATEST} == {name: staged[name] for name in LATEST}
