"""How the dbt asset runs dbt: the partition window it passes, where dbt's files go, and that
dbt's partial parse survives from one run to the next (a full parse costs seconds per run)."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from dagster import TimeWindow

from orchestration.transform import (
    DBT_RUNS_KEPT,
    PARTIAL_PARSE,
    dbt_window,
    keep_partial_parse,
    new_dbt_target,
)
from sharesignal.config import DBT_PROJECT_DIR


def window(start: str, end: str) -> TimeWindow:
    return TimeWindow(
        datetime.fromisoformat(start).replace(tzinfo=UTC),
        datetime.fromisoformat(end).replace(tzinfo=UTC),
    )


def test_one_partition_becomes_a_one_day_inclusive_window():
    assert dbt_window(window("2026-10-03", "2026-10-04")) == {
        "SHARESIGNAL_MIN_DATE": "2026-10-03",
        "SHARESIGNAL_MAX_DATE": "2026-10-03",
    }


def test_a_backfill_range_passes_its_first_and_last_day():
    assert dbt_window(window("2026-10-01", "2026-10-31")) == {
        "SHARESIGNAL_MIN_DATE": "2026-10-01",
        "SHARESIGNAL_MAX_DATE": "2026-10-30",
    }


def test_a_run_target_starts_from_the_homes_parse_state_and_old_runs_are_deleted(tmp_path):
    dbt_dir = tmp_path / "dbt"
    for number in range(DBT_RUNS_KEPT + 2):
        old = dbt_dir / "runs" / f"run-{number}"
        old.mkdir(parents=True)
        os.utime(old, (number, number))
    (dbt_dir / PARTIAL_PARSE).write_bytes(b"state of the last run")

    target = new_dbt_target(dbt_dir, "new-run")

    assert (target / PARTIAL_PARSE).read_bytes() == b"state of the last run"
    kept = sorted(p.name for p in (dbt_dir / "runs").iterdir())
    newest_old = [f"run-{n}" for n in range(DBT_RUNS_KEPT + 2)][-(DBT_RUNS_KEPT - 1) :]
    assert kept == sorted([*newest_old, "new-run"])


def test_the_parse_state_a_run_wrote_is_kept_for_the_next(tmp_path):
    dbt_dir, target = tmp_path / "dbt", tmp_path / "dbt" / "runs" / "one"
    target.mkdir(parents=True)
    keep_partial_parse(target, dbt_dir)
    assert not (dbt_dir / PARTIAL_PARSE).exists(), "nothing written, nothing kept"

    (target / PARTIAL_PARSE).write_bytes(b"new state")
    keep_partial_parse(target, dbt_dir)
    assert (dbt_dir / PARTIAL_PARSE).read_bytes() == b"new state"
    assert [p.name for p in dbt_dir.iterdir() if p.is_file()] == [PARTIAL_PARSE]


def dbt_parse(home: Path, target: Path, run_window: TimeWindow) -> dict:
    """`dbt parse` as a run over `run_window` would parse; dbt's parse statistics."""
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "parse", "--profiles-dir", ".", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env=os.environ | {"SHARESIGNAL_HOME": str(home)} | dbt_window(run_window),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((target / "perf_info.json").read_text())


def test_the_next_days_run_parses_only_the_models_that_read_the_window(tmp_path):
    dbt_dir = tmp_path / "dbt"
    first = new_dbt_target(dbt_dir, "first")
    dbt_parse(tmp_path, first, window("2026-10-01", "2026-10-31"))
    keep_partial_parse(first, dbt_dir)

    following = new_dbt_target(dbt_dir, "following")
    parse = dbt_parse(tmp_path, following, window("2026-10-31", "2026-11-01"))

    assert parse["is_partial_parse_enabled"]
    assert 0 < parse["parsed_path_count"] <= 5 < parse["path_count"], parse


def test_the_version_dagster_dbt_asks_for_is_answered_without_dbt_or_the_network(tmp_path):
    """dagster-dbt runs `<dbt executable> --version` before each dbt command. The executable
    the code location gives it answers from the installed packages, with sockets refused and
    without importing dbt (whose own answer asks PyPI)."""
    from orchestration.definitions import defs

    executable = defs.resources["dbt"].dbt_executable
    # Loaded by Python at start-up from PYTHONPATH: no connection, and a report at exit.
    (tmp_path / "sitecustomize.py").write_text(
        "import atexit, socket, sys\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('no network here')\n"
        "socket.socket.connect = refuse\n"
        "atexit.register(lambda: print('dbt imported:', 'dbt' in sys.modules))\n"
    )
    answer = subprocess.run(
        [executable, "--version"],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert Path(executable).name == "sharesignal-dbt"
    assert f"installed: {version('dbt-core')}" in answer
    assert "dbt imported: False" in answer


def test_every_table_dbt_builds_records_its_row_count(published_home, monkeypatch):
    """In the Dagster instance of the shared backfill: each table, incremental model and seed
    has the row count the warehouse holds (views have none: counting one runs its query)."""
    import duckdb
    from dagster import DagsterInstance

    from orchestration.transform import SharesignalTranslator, dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    translator = SharesignalTranslator()
    monkeypatch.setenv("DAGSTER_HOME", str(published_home / "dagster"))
    recorded, held = {}, {}
    with (
        DagsterInstance.get() as instance,
        duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True) as con,
    ):
        for node in manifest["nodes"].values():
            if node["resource_type"] not in ("model", "seed"):
                continue
            key = translator.get_asset_key(node)
            event = instance.get_latest_materialization_event(key)
            metadata = event.asset_materialization.metadata
            recorded[node["name"]] = getattr(metadata.get("dagster/row_count"), "value", None)
            if node["config"]["materialized"] != "view":
                held[node["name"]] = con.execute(
                    f"SELECT count(*) FROM {node['relation_name']}"
                ).fetchone()[0]

    assert {name: recorded[name] for name in held} == held
    assert {name for name, rows in recorded.items() if rows is None} == recorded.keys() - held
    assert held["fct_shares"] > 0 and held["trust_scorecard"] > 0
