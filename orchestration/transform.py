"""dbt models as Dagster assets: staging → intermediate → marts, with dbt tests as checks."""

import os
import re
import shutil
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Config, Output, TimeWindow
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from pydantic import Field

from sharesignal.config import DBT_PROJECT_DIR, load_settings
from sharesignal.crash import crash_point
from sharesignal.writer_lock import writer_lock

from .partitions import daily_partitions, single_run

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is re-parsed on load, so edits to models show at once;
# elsewhere `make` prepares it (see the Makefile's manifest target).
dbt_project.prepare_if_dev()


class SharesignalTranslator(DagsterDbtTranslator):
    """Keys and groups follow the dbt folders, so the lineage graph reads like the design:
    `staging/stg_x__posts`, `marts/fct_shares`. Sources keep the key their
    `meta.dagster.asset_key` names (the ingest assets), the default behaviour."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return AssetKey([layer_of(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_of(dbt_resource_props)


def layer_of(dbt_resource_props: Mapping[str, Any]) -> str:
    """A model's layer is its top folder (staging, intermediate, marts); seeds (reference
    data such as the GA4 source categories) form a layer of their own."""
    if dbt_resource_props["resource_type"] == "seed":
        return "seeds"
    return dbt_resource_props["fqn"][1]


def dbt_window(window: TimeWindow) -> dict[str, str]:
    """The environment that gives dbt's models a run's partition window (end exclusive in
    Dagster, inclusive in dbt; the macros in dbt_project/macros/partition_window.sql). Not
    --vars: changed vars make dbt parse the whole project again on every run."""
    return {
        "SHARESIGNAL_MIN_DATE": window.start.date().isoformat(),
        "SHARESIGNAL_MAX_DATE": (window.end - timedelta(days=1)).date().isoformat(),
    }


PARTIAL_PARSE = "partial_parse.msgpack"
# dbt's files of the latest runs (compiled SQL, run_results.json) kept for a person to read.
DBT_RUNS_KEPT = 5


def new_dbt_target(dbt_dir: Path, run_id: str) -> Path:
    """A target folder for this run's dbt files under the home (not the code checkout), with
    the home's partial parse state in it, so dbt parses only what changed since the last run;
    older runs' folders beyond the latest DBT_RUNS_KEPT are deleted."""
    runs = dbt_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    previous = sorted(runs.iterdir(), key=lambda folder: folder.stat().st_mtime)
    for folder in previous[: max(len(previous) - (DBT_RUNS_KEPT - 1), 0)]:
        shutil.rmtree(folder, ignore_errors=True)
    target = runs / run_id
    target.mkdir(exist_ok=True)
    state = dbt_dir / PARTIAL_PARSE
    if state.exists():
        shutil.copy(state, target / PARTIAL_PARSE)
    return target


def keep_partial_parse(target: Path, dbt_dir: Path) -> None:
    """Keep the parse state this run's dbt wrote, for the next run (replaced atomically: a
    run killed meanwhile leaves the previous state)."""
    written = target / PARTIAL_PARSE
    if written.exists():
        partial = dbt_dir / f".{PARTIAL_PARSE}.tmp"
        shutil.copy(written, partial)
        os.replace(partial, dbt_dir / PARTIAL_PARSE)


class DbtBuildConfig(Config):
    """The dbt build's run configuration (in the UI's Launchpad: ops → dbt_models → config)."""

    full_refresh: bool = Field(
        default=False,
        description="Rebuild the incremental models from all of raw (dbt build "
        "--full-refresh), not only the run's export dates: needed after changing "
        "SHARESIGNAL_PSEUDONYM_KEY or upgrading sharesignal.",
    )


# The line dbt's log holds for each table it built (macro log_row_count, a post-hook).
ROW_COUNT = re.compile(r"^row count of \S+: (?P<rows>\d+)$")


def dbt_events(invocation: DbtCliInvocation) -> Iterator[Any]:
    """The Dagster events of a dbt command as dbt runs (what DbtCliInvocation.stream()
    yields), each table's materialization with its row count (`dagster/row_count`) from
    the post-hook's line before it. Counted by dbt, because dagster-dbt's fetch_row_counts
    reaches DuckDB through dbt's adapter inside this process: it holds the Dagster events
    back until dbt exits, keeps the warehouse open, so the gates after it cannot connect,
    and nearly doubled the build's time (docs/performance.md). Views are not counted, as
    there: counting one runs its query."""
    row_counts: dict[str, int] = {}
    for message in invocation.stream_raw_events():
        info, data = message.raw_event["info"], message.raw_event["data"]
        if info["name"] == "JinjaLogInfo" and (found := ROW_COUNT.match(info["msg"])):
            row_counts[data["node_info"]["unique_id"]] = int(found["rows"])
            continue
        for event in message.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=invocation.context,
            target_path=invocation.target_path,
            project=invocation.project,
        ):
            if isinstance(event, Output) and (
                (rows := row_counts.pop(event.metadata["unique_id"].value, None)) is not None
            ):
                event = event.with_metadata({**event.metadata, "dagster/row_count": rows})
            yield event


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=SharesignalTranslator(),
    partitions_def=daily_partitions,
    backfill_policy=single_run,
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    dbt_dir = load_settings().home / "dbt"
    with writer_lock(f"dbt build (run {context.run.run_id})", context.log):
        target = new_dbt_target(dbt_dir, context.run.run_id)
        # dbt is a subprocess: it inherits this process's environment.
        os.environ.update(dbt_window(context.partition_time_window))
        # dbt's unit tests check the models' logic on fixed inputs, not the day's data: they
        # run in `make test` (tests/test_dbt_unit_tests.py), not in every run (a quarter of a
        # small build's time).
        command = ["build", "--exclude-resource-type", "unit_test"]
        command += ["--full-refresh"] if config.full_refresh else []
        invocation = dbt.cli(command, context=context, target_path=target)
        try:
            for number, event in enumerate(dbt_events(invocation), start=1):
                crash_point(f"dbt:event:{number}")
                yield event
        finally:
            keep_partial_parse(target, dbt_dir)
