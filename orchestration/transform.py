"""dbt models as Dagster assets: staging → intermediate → marts, with dbt tests as checks."""

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dagster import AssetExecutionContext, AssetKey, TimeWindow
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from sharesignal.config import DBT_PROJECT_DIR
from sharesignal.crash import crash_point

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


def dbt_build_args(window: TimeWindow) -> list[str]:
    """The dbt command for a run over a partition window (end exclusive in Dagster,
    inclusive in our dbt vars)."""
    dbt_vars = {
        "min_date": window.start.date().isoformat(),
        "max_date": (window.end - timedelta(days=1)).date().isoformat(),
    }
    return ["build", "--vars", json.dumps(dbt_vars)]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=SharesignalTranslator(),
    partitions_def=daily_partitions,
    backfill_policy=single_run,
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    events = dbt.cli(dbt_build_args(context.partition_time_window), context=context).stream()
    for number, event in enumerate(events, start=1):
        crash_point(f"dbt:event:{number}")
        yield event
