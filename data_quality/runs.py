"""Where the quality reports are written, and the index that lists them:

    $SHARESIGNAL_HOME/quality/
      index.html                  every kept run, newest first (data_quality.index_page)
      runs/<run id>/              one folder per run: a Dagster run, or a bench or test run
        <check>.<suite>.html      one suite run's report (data_quality.report)
        run.json                  what the index lists of the run

Two runs can validate at once (`sharesignal backfill` or `publish` beside a run of the
Dagster daemon, each in its own process), so recording a validation holds an exclusive lock
(`flock` on quality/.index.lock) while it rewrites its run's run.json and the index: no
process overwrites an entry another has just added. Every file is written under a temporary
name and renamed into place, so the pages server never serves half a page. Only the newest
KEEP_RUNS runs are kept; older run folders are removed as the index is written.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from data_quality.index_page import Run, Validation, render_index
from data_quality.report import css_class, render_report, verdict
from data_quality.results import SuiteResult

KEEP_RUNS = 50
INDEX_NAME = "index.html"
RUNS = "runs"
RUN_SUMMARY = "run.json"
LOCK = ".index.lock"
# Run ids name folders and URL paths: Dagster's are UUIDs.
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def index_path(quality_dir: Path) -> Path:
    return quality_dir / INDEX_NAME


@dataclass(frozen=True)
class RunReports:
    """The reports of one run, under `quality_dir/runs/<run_id>/`."""

    quality_dir: Path
    run_id: str

    def __post_init__(self) -> None:
        if not RUN_ID.fullmatch(self.run_id):
            raise ValueError(f"run id {self.run_id!r} cannot name a folder: use [A-Za-z0-9_.-]")

    @property
    def folder(self) -> Path:
        return self.quality_dir / RUNS / self.run_id

    def record(self, check: str, schema: str, table: str, suite: str, result: SuiteResult) -> Path:
        """Write the report of `suite` run by `check` on `schema.table`, list it in the
        index, and return the report's path. The same check and suite again in this run (a
        retried step) replaces the earlier report."""
        now = datetime.now(UTC)
        name = f"{check}.{suite}.html"
        path = self.folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(
            path,
            render_report(
                table=f"{schema}.{table}",
                suite=suite,
                check=check,
                run_id=self.run_id,
                validated_at=now,
                result=result,
                index_href=f"../../{INDEX_NAME}",
            ),
        )
        entry = Validation(
            check=check,
            table=f"{schema}.{table}",
            suite=suite,
            page=name,
            # To the microsecond: runs are ordered by it, and may start within a second.
            validated_at=now.isoformat(),
            verdict=verdict(result),
            css_class=css_class(result),
            evaluated=result.evaluated,
            passed=result.evaluated - len(result.failed),
            failed=len(result.errors),
            warned=len(result.warnings),
        )
        with _locked(self.quality_dir):
            earlier = [v for v in _validations(self.folder) if v.page != name]
            write_atomically(
                self.folder / RUN_SUMMARY,
                json.dumps([asdict(v) for v in [*earlier, entry]], indent=1),
            )
            write_atomically(
                index_path(self.quality_dir), render_index(_kept_runs(self.quality_dir), KEEP_RUNS)
            )
        return path


def _validations(folder: Path) -> list[Validation]:
    summary = folder / RUN_SUMMARY
    if not summary.is_file():
        return []
    return [Validation(**v) for v in json.loads(summary.read_text(encoding="utf-8"))]


def _kept_runs(quality_dir: Path) -> list[Run]:
    """The newest KEEP_RUNS runs, newest first; the folders of older ones are removed."""
    folders = [p for p in (quality_dir / RUNS).iterdir() if p.is_dir()]
    runs = [Run(p.name, f"{RUNS}/{p.name}", _validations(p)) for p in folders]
    # A folder whose first report is still being written has no validation yet: it is new.
    now = datetime.now(UTC).isoformat()
    runs.sort(key=lambda r: r.started_at if r.validations else now, reverse=True)
    for old in runs[KEEP_RUNS:]:
        shutil.rmtree(quality_dir / old.folder, ignore_errors=True)
    return [r for r in runs[:KEEP_RUNS] if r.validations]


@contextmanager
def _locked(quality_dir: Path) -> Iterator[None]:
    fd = os.open(quality_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_atomically(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a temporary file beside it, renamed over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes it private; the pages server may run as another user.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
