"""Freshness by the clock: the published marts should never be older than a day and a bit.

The data's own freshness (the marts keep up with the loaded exports) is a Great
Expectations rule on fct_shares; this is Dagster's check that publication itself keeps
happening, evaluated by a sensor between runs. It warns (non-blocking): stale marts are
still the last good version.
"""

from datetime import timedelta

from dagster import build_last_update_freshness_checks, build_sensor_for_freshness_checks

from .publish import published_marts

# The daily schedule publishes each morning; two hours of slack for a slow run.
PUBLICATION_MAX_AGE = timedelta(hours=26)

freshness_checks = build_last_update_freshness_checks(
    assets=[published_marts], lower_bound_delta=PUBLICATION_MAX_AGE
)
freshness_sensor = build_sensor_for_freshness_checks(
    freshness_checks=freshness_checks, name="publication_freshness_sensor"
)
