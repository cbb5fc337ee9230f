"""Worlds shared by test modules: each expensive pipeline run happens once per session, for
every xdist worker (helpers.shared_world). Read them, never change them: a test that writes
works on `helpers.copy_home`."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import copy_home, no_gates, run_sharesignal, shared_world

from sharesignal.config import DEFAULT_SERVING_VERSIONS

FIRST_DAY, LAST_DAY = date(2026, 10, 5), date(2026, 10, 6)
# The ten-day world: ten export dates published, the eleventh's exports waiting in landing.
TEN_DAYS_FIRST, TEN_DAYS = date(2026, 10, 1), 10
TEN_DAYS_LAST = TEN_DAYS_FIRST + timedelta(days=TEN_DAYS - 1)
# Publications after the backfill's: as many as serving/versions keeps, so that the next one
# prunes a kept version.
TEN_DAYS_REPUBLISHED = DEFAULT_SERVING_VERSIONS


# The session's worlds that xdist worker gw<i> builds before its first test, when a collected
# test needs them: the workers build different worlds at once, instead of one waiting on the
# other's lock for the world they both want first (up to a minute of a worker's time each).
WORLDS_BUILT_FIRST = (("ten_days_home", "published_home", "docs_home"), ("keyed_home",))


@pytest.fixture(scope="session", autouse=True)
def worlds_built_first(request) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    index = int(worker.removeprefix("gw")) if worker else len(WORLDS_BUILT_FIRST)
    if index >= len(WORLDS_BUILT_FIRST):
        return
    needed = {name for item in request.session.items for name in item.fixturenames}
    for name in WORLDS_BUILT_FIRST[index]:
        if name in needed:
            request.getfixturevalue(name)


def generate(home: Path, start: date, days: int, *options: str) -> None:
    generated = run_sharesignal(
        home, "generate", "--start", start.isoformat(), "--days", str(days), "--quiet", *options
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr


def backfill(home: Path, start: date, end: date, key: str | None = None) -> None:
    """Backfill the dates, writing what it printed to `backfill.stdout` and `backfill.stderr`
    in the home."""
    dates = ("--start", start.isoformat(), "--end", end.isoformat())
    run = run_sharesignal(home, "backfill", *dates, key=key)
    assert run.returncode == 0, run.stdout + run.stderr
    (home / "backfill.stdout").write_text(run.stdout)
    (home / "backfill.stderr").write_text(run.stderr)


@pytest.fixture(scope="session")
def published_home(tmp_path_factory) -> Path:
    """Two export dates generated and backfilled through the whole pipeline in one run.
    What the backfill printed is in `backfill.stdout` and `backfill.stderr` there."""

    def build(home: Path) -> None:
        generate(home, FIRST_DAY, 2, "--accounts", "300", "--shares", "1500")
        backfill(home, FIRST_DAY, LAST_DAY)

    return shared_world(tmp_path_factory, "published", build)


@pytest.fixture(scope="session")
def docs_home(published_home, tmp_path_factory) -> Path:
    """A copy of the published home with the dbt docs written (`make docs`), as `make ui`
    serves it."""

    def build(home: Path) -> None:
        home.rmdir()
        copy_home(published_home, home)
        generated = run_sharesignal(home, "docs")
        assert generated.returncode == 0, generated.stdout + generated.stderr

    return shared_world(tmp_path_factory, "docs", build)


@pytest.fixture(scope="session")
def ten_days_home(tmp_path_factory) -> Path:
    """Ten export dates backfilled in one run and published again TEN_DAYS_REPUBLISHED
    times (serving/versions holds as many as it keeps); the eleventh date's exports wait in
    landing. The planted defects and the crash points each start from a copy."""

    def build(home: Path) -> None:
        generate(home, TEN_DAYS_FIRST, TEN_DAYS + 1, "--accounts", "300", "--shares", "3300")
        backfill(home, TEN_DAYS_FIRST, TEN_DAYS_LAST)
        for _ in range(TEN_DAYS_REPUBLISHED):
            republish(home)

    return shared_world(tmp_path_factory, "ten_days", build)


def republish(home: Path) -> None:
    """Publish the home's marts again as the publish step does, without its gates (the
    backfill's passed on these very marts) and outside Dagster: only serving/ changes."""
    from data_quality import MART_SUITES
    from orchestration.publish import tables_the_gates_read
    from orchestration.transform import dbt_project
    from sharesignal.publish import Publication, code_version, publish_marts

    publish_marts(
        home / "warehouse.duckdb",
        home / "serving" / "marts.duckdb",
        "marts",
        list(MART_SUITES),
        audit=no_gates,
        audit_inputs=tables_the_gates_read(MART_SUITES),
        publication=Publication(TEN_DAYS_FIRST, TEN_DAYS_LAST, code_version()),
        manifest_path=Path(dbt_project.manifest_path),
    )


# Distinctive, so that finding it in a file means the pipeline wrote it there
# (test_personal_data); the same in every xdist worker, since they share the keyed world.
KEY = "test-pseudonym-key-Jq8vXh2LwR4tN6bZ0cYpKe5m"


@pytest.fixture(scope="session")
def keyed_home(tmp_path_factory) -> Path:
    """Two export dates of a hard world (bots imitating people) backfilled with KEY as the
    pseudonymization key."""

    def build(home: Path) -> None:
        options = ("--accounts", "300", "--shares", "1500", "--bots-imitate-people")
        generate(home, FIRST_DAY, 2, *options)
        backfill(home, FIRST_DAY, LAST_DAY, key=KEY)

    return shared_world(tmp_path_factory, "keyed", build)
