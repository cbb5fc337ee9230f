"""The pipeline killed with SIGKILL at points spread over build, audit and publish: the
serving file always opens and is either the previous version or the new one, and the next
run succeeds (issue 6, reliability b).

Each kill lands exactly where it is named (sharesignal.crash). Kills during build and audit
happen in a daily run of a new export date, so the marts change; kills around the
publication happen in `sharesignal publish` (the gates and the publish step alone), the only
steps that touch the serving folder. Both start from a copy of one prepared world
(conftest's ten-day world). Each runs once, in a process group of its own that stops itself
at every crash point in turn: the home is copied there, as a kill there leaves it, and the
run goes on; after the last point the group is killed. Every crash point then recovers from
its own copy, so the points are independent, without a run of their own up to the point.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import TEN_DAYS_LAST
from helpers import SHARESIGNAL, copy_home, run_sharesignal, sharesignal_env

from data_quality import MART_SUITES
from sharesignal.config import REPO_ROOT
from sharesignal.crash import PAUSE_AT, PAUSE_LOG

# Where a daily run of the next export date is killed: in ingest, at the first, a middle and
# the last stretch of dbt's build events, in the raw contract and in a mart's gate.
RUN_POINTS = [
    "ingest:x",
    "dbt:event:1",
    "dbt:event:150",
    "audit:raw_x_posts",
    "audit:fct_shares",
]
# Where `sharesignal publish` is killed: in the last gate, then at every step of publishing.
PUBLISH_POINTS = [
    "audit:mart_campaign_comparison",
    "publish:start",
    "publish:written",
    "publish:parquet_moved",
    "publish:version_kept",
    "publish:swapped",
    "publish:linked",
    "publish:done",
]
# From this point on the new database is in place (and from "publish:linked" the manifest
# names its Parquet).
DATABASE_SWAPPED = {"publish:swapped", "publish:linked", "publish:done"}
PARQUET_LINKED = {"publish:linked", "publish:done"}
KEEP_VERSIONS = 3


@dataclass(frozen=True)
class Version:
    published_at: object
    parquet_folder: str
    # Per mart: row count and a hash over every row.
    tables: dict[str, tuple[int, int]]


def read_version(home: Path) -> Version:
    """Open the serving file read-only as BI would and read every mart in full."""
    with duckdb.connect(str(home / "serving" / "marts.duckdb"), read_only=True) as con:
        published_at, parquet_folder, row_counts = con.execute(
            "select published_at, parquet_folder, row_counts from _publication"
        ).fetchone()
        tables = {
            mart: con.execute(
                f"select count(*), coalesce(sum(hash(t)), 0) from {mart} t"
            ).fetchone()
            for mart in MART_SUITES
        }
    assert {mart: n for mart, (n, _) in tables.items()} == row_counts, "a torn version"
    return Version(published_at, parquet_folder, tables)


def linked_parquet(home: Path) -> str:
    """The Parquet folder the manifest names, as `_publication.parquet_folder` does."""
    manifest = json.loads((home / "serving" / "parquet" / "current.json").read_text())
    return f"parquet/{manifest['folder']}"


def temporary_files(home: Path) -> list[str]:
    serving = home / "serving"
    return sorted(
        p.name
        for p in [
            *serving.iterdir(),
            *(serving / "versions").iterdir(),
            *(serving / "parquet").iterdir(),
        ]
        if p.name.startswith(".")
    )


@dataclass(frozen=True)
class Killed:
    """The homes a run left at each crash point, and the home it started from."""

    before: Path
    at: dict[str, Path]


def killed_at_each(start: Path, work: Path, points: list[str], args: list[str]) -> Killed:
    """Run `sharesignal <args>` on a copy of `start`, in its own process group, stopped at
    each of `points` in the order the run reaches them: copy its home there, then go on.
    Killed with SIGKILL at the last point, as a kill at each point would have."""
    home = copy_home(start, work / "running")
    output, paused = work / "running.log", work / "paused.log"
    env = sharesignal_env(home, {PAUSE_AT: ",".join(points), PAUSE_LOG: str(paused)})
    with output.open("w") as log:
        run = subprocess.Popen(
            [SHARESIGNAL, *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    at: dict[str, Path] = {}
    try:
        while len(at) < len(points):
            _, status = os.waitpid(run.pid, os.WUNTRACED)
            assert os.WIFSTOPPED(status), f"never reached {set(points) - set(at)}: " + (
                output.read_text()
            )
            point = paused.read_text().splitlines()[-1]
            assert point in points and point not in at, paused.read_text()
            at[point] = copy_home(home, work / point.replace(":", "-"))
            if len(at) < len(points):
                os.killpg(run.pid, signal.SIGCONT)
    finally:
        # Stopped at the last point (or anywhere, if an assertion failed): killed there.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL
    return Killed(start, at)


@pytest.fixture(scope="module")
def daily_run_killed(ten_days_home, tmp_path_factory) -> Killed:
    """A daily run of the next export date, from the ten-day world (published, as many
    versions kept as are kept, the next export date waiting in landing), at each RUN_POINT."""
    day = str(TEN_DAYS_LAST + timedelta(days=1))
    work = tmp_path_factory.mktemp("daily-run-killed")
    return killed_at_each(
        ten_days_home, work, RUN_POINTS, ["backfill", "--start", day, "--end", day]
    )


@pytest.fixture(scope="module")
def publication_killed(ten_days_home, tmp_path_factory) -> Killed:
    """`sharesignal publish` on the ten-day world, at each PUBLISH_POINT."""
    work = tmp_path_factory.mktemp("publication-killed")
    return killed_at_each(ten_days_home, work, PUBLISH_POINTS, ["publish"])


def assert_killed_then_recovered(killed: Killed, point: str, args: list[str]) -> None:
    before, before_link = read_version(killed.before), linked_parquet(killed.before)
    home = killed.at[point]

    after_kill = read_version(home)
    if point in DATABASE_SWAPPED:
        assert after_kill.published_at != before.published_at
    else:
        assert after_kill == before
    expected_link = after_kill.parquet_folder if point in PARQUET_LINKED else before_link
    assert linked_parquet(home) == expected_link

    recovered = run_sharesignal(home, *args)

    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    after = read_version(home)
    assert after.published_at not in (before.published_at, after_kill.published_at)
    if point in DATABASE_SWAPPED:
        # What the killed run published is the version the next run publishes again.
        assert after_kill.tables == after.tables
    assert linked_parquet(home) == after.parquet_folder
    assert temporary_files(home) == []
    assert len(list((home / "serving" / "versions").glob("*.duckdb"))) <= KEEP_VERSIONS


# Each kind of run on one worker, which runs it once for all its crash points.
@pytest.mark.xdist_group("crash_recovery_daily_run")
@pytest.mark.parametrize("point", RUN_POINTS)
def test_a_run_killed_in_build_or_audit_leaves_the_last_version(daily_run_killed, point):
    day = str(TEN_DAYS_LAST + timedelta(days=1))
    assert_killed_then_recovered(
        daily_run_killed, point, ["backfill", "--start", day, "--end", day]
    )


@pytest.mark.xdist_group("crash_recovery_publication")
@pytest.mark.parametrize("point", PUBLISH_POINTS)
def test_a_publication_killed_at_any_step_leaves_one_whole_version(publication_killed, point):
    assert_killed_then_recovered(publication_killed, point, ["publish"])
