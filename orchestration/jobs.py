"""The jobs: the whole pipeline, and the gates-and-publish step on its own."""

from dagster import AssetSelection, define_asset_job

from .publish import published_marts
from .quality import mart_checks
from .report import results_report

# Everything from the export files to the published marts and their report: ingest, dbt
# build (with dbt tests), Great Expectations gates, publish, report.
daily_pipeline = define_asset_job(
    name="daily_pipeline",
    selection=AssetSelection.all(),
    description="Ingest one or more export dates, rebuild the models, run the quality "
    "gates and publish the marts, with their results report, when every gate passed.",
)

# Re-run the gates on the marts as they are and publish when they pass (with the report of
# what was published), without rebuilding: for re-publishing after an incident, and for
# testing the gate itself.
audit_and_publish = define_asset_job(
    name="audit_and_publish",
    selection=AssetSelection.checks(*(check.check_key for check in mart_checks))
    | AssetSelection.assets(published_marts.key, results_report.key),
    description="Run the Great Expectations gates on the current marts and publish them, "
    "with their results report, when every gate passed.",
)
