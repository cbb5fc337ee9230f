"""Great Expectations suites for the marts (SPEC §4), one plain function per mart.

dbt contracts already enforce column types when the marts are built; these suites check
what a contract cannot: keys, ranges and categories of the values BI will read.
"""

from __future__ import annotations

import great_expectations as gx
from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

PLATFORMS = ["x", "mastodon", "bluesky"]
SHARE_TYPES = ["original", "reshare", "quote", "reply"]
TRUST_TIERS = ["trusted", "neutral", "suspect", "likely_bot"]
CONTENT_TYPES = ["article", "guide", "case_study", "product_page", "advertisement"]


def _columns(*names: str) -> list[Expectation]:
    return [gxe.ExpectTableColumnsToMatchSet(column_set=list(names), exact_match=True)]


def _not_null(*columns: str) -> list[Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=column) for column in columns]


def _key(column: str) -> list[Expectation]:
    return [*_not_null(column), gxe.ExpectColumnValuesToBeUnique(column=column)]


def _between(min_value: float, max_value: float | None, *columns: str) -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=min_value, max_value=max_value)
        for column in columns
    ]


def _in_set(column: str, values: list[str]) -> list[Expectation]:
    return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values)]


def fct_shares_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name="fct_shares",
        expectations=[
            *_columns(
                "share_id",
                "platform",
                "post_id",
                "account_key",
                "share_type",
                "shared_at",
                "share_date",
                "content_id",
                "shared_url",
                "parent_share_id",
                "trust_weight",
            ),
            *_key("share_id"),
            *_not_null("platform", "post_id", "account_key", "share_type", "shared_at"),
            *_not_null("share_date", "trust_weight"),
            *_in_set("platform", PLATFORMS),
            *_in_set("share_type", SHARE_TYPES),
            *_between(0, 1, "trust_weight"),
        ],
    )


def dim_accounts_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name="dim_accounts",
        expectations=[
            *_columns(
                "account_key",
                "platform",
                "account_id",
                "handle",
                "account_created_at",
                "followers_count",
                "following_count",
                "post_count",
                "is_self_declared_bot",
                "is_verified",
                "has_profile_counts",
                "trust_score",
                "trust_tier",
            ),
            *_key("account_key"),
            *_not_null("platform", "account_id", "has_profile_counts", "trust_score", "trust_tier"),
            *_in_set("platform", PLATFORMS),
            *_in_set("trust_tier", TRUST_TIERS),
            *_between(0, 1, "trust_score"),
            # Counts are NULL where the platform gives none; GX skips NULLs in range checks.
            *_between(0, None, "followers_count", "following_count", "post_count"),
        ],
    )


def dim_content_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name="dim_content",
        expectations=[
            *_columns(
                "content_id",
                "canonical_url",
                "title",
                "content_type",
                "campaign",
                "is_advertisement",
                "published_at",
            ),
            *_key("content_id"),
            *_key("canonical_url"),
            *_not_null("content_type", "is_advertisement"),
            *_in_set("content_type", CONTENT_TYPES),
        ],
    )


def mart_content_performance_suite() -> gx.ExpectationSuite:
    counts = ("raw_shares", "clicks", "sessions", "leads", "opportunities")
    return gx.ExpectationSuite(
        name="mart_content_performance",
        expectations=[
            *_columns(
                "content_id",
                "activity_date",
                "raw_shares",
                "trust_weighted_shares",
                "clicks",
                "sessions",
                "leads",
                "opportunities",
                "won_revenue",
            ),
            *_not_null("content_id", "activity_date", *counts),
            *_not_null("trust_weighted_shares", "won_revenue"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["content_id", "activity_date"]),
            *_between(0, None, *counts, "trust_weighted_shares", "won_revenue"),
            # A weight is at most 1, so weighted shares can never exceed the shares counted.
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="raw_shares", column_B="trust_weighted_shares", or_equal=True
            ),
        ],
    )


# The suite of each mart, by table name in the `marts` schema.
MART_SUITES: dict[str, gx.ExpectationSuite] = {
    "fct_shares": fct_shares_suite(),
    "dim_accounts": dim_accounts_suite(),
    "dim_content": dim_content_suite(),
    "mart_content_performance": mart_content_performance_suite(),
}
