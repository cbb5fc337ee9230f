"""What `sharesignal backfill` and `sharesignal publish` print while their run goes.

A line as each stage starts and one as it ends, with its duration and what it did (ingest
per source, the raw gates, the dbt build with dbt's own "N of M" result lines, the mart gates,
publish...), warnings and failures as they happen, then the run's total. Read from the
Dagster events of the run as the instance records them, so the command shows what the UI
shows, without Dagster's console log (a dozen lines per step).
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from logging import WARNING
from typing import TextIO

from dagster import AssetKey, DagsterEventType, DagsterInstance, EventLogEntry

# dbt's line before each node runs: its result line follows, which is the one kept.
DBT_START = re.compile(r"^\d+ of \d+ START ")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DBT_INDENT = " " * 10


def stage_names() -> dict[str, str]:
    """The stage of each step of the pipeline's jobs, by step key (the op's name): one per
    source for ingest, one for all the raw gates, and so on."""
    from orchestration.freshness import freshness_checks
    from orchestration.ingest import ingest_assets
    from orchestration.publish import published_marts
    from orchestration.quality import mart_checks, raw_checks
    from orchestration.report import results_report
    from orchestration.transform import dbt_models

    def op(definition) -> str:
        return definition.node_def.name

    return {
        **{op(a): f"ingest {op(a).removeprefix('ingest_')}" for a in ingest_assets},
        **{op(c): "raw gates" for c in raw_checks},
        op(dbt_models): "dbt build",
        **{op(c): "mart gates" for c in mart_checks},
        op(published_marts): "publish",
        **{op(c): "publication freshness" for c in freshness_checks},
        op(results_report): "report",
    }


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m {seconds:02d}s"


class Clock:
    """Prints lines to `out`, each after the time since the command started."""

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout
        self.started = time.time()

    def elapsed(self) -> float:
        return time.time() - self.started

    def say(self, text: str, at: float | None = None) -> None:
        minutes, seconds = divmod(int((at or time.time()) - self.started), 60)
        self.out.write(f"{minutes:>3}:{seconds:02d}  {text}\n")
        self.out.flush()


def first_line(message: str) -> str:
    """A message's first line, an exception's without its module (`Failure: ...`)."""
    return re.sub(r"^(\w+\.)+(?=\w+: )", "", message.strip().splitlines()[0])


def count(n: int, thing: str) -> str:
    return f"{n:,} {thing}" + ("s" if n != 1 else "")


@dataclass
class Stage:
    name: str
    started: float
    ended: float
    # The metadata of each asset materialized (a run over several days materializes each
    # asset once per day: the same figures).
    materialized: dict[AssetKey, Mapping[str, object]] = field(default_factory=dict)
    passed: int = 0
    failed: int = 0
    # A step of the stage raised.
    broken: bool = False

    def outcome(self) -> str:
        """What the stage did, in a few words."""
        parts = []
        loaded = next(iter(self.materialized.values()), {})
        if "rows_loaded" in loaded:
            # Every raw table of a source carries the source's totals.
            parts.append(
                f"{count(loaded['files'], 'file')}, {loaded['rows_loaded']:,} rows loaded, "
                f"{loaded['rows_rejected']:,} rejected"
            )
        elif self.materialized:
            parts.append(f"{count(len(self.materialized), 'asset')} materialized")
        if self.passed or self.failed:
            parts.append(
                f"{count(self.passed, 'check')} passed"
                + (f", {self.failed} FAILED" if self.failed else "")
            )
        return ": " + ", ".join(parts) if parts else ""


class Progress:
    """An event listener of a run (DagsterInstance.add_event_listener) that tells its
    progress on `clock`, stage by stage; `stages` names the stage of each step key."""

    def __init__(self, clock: Clock, stages: Mapping[str, str]):
        self.clock = clock
        self.stages = stages
        self.stage: Stage | None = None
        self.planned = 0
        self.run_started: float | None = None

    def say(self, at: float, text: str) -> None:
        self.clock.say(text, at)

    def __call__(self, entry: EventLogEntry) -> None:
        kind = entry.dagster_event_type
        if kind is None:
            if entry.level >= WARNING:
                level = "error" if entry.level > WARNING else "warning"
                where = f" in {self.stage_of(entry.step_key)}" if entry.step_key else ""
                self.say(entry.timestamp, f"  {level}{where}: {first_line(entry.user_message)}")
            return
        event = entry.get_dagster_event()
        if kind in (
            DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
            DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
        ):
            if not self.planned:
                self.say(
                    entry.timestamp, f"run {entry.run_id[:8]}: recording its plan in the instance"
                )
            self.planned += 1
        elif kind == DagsterEventType.RUN_START:
            self.run_started = entry.timestamp
            self.say(
                entry.timestamp,
                f"run {entry.run_id[:8]} started ({self.planned} assets and checks planned)",
            )
        elif kind == DagsterEventType.STEP_START:
            name = self.stage_of(entry.step_key)
            if self.stage is None or self.stage.name != name:
                self.end_stage()
                self.stage = Stage(name, entry.timestamp, entry.timestamp)
                self.say(entry.timestamp, f"{name} ...")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION and self.stage:
            materialization = event.step_materialization_data.materialization
            self.stage.materialized[materialization.asset_key] = {
                name: getattr(value, "value", value)
                for name, value in materialization.metadata.items()
            }
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION and self.stage:
            check = event.event_specific_data
            if check.passed:
                self.stage.passed += 1
            else:
                self.stage.failed += 1
                self.say(
                    entry.timestamp,
                    f"  FAILED {check.asset_key.to_user_string()} {check.check_name}"
                    + (f": {check.description}" if check.description else ""),
                )
        elif kind == DagsterEventType.STEP_SUCCESS and self.stage:
            self.stage.ended = entry.timestamp
        elif kind == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            while error and error.cause:
                error = error.cause
            # A failed blocking check fails its step: the check was named as it failed.
            if error and error.cls_name != "DagsterAssetCheckFailedError":
                self.say(entry.timestamp, f"  {entry.step_key} failed: {first_line(error.message)}")
            if self.stage:
                self.stage.ended = entry.timestamp
                self.stage.broken = True
        elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            self.end_stage()
            verb = "succeeded" if kind == DagsterEventType.RUN_SUCCESS else "FAILED"
            took = entry.timestamp - (self.run_started or entry.timestamp)
            self.say(entry.timestamp, f"run {entry.run_id[:8]} {verb} in {duration(took)}")

    def stage_of(self, step_key: str) -> str:
        return self.stages.get(step_key, step_key.replace("__", "/"))

    def end_stage(self) -> None:
        if self.stage:
            stage, self.stage = self.stage, None
            ended = "FAILED after" if stage.broken else "done in"
            took = duration(stage.ended - stage.started)
            self.say(stage.ended, f"{stage.name} {ended} {took}{stage.outcome()}")


class DbtLines(io.TextIOBase):
    """Stands in for sys.stdout during a run. dagster-dbt copies every line of dbt's log
    there: this keeps dbt's result lines ("12 of 284 OK created sql table model ... [OK in
    0.31s]"), its summary and anything else, indented under the dbt stage, and drops the
    START line dbt writes before each node and the lines matching `hidden` (the row counts
    the Dagster asset reads), which only double them."""

    def __init__(self, out: TextIO, hidden: re.Pattern | None = None):
        self.out = out
        self.hidden = hidden
        self.colours = out.isatty()
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            plain = ANSI.sub("", line)
            shown = not (self.hidden and self.hidden.match(plain))
            if plain.strip() and shown and not DBT_START.match(plain):
                self.out.write(DBT_INDENT + (line if self.colours else plain) + "\n")
        return len(text)

    def flush(self) -> None:
        self.out.flush()


@contextmanager
def shown(instance: DagsterInstance, run_id: str, clock: Clock) -> Iterator[Progress]:
    """Tell the progress of the run `run_id` (not yet created) while in this block."""
    from orchestration.transform import ROW_COUNT

    progress = Progress(clock, stage_names())
    instance.add_event_listener(run_id, progress)
    stdout = sys.stdout
    sys.stdout = DbtLines(clock.out, hidden=ROW_COUNT)
    try:
        yield progress
    finally:
        sys.stdout.flush()
        sys.stdout = stdout
