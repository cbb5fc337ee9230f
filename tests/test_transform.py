"""The dbt command built for a partition window, tested without a warehouse."""

import json
from datetime import UTC, datetime

from dagster import TimeWindow

from orchestration.transform import dbt_build_args


def window(start: str, end: str) -> TimeWindow:
    return TimeWindow(
        datetime.fromisoformat(start).replace(tzinfo=UTC),
        datetime.fromisoformat(end).replace(tzinfo=UTC),
    )


def test_one_partition_becomes_a_one_day_inclusive_window():
    args = dbt_build_args(window("2026-10-03", "2026-10-04"))

    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"min_date": "2026-10-03", "max_date": "2026-10-03"}


def test_a_backfill_range_passes_its_first_and_last_day():
    args = dbt_build_args(window("2026-10-01", "2026-10-31"))

    assert json.loads(args[2]) == {"min_date": "2026-10-01", "max_date": "2026-10-30"}
