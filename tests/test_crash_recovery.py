"""The pipeline killed with SIGKILL at points spread over build, audit and publish: the
serving file always opens and is either the previous version or the new one, and the next
run succeeds (issue 6, reliability b).

Each kill lands exactly where it is named (sharesignal.crash): the run is started in a
process group of its own and kills the whole group, dbt included, at its crash point. Kills
during build and audit happen in a daily run of a new export date, so the marts change;
kills around the publication happen in `sharesignal publish` (the gates and the publish
step alone), the only steps that touch the serving folder. Each crash point starts from its
own copy of one prepared world (conftest's ten-day world), so the points are independent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import TEN_DAYS_LAST
from helpers import copy_home, run_sharesignal

from data_quality import MART_SUITES
from sharesignal.config import REPO_ROOT
from sharesignal.crash import CRASH_AT

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


def sharesignal_killed_at(home: Path, point: str, *args: str) -> subprocess.CompletedProcess:
    """Run `sharesignal <args>` in its own process group, set to kill itself at `point`."""
    env = {**os.environ, "SHARESIGNAL_HOME": str(home), CRASH_AT: point}
    command = Path(sys.executable).parent / "sharesignal"
    return subprocess.run(
        [str(command), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        start_new_session=True,
    )


@pytest.fixture
def home(ten_days_home, tmp_path) -> Path:
    """A copy of the ten-day world: published, as many versions kept as are kept, and the
    next export date waiting in landing. Each crash point starts from the same state."""
    return copy_home(ten_days_home, tmp_path / "home")


def assert_killed_then_recovered(home: Path, point: str, args: list[str]) -> None:
    before, before_link = read_version(home), linked_parquet(home)

    killed = sharesignal_killed_at(home, point, *args)

    assert killed.returncode == -signal.SIGKILL, f"never reached {point}: {killed.stdout}"
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


@pytest.mark.parametrize("point", RUN_POINTS)
def test_a_run_killed_in_build_or_audit_leaves_the_last_version(home, point):
    day = str(TEN_DAYS_LAST + timedelta(days=1))
    assert_killed_then_recovered(home, point, ["backfill", "--start", day, "--end", day])


@pytest.mark.parametrize("point", PUBLISH_POINTS)
def test_a_publication_killed_at_any_step_leaves_one_whole_version(home, point):
    assert_killed_then_recovered(home, point, ["publish"])
