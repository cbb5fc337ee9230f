"""What several test modules share: running the `sharesignal` command, or dbt, on a home."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from sharesignal.config import DBT_PROJECT_DIR, REPO_ROOT

# The installed command, beside the interpreter running the tests (not necessarily on PATH).
SHARESIGNAL = str(Path(sys.executable).parent / "sharesignal")


def sharesignal_env(home: Path, variables: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `sharesignal` command on `home`, with `variables` added."""
    return {**os.environ, "SHARESIGNAL_HOME": str(home), **(variables or {})}


def run_sharesignal(home: Path, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed `sharesignal` command with `home` as SHARESIGNAL_HOME (and `key` as
    the pseudonymization key when given), as a user would from the repository."""
    env = sharesignal_env(home, None if key is None else {"SHARESIGNAL_PSEUDONYM_KEY": key})
    return subprocess.run(
        [SHARESIGNAL, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )


def run_dbt(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run dbt on `home`'s warehouse with `env` added to the environment, writing its files
    and log into `home/target` (the project's own manifest, which Dagster reads, stays as it
    is, and parallel tests write no shared log)."""
    command = Path(sys.executable).parent / "dbt"
    target = str(home / "target")
    return subprocess.run(
        [str(command), *args, "--profiles-dir", ".", "--target-path", target, "--log-path", target],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SHARESIGNAL_HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
    )


def no_gates(candidate: Path) -> list:
    """An audit without gates, for tests of publishing itself (the real one runs the mart
    suites: orchestration.publish.audit_candidate)."""
    return []


def copy_home(home: Path, destination: Path) -> Path:
    """A copy of `home` a test may change, leaving the shared one (conftest) as it was."""
    shutil.copytree(home, destination, symlinks=True)
    return destination


def shared_world(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """The home `build` makes, built once per test session however many xdist workers run:
    the first worker to ask builds it under a file lock in the session's shared temporary
    folder, the others wait and get the same folder. Read it, never change it (copy_home)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # each worker's basetemp is a folder of the session's
    worlds = root / "worlds"
    worlds.mkdir(exist_ok=True)
    home, built = worlds / name, worlds / f"{name}.built"
    with FileLock(worlds / f"{name}.lock"):
        if not built.exists():
            # A build that failed in another worker left a partial home: start again.
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir()
            build(home)
            built.touch()
    return home
