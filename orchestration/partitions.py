"""Daily partitions by export date: one partition per `landing/<source>/<YYYY-MM-DD>/`."""

from dagster import BackfillPolicy, DailyPartitionsDefinition

from sharesignal.config import load_settings

daily_partitions = DailyPartitionsDefinition(
    start_date=load_settings().partitions_start.isoformat(),
    timezone="UTC",
)

# A backfill over many days runs as one run: each ingest asset loads every day of the
# range in one transaction, and dbt builds once for the whole window instead of once a day.
single_run = BackfillPolicy.single_run()
