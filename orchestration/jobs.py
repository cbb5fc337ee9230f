"""The main job and its schedule."""

from dagster import AssetSelection, ScheduleDefinition, define_asset_job

from .partitions import daily_partitions

# Everything from the export files to the published marts: ingest, dbt build (with dbt
# tests), Great Expectations gates, publish.
daily_pipeline = define_asset_job(
    name="daily_pipeline",
    selection=AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Ingest one or more export dates, rebuild the models, run the quality "
    "gates and publish the marts when every gate passed.",
)

# Exports for a day are complete the next morning: at 06:00 UTC, run the previous day.
daily_schedule = ScheduleDefinition(
    job=daily_pipeline,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    name="daily_pipeline_schedule",
)
