"""Daily partitions by export date: one partition per `landing/<source>/<YYYY-MM-DD>/`."""

from dagster import BackfillPolicy, DailyPartitionsDefinition

from sharesignal.config import load_settings

daily_partitions = DailyPartitionsDefinition(
    start_date=load_settings().partitions_start.isoformat(),
    timezone="UTC",
)
# For the descriptions of the partitioned assets, where a month of missing days is seen.
PARTITIONS_NOTE = (
    "Partitions: one per export date, from SHARESIGNAL_PARTITIONS_START to yesterday (UTC), "
    "so that the daily schedule and the landing sensor find each new day's partition; a day "
    "whose exports were not loaded shows as missing (after `make demo`, every day after its "
    "last export date)."
)

# A backfill over many days runs as one run: each ingest asset loads every day of the
# range in one transaction, and dbt builds once for the whole window instead of once a day.
single_run = BackfillPolicy.single_run()
