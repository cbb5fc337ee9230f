"""What the report reads from a published serving file: the `_publication` row that names the
version, and one fixed query per chart. The queries take no parameters: they summarise whole
marts, so no value from anywhere ever reaches SQL text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePosixPath

import duckdb
import polars as pl


@dataclass(frozen=True)
class PublishedVersion:
    """The publication a serving file is, from its `_publication` table."""

    id: str
    published_at: datetime
    first_partition: date | None
    last_partition: date | None
    code_version: str | None


def read_publication(con: duckdb.DuckDBPyConnection) -> PublishedVersion:
    rows = con.execute(
        "SELECT published_at AT TIME ZONE 'UTC', first_partition, last_partition, "
        "code_version, parquet_folder FROM main._publication"
    ).fetchall()
    if len(rows) != 1:
        raise ValueError(f"_publication holds {len(rows)} rows, not one: not a published file")
    published_at, first, last, code, parquet_folder = rows[0]
    # publish_marts names each publication's Parquet folder after the publication's id.
    return PublishedVersion(
        id=PurePosixPath(parquet_folder).name,
        published_at=published_at.replace(tzinfo=UTC),
        first_partition=first,
        last_partition=last,
        code_version=code,
    )


def read(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """A query's rows as a Polars frame (through Python rows: the venv has no pyarrow)."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)


# Sums of BIGINT are HUGEINT in DuckDB and DECIMAL sums stay DECIMAL: every measure is cast to
# BIGINT or DOUBLE, which Polars and Vega-Lite take as plain numbers.

# Shares of catalog content only: a share linking nothing in the catalog has no campaign, and
# earned shares are counted per content (mart_content_performance).
CAMPAIGN_SHARES = """
SELECT
    coalesce(content.campaign, '(none)') AS campaign,
    CAST(sum(performance.raw_shares) AS BIGINT) AS raw_shares,
    CAST(sum(performance.trust_weighted_shares) AS DOUBLE) AS trust_weighted_shares,
    CAST(sum(performance.earned_shares) AS BIGINT) AS earned_shares
FROM main.mart_content_performance AS performance
LEFT JOIN main.dim_content AS content
    ON performance.content_id = content.content_id
GROUP BY 1
HAVING sum(performance.raw_shares) > 0
ORDER BY raw_shares DESC, campaign
"""

AMPLIFICATION_BY_DAY = """
SELECT
    strftime(activity_date, '%Y-%m-%d') AS day,
    CAST(sum(shares) AS BIGINT) AS shares,
    CAST(sum(suspected_shares) AS BIGINT) AS suspected_shares,
    CAST(sum(burst_shares) AS BIGINT) AS burst_shares,
    CAST(sum(amplified_shares) AS BIGINT) AS amplified_shares,
    CAST(sum(suspected_shares) AS DOUBLE) / sum(shares) AS suspected_share,
    CAST(sum(burst_shares) AS DOUBLE) / sum(shares) AS burst_share,
    CAST(sum(amplified_shares) AS DOUBLE) / sum(shares) AS amplified_share
FROM main.mart_amplification_audit
GROUP BY activity_date
ORDER BY activity_date
"""

# Shares to leads add up over mart_share_funnel's rows (as mart_campaign_comparison adds them);
# its opportunities do not (one touched by two rows counts in both), so opportunities and won
# revenue are counted once per platform from fct_attributed_opportunities.
PLATFORM_FUNNEL = """
WITH steps AS (
    SELECT
        platform,
        sum(shares) AS shares,
        sum(clicks) AS clicks,
        sum(sessions) AS sessions,
        sum(leads) AS leads
    FROM main.mart_share_funnel
    GROUP BY platform
),

touched AS (
    SELECT
        platform,
        count(DISTINCT opportunity_id) AS opportunities,
        count(DISTINCT CASE WHEN is_won THEN opportunity_id END) AS won_opportunities
    FROM main.fct_attributed_opportunities
    GROUP BY platform
),

won AS (
    SELECT platform, sum(amount) AS won_revenue
    FROM (
        SELECT DISTINCT platform, opportunity_id, amount
        FROM main.fct_attributed_opportunities
        WHERE is_won
    ) AS won_opportunity
    GROUP BY platform
)

SELECT
    steps.platform,
    CAST(steps.shares AS BIGINT) AS shares,
    CAST(steps.clicks AS BIGINT) AS clicks,
    CAST(steps.sessions AS BIGINT) AS sessions,
    CAST(steps.leads AS BIGINT) AS leads,
    CAST(coalesce(touched.opportunities, 0) AS BIGINT) AS opportunities,
    CAST(coalesce(touched.won_opportunities, 0) AS BIGINT) AS won_opportunities,
    CAST(coalesce(won.won_revenue, 0) AS DOUBLE) AS won_revenue
FROM steps
LEFT JOIN touched ON steps.platform = touched.platform
LEFT JOIN won ON steps.platform = won.platform
ORDER BY steps.shares DESC, steps.platform
"""

ATTRIBUTION_BY_CAMPAIGN = """
SELECT
    coalesce(campaign, '(none)') AS campaign,
    CAST(count(DISTINCT opportunity_id) AS BIGINT) AS opportunities,
    CAST(sum(revenue_first_touch) AS DOUBLE) AS first_touch,
    CAST(sum(revenue_last_touch) AS DOUBLE) AS last_touch,
    CAST(sum(revenue_linear) AS DOUBLE) AS linear,
    CAST(sum(revenue_time_decay) AS DOUBLE) AS time_decay,
    CAST(sum(revenue_position_based) AS DOUBLE) AS position_based,
    CAST(sum(revenue_trust_weighted) AS DOUBLE) AS trust_weighted
FROM main.fct_attributed_opportunities
GROUP BY 1
ORDER BY trust_weighted DESC, campaign
"""

# Content nobody earned a share of is not "top content": it is left out, not ranked last.
TOP_EARNED_CONTENT = """
SELECT
    performance.content_id,
    coalesce(content.title, performance.content_id) AS title,
    coalesce(content.campaign, '(none)') AS campaign,
    CAST(sum(performance.earned_shares) AS BIGINT) AS earned_shares,
    CAST(sum(performance.raw_shares) AS BIGINT) AS raw_shares,
    CAST(sum(performance.trust_weighted_shares) AS DOUBLE) AS trust_weighted_shares
FROM main.mart_content_performance AS performance
LEFT JOIN main.dim_content AS content
    ON performance.content_id = content.content_id
GROUP BY performance.content_id, content.title, content.campaign
HAVING sum(performance.earned_shares) > 0
ORDER BY earned_shares DESC, raw_shares DESC, performance.content_id
LIMIT 10
"""

# Accounts that shared at least once: dim_accounts also holds profiles never seen sharing.
TRUST_TIER_MIX = """
SELECT
    platform,
    trust_tier,
    CAST(count(*) AS BIGINT) AS accounts,
    CAST(count(*) AS DOUBLE) / sum(count(*)) OVER (PARTITION BY platform) AS share_of_platform,
    CAST(sum(share_count) AS BIGINT) AS shares
FROM main.dim_accounts
WHERE share_count > 0
GROUP BY platform, trust_tier
ORDER BY
    platform,
    list_position(['trusted', 'neutral', 'suspect', 'likely_bot'], trust_tier),
    trust_tier
"""
