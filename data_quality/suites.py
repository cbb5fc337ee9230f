"""Great Expectations suites for the marts, one plain function per mart.

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
CONTENT_CLASSES = ["advertisement", "substantive"]
ADVERTISEMENT_BASES = ["catalog_type", "markers", "none"]
TITLE_CUES = (
    "title_cue_sale",
    "title_cue_percent_off",
    "title_cue_buy",
    "title_cue_limited_offer",
    "title_cue_discount",
    "title_cue_free_trial",
    "title_cue_sponsored",
)


# Each expectation's severity, in its `meta`: "error" (the default) blocks publication, "warn"
# is reported but lets the marts through. See data_quality.validate.severity_of.
WARN = {"severity": "warn"}


def _not_empty() -> list[Expectation]:
    """An empty mart more likely means a missed export than a wrong build: worth a look, but
    not worth holding back the other marts."""
    return [gxe.ExpectTableRowCountToBeBetween(min_value=1, meta=WARN)]


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


def _at_least(larger: str, *smaller: str, skip_missing: bool = False) -> list[Expectation]:
    """`larger` >= each of `smaller` on every row (rows missing either are skipped if asked)."""
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=larger,
            column_B=column,
            or_equal=True,
            ignore_row_if="either_value_is_missing" if skip_missing else "both_values_are_missing",
        )
        for column in smaller
    ]


def fct_shares_suite() -> gx.ExpectationSuite:
    factors = ("account_factor", "content_factor", "network_factor")
    return gx.ExpectationSuite(
        name="fct_shares",
        expectations=[
            *_not_empty(),
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
                "root_share_id",
                "burst_id",
                "audience_size",
                "reshare_latency_seconds",
                "in_coordinated_burst",
                *factors,
                "trust_weight",
            ),
            *_key("share_id"),
            *_not_null("platform", "post_id", "account_key", "share_type", "shared_at"),
            *_not_null("share_date", "root_share_id", "in_coordinated_burst"),
            *_not_null(*factors, "trust_weight"),
            *_in_set("platform", PLATFORMS),
            *_in_set("share_type", SHARE_TYPES),
            *_between(0, 1, *factors, "trust_weight"),
            *_between(0, None, "audience_size", "reshare_latency_seconds"),
            # The weight is the product of factors in [0, 1]: never more than any of them.
            *_at_least("account_factor", "trust_weight"),
            *_at_least("content_factor", "trust_weight"),
            *_at_least("network_factor", "trust_weight"),
        ],
    )


# Each signal's points (log-odds) lie in the range its weight allows (docs/trust.md): penalties
# never add trust, bonuses never take it away.
POINT_RANGES: dict[str, tuple[float, float]] = {
    "age_points": (-3, 2),
    "follower_balance_points": (-3.2, 0),
    "posting_rate_points": (-4, 0),
    "listed_points": (0, 1.2),
    "default_image_points": (-1.5, 0),
    "empty_bio_points": (-1, 0),
    "handle_digit_points": (-2.5, 0),
    "verified_points": (0, 1),
    "latency_points": (-6.25, 0),
    "burst_points": (-8, 0),
    "duplicate_text_points": (-3, 0),
    "pure_reshare_points": (-2, 0),
    "low_diversity_points": (-2, 0),
}
POINT_SLACK = 1e-9
SCORE_BASES = ["profile_only", "profile_and_behaviour"]


def dim_accounts_suite() -> gx.ExpectationSuite:
    counts = (
        "followers_count",
        "following_count",
        "post_count",
        "listed_count",
        "share_count",
        "burst_count",
    )
    ratios = (
        "fast_reshare_ratio",
        "burst_share_ratio",
        "duplicate_text_ratio",
        "pure_reshare_ratio",
        "content_diversity",
    )
    return gx.ExpectationSuite(
        name="dim_accounts",
        expectations=[
            *_not_empty(),
            *_columns(
                "account_key",
                "platform",
                "account_id",
                "handle",
                "account_created_at",
                "followers_count",
                "following_count",
                "post_count",
                "listed_count",
                "is_self_declared_bot",
                "is_verified",
                "has_default_profile_image",
                "has_empty_bio",
                "has_profile_record",
                "has_profile_counts",
                "account_age_days",
                "follower_following_log_ratio",
                "posts_per_day",
                "handle_digit_count",
                "share_count",
                "median_reshare_latency_seconds",
                "min_reshare_latency_seconds",
                "fast_reshare_ratio",
                "burst_count",
                "burst_share_ratio",
                "duplicate_text_ratio",
                "pure_reshare_ratio",
                "content_diversity",
                *POINT_RANGES,
                "profile_points",
                "behaviour_points",
                "score_basis",
                "profile_score",
                "behaviour_score",
                "trust_score",
                "trust_tier",
            ),
            *_key("account_key"),
            *_not_null("platform", "account_id", "has_profile_record", "has_profile_counts"),
            *_not_null("share_count", "burst_count", *POINT_RANGES),
            *_not_null("profile_points", "behaviour_points", "score_basis", "profile_score"),
            *_not_null("trust_score", "trust_tier"),
            *_in_set("platform", PLATFORMS),
            *_in_set("trust_tier", TRUST_TIERS),
            *_in_set("score_basis", SCORE_BASES),
            *_between(0, 1, "trust_score", "profile_score", "behaviour_score", *ratios),
            # Counts are NULL where the platform gives none; GX skips NULLs in range checks.
            *_between(0, None, *counts, "account_age_days", "posts_per_day"),
            *_between(0, None, "handle_digit_count"),
            *_between(0, None, "median_reshare_latency_seconds", "min_reshare_latency_seconds"),
            # Points are doubles: 0.4 * 3 is 1.2000000000000002, so the bounds get a hair of slack.
            *[
                expectation
                for column, (low, high) in POINT_RANGES.items()
                for expectation in _between(low - POINT_SLACK, high + POINT_SLACK, column)
            ],
            *_at_least("median_reshare_latency_seconds", "min_reshare_latency_seconds"),
        ],
    )


def dim_content_suite() -> gx.ExpectationSuite:
    counts = ("shares_in_cascades", "passes", "trusted_passes")
    return gx.ExpectationSuite(
        name="dim_content",
        expectations=[
            *_not_empty(),
            *_columns(
                "content_id",
                "canonical_url",
                "title",
                "content_type",
                "campaign",
                "is_advertisement",
                "published_at",
                "content_class",
                "advertisement_basis",
                "content_factor",
                "paid_utm_touches",
                "has_paid_utm",
                "is_promotional_campaign",
                *TITLE_CUES,
                "title_cue_count",
                *counts,
                "pass_forward_rate",
                "trusted_pass_share",
                "cascades",
                "largest_cascade_size",
                "max_cascade_depth",
                "share_platforms",
                "share_platform_list",
                "is_cross_platform",
                "first_shared_at",
                "first_trusted_share_id",
                "first_trusted_account_key",
                "first_trusted_shared_at",
            ),
            *_key("content_id"),
            *_key("canonical_url"),
            *_not_null("content_type", "is_advertisement", "content_class", "advertisement_basis"),
            *_not_null("content_factor", "paid_utm_touches", "has_paid_utm"),
            *_not_null("is_promotional_campaign", *TITLE_CUES, "title_cue_count", *counts),
            *_not_null("cascades", "largest_cascade_size", "share_platforms", "is_cross_platform"),
            *_in_set("content_type", CONTENT_TYPES),
            *_in_set("content_class", CONTENT_CLASSES),
            *_in_set("advertisement_basis", ADVERTISEMENT_BASES),
            *_between(0, 1, "content_factor", "pass_forward_rate", "trusted_pass_share"),
            *_between(0, len(TITLE_CUES), "title_cue_count"),
            *_between(0, len(PLATFORMS), "share_platforms"),
            *_between(0, None, "paid_utm_touches", *counts, "cascades", "largest_cascade_size"),
            *_between(0, None, "max_cascade_depth"),
            # Passes are shares, trusted passes are passes; a cascade holds no more than all.
            *_at_least("shares_in_cascades", "passes", "largest_cascade_size", "cascades"),
            *_at_least("passes", "trusted_passes"),
        ],
    )


def mart_content_performance_suite() -> gx.ExpectationSuite:
    counts = ("raw_shares", "earned_shares", "clicks", "sessions", "leads", "opportunities")
    return gx.ExpectationSuite(
        name="mart_content_performance",
        expectations=[
            *_not_empty(),
            *_columns(
                "content_id",
                "activity_date",
                "raw_shares",
                "trust_weighted_shares",
                "earned_shares",
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
            # A weight is at most 1, so weighted shares can never exceed the shares counted;
            # earned shares are some of the shares.
            *_at_least("raw_shares", "trust_weighted_shares", "earned_shares"),
        ],
    )


def mart_amplification_audit_suite() -> gx.ExpectationSuite:
    counts = (
        "accounts",
        "suspected_shares",
        "suspected_accounts",
        "burst_shares",
        "burst_accounts",
        "bursts",
        "amplified_shares",
    )
    parts_of_activity = (
        "suspected_share_of_shares",
        "burst_share_of_shares",
        "amplified_share_of_shares",
    )
    latencies = ("median_latency_suspected_seconds", "median_latency_others_seconds")
    return gx.ExpectationSuite(
        name="mart_amplification_audit",
        expectations=[
            *_not_empty(),
            *_columns(
                "campaign",
                "content_id",
                "activity_date",
                "content_class",
                "shares",
                "trust_weighted_shares",
                *counts,
                *parts_of_activity,
                "first_burst_started_at",
                "first_burst_ended_at",
                "last_burst_started_at",
                "last_burst_ended_at",
                *latencies,
            ),
            *_not_null("campaign", "content_id", "activity_date", "content_class", "shares"),
            *_not_null("trust_weighted_shares", *counts, *parts_of_activity),
            # Each content belongs to one campaign, so content x day is the grain as well.
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["campaign", "content_id", "activity_date"]
            ),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["content_id", "activity_date"]),
            *_in_set("content_class", CONTENT_CLASSES),
            # A row exists because the content was shared that day.
            *_between(1, None, "shares"),
            *_between(0, None, "trust_weighted_shares", *counts, *latencies),
            *_between(0, 1, *parts_of_activity),
            # The parts of the activity are parts: never more than the whole.
            *_at_least(
                "shares",
                "trust_weighted_shares",
                "suspected_shares",
                "burst_shares",
                "amplified_shares",
                "accounts",
            ),
            *_at_least("accounts", "suspected_accounts", "burst_accounts"),
            *_at_least("amplified_shares", "suspected_shares", "burst_shares"),
            *_at_least("burst_shares", "bursts", "burst_accounts"),
            # Burst windows run forwards, and the last burst starts no earlier than the first.
            *_at_least("first_burst_ended_at", "first_burst_started_at", skip_missing=True),
            *_at_least("last_burst_ended_at", "last_burst_started_at", skip_missing=True),
            *_at_least("last_burst_started_at", "first_burst_started_at", skip_missing=True),
        ],
    )


ATTRIBUTION_MODELS = (
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "trust_weighted",
)
CREDITS = tuple(f"credit_{model}" for model in ATTRIBUTION_MODELS)
ATTRIBUTED_REVENUES = tuple(f"revenue_{model}" for model in ATTRIBUTION_MODELS)
TOUCH_KINDS = ["click", "session"]
TRUST_WEIGHTED_BASES = ["trust_weight", "linear_fallback"]
# Credits are doubles: 1/3 + 1/3 + 1/3 is not exactly 1.
CREDIT_SUM_TOLERANCE = 1e-9


def _credits_sum_to_one() -> list[Expectation]:
    """Each model's credits for one opportunity sum to 1: a query returning the opportunities
    where one model's do not (the same rule as dbt's assert_attribution_credits_sum_to_one)."""
    off = " or ".join(
        f"abs(sum({credit}) - 1) > {CREDIT_SUM_TOLERANCE} or sum({credit}) is null"
        for credit in CREDITS
    )
    return [
        gxe.UnexpectedRowsExpectation(
            description="Each attribution model's credits for one opportunity sum to 1.",
            unexpected_rows_query=(
                f"select opportunity_id from {{batch}} group by opportunity_id having {off}"
            ),
        )
    ]


def fct_attributed_opportunities_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name="fct_attributed_opportunities",
        expectations=[
            *_not_empty(),
            *_columns(
                "opportunity_id",
                "share_id",
                "lead_id",
                "platform",
                "content_id",
                "campaign",
                "trust_weight",
                "touched_at",
                "touch_kind",
                "match_rule",
                "days_before_opportunity",
                "touch_position",
                "touches_in_path",
                "opportunity_created_at",
                "amount",
                "is_won",
                "is_closed",
                "stage_name",
                "close_date",
                *CREDITS,
                "trust_weighted_basis",
                *ATTRIBUTED_REVENUES,
            ),
            # The grain: one row per opportunity and share.
            *_not_null("opportunity_id", "share_id"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["opportunity_id", "share_id"]),
            *_not_null("platform", "trust_weight", "touched_at", "touch_kind"),
            *_not_null("days_before_opportunity", "touch_position", "touches_in_path"),
            *_not_null("opportunity_created_at", "is_won", "is_closed", "trust_weighted_basis"),
            *_not_null(*CREDITS, *ATTRIBUTED_REVENUES),
            *_in_set("platform", PLATFORMS),
            *_in_set("touch_kind", TOUCH_KINDS),
            *_in_set("trust_weighted_basis", TRUST_WEIGHTED_BASES),
            *_between(0, 1, "trust_weight", *CREDITS),
            *_between(0, None, "amount", *ATTRIBUTED_REVENUES, "days_before_opportunity"),
            *_between(1, None, "touch_position", "touches_in_path"),
            *_at_least("touches_in_path", "touch_position"),
            # A touch comes before the opportunity it is credited for.
            *_at_least("opportunity_created_at", "touched_at"),
            *_credits_sum_to_one(),
        ],
    )


def mart_share_funnel_suite() -> gx.ExpectationSuite:
    counts = ("clicks", "sessions", "leads", "opportunities", "won_opportunities")
    amounts = (
        "pipeline_amount",
        "won_revenue",
        "attributed_won_revenue_linear",
        "attributed_won_revenue_trust_weighted",
    )
    return gx.ExpectationSuite(
        name="mart_share_funnel",
        expectations=[
            *_not_empty(),
            *_columns(
                "platform",
                "campaign",
                "content_id",
                "share_date",
                "shares",
                "trust_weighted_shares",
                *counts,
                *amounts,
                "trust_weighted_share_ratio",
                "click_rate",
                "session_rate",
                "lead_rate",
                "opportunity_rate",
                "win_rate",
            ),
            *_not_null("platform", "campaign", "share_date", "shares", "trust_weighted_shares"),
            *_not_null(*counts, *amounts, "trust_weighted_share_ratio", "click_rate"),
            # The grain, NULL content included: GX's compound uniqueness skips rows with a
            # NULL, SQL's group by does not.
            gxe.UnexpectedRowsExpectation(
                description="One row per platform, campaign, content and share date.",
                unexpected_rows_query=(
                    "select platform, campaign, content_id, share_date from {batch}"
                    " group by platform, campaign, content_id, share_date having count(*) > 1"
                ),
            ),
            *_in_set("platform", PLATFORMS),
            # A row exists because shares were made that day.
            *_between(1, None, "shares"),
            *_between(0, None, "trust_weighted_shares", *counts, *amounts),
            *_between(0, None, "click_rate", "session_rate", "lead_rate", "opportunity_rate"),
            *_between(0, 1, "trust_weighted_share_ratio", "win_rate"),
            *_at_least("shares", "trust_weighted_shares"),
            *_at_least("opportunities", "won_opportunities"),
            *_at_least("pipeline_amount", "won_revenue"),
        ],
    )


def mart_campaign_comparison_suite() -> gx.ExpectationSuite:
    counts = (
        "content_items",
        "suspected_shares",
        "burst_shares",
        "clicks",
        "sessions",
        "leads",
        "opportunities",
        "won_opportunities",
    )
    amounts = (
        "pipeline_amount",
        "won_revenue",
        "attributed_won_revenue_linear",
        "attributed_won_revenue_trust_weighted",
    )
    parts = (
        "share_of_all_shares",
        "trust_weighted_share_ratio",
        "share_of_trust_weighted_shares",
        "share_of_attributed_won_revenue",
    )
    return gx.ExpectationSuite(
        name="mart_campaign_comparison",
        expectations=[
            *_not_empty(),
            *_columns(
                "campaign",
                "content_items",
                "shares",
                "suspected_shares",
                "burst_shares",
                "share_of_all_shares",
                "trust_weighted_shares",
                "trust_weighted_share_ratio",
                "share_of_trust_weighted_shares",
                "clicks",
                "sessions",
                "leads",
                "opportunities",
                "won_opportunities",
                "pipeline_amount",
                "won_revenue",
                "attributed_won_revenue_linear",
                "attributed_won_revenue_trust_weighted",
                "share_of_attributed_won_revenue",
                "won_revenue_per_1000_shares",
                "won_revenue_per_trust_weighted_share",
            ),
            *_key("campaign"),
            *_not_null("shares", "trust_weighted_shares", *counts, *amounts),
            *_between(1, None, "shares"),
            *_between(0, None, "trust_weighted_shares", *counts, *amounts),
            *_between(
                0, None, "won_revenue_per_1000_shares", "won_revenue_per_trust_weighted_share"
            ),
            *_between(0, 1, *parts),
            # The parts of the sharing are parts; won opportunities are opportunities.
            *_at_least("shares", "trust_weighted_shares", "suspected_shares", "burst_shares"),
            *_at_least("opportunities", "won_opportunities"),
            *_at_least("pipeline_amount", "won_revenue"),
        ],
    )


# The suite of each mart, by table name in the `marts` schema.
MART_SUITES: dict[str, gx.ExpectationSuite] = {
    "fct_shares": fct_shares_suite(),
    "dim_accounts": dim_accounts_suite(),
    "dim_content": dim_content_suite(),
    "mart_content_performance": mart_content_performance_suite(),
    "mart_amplification_audit": mart_amplification_audit_suite(),
    "fct_attributed_opportunities": fct_attributed_opportunities_suite(),
    "mart_share_funnel": mart_share_funnel_suite(),
    "mart_campaign_comparison": mart_campaign_comparison_suite(),
}
