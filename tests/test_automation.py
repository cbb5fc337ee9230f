"""The landing sensor and the daily schedule request the right partitions."""

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import duckdb
import pytest
from dagster import AssetKey, build_schedule_context, build_sensor_context

from orchestration.definitions import defs
from orchestration.sensors import landing_sensor
from sharesignal.ingest import ingest_partition

DAY = "2026-10-03"


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))
    return tmp_path / "landing"


def deliver(landing, source: str, day: str, name: str, text: str) -> None:
    folder = landing / source / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def tick(cursor: str | None = None):
    return landing_sensor.evaluate_tick(build_sensor_context(cursor=cursor, definitions=defs))


def load(landing, *folders: tuple[str, str]) -> None:
    """Ingest these `(source, day)` folders into the home's warehouse, as `make demo` does."""
    with duckdb.connect(str(landing.parent / "warehouse.duckdb")) as con:
        for source, day in folders:
            ingest_partition(con, source, date.fromisoformat(day), landing, load_id="demo")


def changed(result) -> dict[str, str]:
    return {r.partition_key: r.tags["sharesignal/changed_sources"] for r in result.run_requests}


def test_new_files_request_their_partition_with_the_changed_sources(landing):
    deliver(landing, "x", DAY, "posts-0001.jsonl", '{"data": []}\n')
    deliver(landing, "crm", "2026-10-04", "Lead.csv", "Id\n")

    result = tick()

    requests = {r.partition_key: r for r in result.run_requests}
    assert set(requests) == {DAY, "2026-10-04"}
    x_run = requests[DAY].asset_selection
    assert AssetKey(["raw", "x_posts"]) in x_run and AssetKey(["raw", "x_users"]) in x_run
    assert AssetKey(["raw", "crm_leads"]) not in x_run
    assert AssetKey(["marts", "fct_shares"]) in x_run
    assert AssetKey(["serving", "published_marts"]) in x_run
    assert set(json.loads(result.cursor)) == {f"x/{DAY}", "crm/2026-10-04"}


def test_nothing_new_means_no_run(landing):
    deliver(landing, "x", DAY, "posts-0001.jsonl", '{"data": []}\n')
    cursor = tick().cursor

    result = tick(cursor)

    assert not result.run_requests
    assert "no new or changed files" in result.skip_message


def test_a_late_file_for_an_old_date_reruns_that_partition(landing):
    deliver(landing, "x", DAY, "posts-0001.jsonl", '{"data": []}\n')
    deliver(landing, "clicks", DAY, "clicks-0001.jsonl", "{}\n")
    cursor = tick().cursor

    deliver(landing, "clicks", DAY, "clicks-0002.jsonl", "{}\n")
    result = tick(cursor)

    [request] = result.run_requests
    assert request.partition_key == DAY
    assert AssetKey(["raw", "clicks"]) in request.asset_selection
    assert AssetKey(["raw", "x_posts"]) not in request.asset_selection
    assert request.tags["sharesignal/changed_sources"] == "clicks"


def test_a_replaced_file_counts_as_changed(landing):
    deliver(landing, "x", DAY, "posts-0001.jsonl", '{"data": []}\n')
    cursor = tick().cursor
    path = landing / "x" / DAY / "posts-0001.jsonl"
    path.write_text('{"data": [], "meta": {}}\n')
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))

    [request] = tick(cursor).run_requests

    assert request.partition_key == DAY


def test_folders_that_are_not_export_dates_are_ignored(landing):
    deliver(landing, "x", "not-a-date", "posts-0001.jsonl", "{}\n")
    deliver(landing, "x", "1999-01-01", "posts-0001.jsonl", "{}\n")  # before the partitions

    assert not tick().run_requests


def test_a_folder_emptied_by_a_move_reruns_both_dates(landing):
    deliver(landing, "clicks", DAY, "clicks-0001.jsonl", "{}\n")
    cursor = tick().cursor
    moved = landing / "clicks" / "2026-10-04"
    moved.mkdir()
    (landing / "clicks" / DAY / "clicks-0001.jsonl").rename(moved / "clicks-0001.jsonl")

    result = tick(cursor)

    assert {r.partition_key for r in result.run_requests} == {DAY, "2026-10-04"}
    assert not tick(result.cursor).run_requests


def test_an_unfinished_file_triggers_no_run_until_renamed(landing):
    deliver(landing, "clicks", DAY, "clicks-0001.jsonl.part", "{}\n")
    deliver(landing, "clicks", DAY, ".clicks-0002.jsonl", "{}\n")

    assert not tick().run_requests

    part = landing / "clicks" / DAY / "clicks-0001.jsonl.part"
    part.rename(part.with_suffix(""))
    [request] = tick().run_requests

    assert request.partition_key == DAY


LATER = "2026-10-04"


def test_turned_on_after_a_backfill_it_runs_only_what_was_not_loaded_as_it_is(landing):
    deliver(landing, "x", DAY, "posts-0001.jsonl", '{"data": []}\n')
    deliver(landing, "clicks", DAY, "clicks-0001.jsonl", "{}\n")
    deliver(landing, "x", LATER, "posts-0001.jsonl", '{"data": []}\n')
    deliver(landing, "mastodon", LATER, "statuses-0001.json", "[]\n")
    load(landing, ("x", DAY), ("clicks", DAY), ("x", LATER), ("mastodon", LATER))
    # Since that load: a new file for a loaded date, a file replaced by another of the same
    # name, size and (below) modification time, a folder emptied, and a new date.
    deliver(landing, "clicks", DAY, "clicks-0002.jsonl", "{}\n")
    replaced = landing / "x" / LATER / "posts-0001.jsonl"
    stat = replaced.stat()
    replaced.write_text('{"data": {}}\n')
    os.utime(replaced, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (landing / "mastodon" / LATER / "statuses-0001.json").unlink()
    deliver(landing, "crm", "2026-10-05", "Lead.csv", "Id\n")

    result = tick()

    assert changed(result) == {DAY: "clicks", LATER: "mastodon,x", "2026-10-05": "crm"}
    assert not tick(result.cursor).run_requests


def test_turned_on_after_a_backfill_with_nothing_new_it_runs_nothing(landing):
    deliver(landing, "x", DAY, "posts-0001.jsonl", '{"data": []}\n')
    deliver(landing, "crm", DAY, "Lead.csv", "Id\n")
    load(landing, ("x", DAY), ("crm", DAY))

    result = tick()

    assert not result.run_requests
    # The loaded state is its cursor: a file delivered later runs.
    deliver(landing, "crm", DAY, "Opportunity.csv", "Id\n")
    assert changed(tick(result.cursor)) == {DAY: "crm"}


def test_first_evaluation_waits_while_a_run_writes_the_warehouse(landing):
    deliver(landing, "x", DAY, "posts-0001.jsonl", '{"data": []}\n')
    load(landing, ("x", DAY))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "sys.stdin.read()",
            str(landing.parent / "warehouse.duckdb"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "open\n"
        result = tick()
    finally:
        holder.communicate("")

    assert not result.run_requests and result.cursor is None
    assert "writes" in result.skip_message
    assert not tick().run_requests


def test_the_daily_schedule_runs_the_previous_day():
    now = datetime(2026, 11, 25, 6, 0)
    context = build_schedule_context(scheduled_execution_time=now)

    schedule = defs.resolve_schedule_def("daily_pipeline_schedule")

    [request] = schedule.evaluate_tick(context).run_requests

    assert request.partition_key == (now.date() - timedelta(days=1)).isoformat()
