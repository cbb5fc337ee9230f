"""Fixtures shared by test modules: the expensive pipeline run happens once per session."""

from datetime import date
from pathlib import Path

import pytest
from helpers import copy_home, run_sharesignal

FIRST_DAY, LAST_DAY = date(2026, 10, 5), date(2026, 10, 6)


@pytest.fixture(scope="session")
def published_home(tmp_path_factory) -> Path:
    """Two export dates generated and backfilled through the whole pipeline in one run,
    into a temporary home. Shared by every module: read it, never change it (a test that
    writes works on `helpers.copy_home`). What the backfill printed is in `backfill.stdout`
    there."""
    home = tmp_path_factory.mktemp("home")
    generated = run_sharesignal(
        home,
        "generate",
        "--start",
        FIRST_DAY.isoformat(),
        "--days",
        "2",
        "--quiet",
        "--accounts",
        "300",
        "--shares",
        "1500",
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    run = run_sharesignal(
        home, "backfill", "--start", FIRST_DAY.isoformat(), "--end", LAST_DAY.isoformat()
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (home / "backfill.stdout").write_text(run.stdout)
    return home


@pytest.fixture(scope="session")
def docs_home(published_home, tmp_path_factory) -> Path:
    """A copy of the published home with the dbt docs written (`make docs`), as `make ui`
    serves it. Read it, never change it."""
    home = copy_home(published_home, tmp_path_factory.mktemp("docs") / "home")
    generated = run_sharesignal(home, "docs")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return home
