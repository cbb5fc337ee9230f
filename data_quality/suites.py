"""Great Expectations suites for the marts, one plain function per mart.

Each suite checks the mart's columns and types against its dbt contract (again, where BI
reads from: a mart changed after its build is caught too), then what a contract cannot: keys,
ranges, categories, references between marts, volume and freshness of the values BI will
read.
"""

from __future__ import annotations

import json

import great_expectations as gx
from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

from data_quality.expect import (
    VOLUME_FLOOR,
    at_least,
    between,
    columns,
    declared_types,
    in_set,
    key,
    no_rows,
    not_empty,
    not_in_future,
    not_null,
    references,
    volume_anomalies,
)
from sharesignal.config import DBT_PROJECT_DIR
from sharesignal.trust.signals import SIGNALS

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def contract_types() -> dict[str, list[tuple[str, str]]]:
    """Each mart's columns and types as its enforced dbt contract declares them. dbt checks
    them when it builds the mart; the suite checks them again where BI reads from, so a mart
    changed after its build (or re-published without one) is caught too."""
    if not MANIFEST.is_file():
        raise FileNotFoundError(f"{MANIFEST} is missing: parse the dbt project (make setup)")
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return {
        node["name"]: [(name, column["data_type"]) for name, column in node["columns"].items()]
        for node in nodes
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }


CONTRACT_TYPES = contract_types()

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


# Freshness: the newest share in the marts is of the day of the newest post the loaded share
# exports hold, judged by the posts' own times (the dbt view int_share_exports_newest_post
# says how), not by the export's folder date. Freshness by the clock is Dagster's check on the
# published marts (orchestration/freshness.py).
NEWEST_EXPORTED_POST = "(select newest_post_date from intermediate.int_share_exports_newest_post)"


def _share_volume_and_freshness() -> list[Expectation]:
    return [
        *no_rows(
            f"no recent day has fewer than {VOLUME_FLOOR:.0%} of the usual shares per platform",
            volume_anomalies(
                "select platform, share_date as day, count(*) as n from {batch} group by all",
                "platform",
            ),
        ),
        *no_rows(
            "the shares are as fresh as the newest post of the loaded share exports",
            f"""select newest_share, newest_exported_post from (
                select max(share_date) as newest_share,
                    {NEWEST_EXPORTED_POST} as newest_exported_post
                from {{batch}})
            where newest_exported_post is not null
                and (newest_share is null or newest_share < newest_exported_post)""",
        ),
    ]


def fct_shares_suite() -> gx.ExpectationSuite:
    factors = ("account_factor", "content_factor", "network_factor")
    return gx.ExpectationSuite(
        name="fct_shares",
        expectations=[
            *not_empty(),
            *declared_types(CONTRACT_TYPES["fct_shares"]),
            *columns(
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
            *key("share_id"),
            *not_null("platform", "post_id", "account_key", "share_type", "shared_at"),
            *not_null("share_date", "root_share_id", "in_coordinated_burst"),
            *not_null(*factors, "trust_weight"),
            *in_set("platform", PLATFORMS),
            *in_set("share_type", SHARE_TYPES),
            *between(0, 1, *factors, "trust_weight"),
            *between(0, None, "audience_size", "reshare_latency_seconds"),
            # The weight is the product of factors in [0, 1]: never more than any of them.
            *at_least("account_factor", "trust_weight"),
            *at_least("content_factor", "trust_weight"),
            *at_least("network_factor", "trust_weight"),
            *not_in_future("shared_at"),
            *references("account_key", "marts.dim_accounts"),
            *references("content_id", "marts.dim_content"),
            *_share_volume_and_freshness(),
        ],
    )


SCORE_BASES = ["profile_only", "profile_and_behaviour"]


def scorecard_points() -> list[Expectation]:
    """Each signal's points are 0 (unknown) or the points of one of its bins in the seed the
    marts were scored with: a points column changed after scoring, or scored with another
    scorecard, shows."""
    return [
        expectation
        for signal in SIGNALS
        for expectation in no_rows(
            f"{signal.points_column} is 0 or a point value of {signal.name} in the scorecard",
            f"""select * from {{batch}} where {signal.points_column} <> 0
                and {signal.points_column} not in (
                    select points from reference.trust_scorecard
                    where signal = '{signal.name}')""",
        )
    ]


def tiers_follow_the_cuts() -> list[Expectation]:
    """A tier name that is no tier at all is `in_set`'s to report."""
    return no_rows(
        "every trust_tier is the highest tier whose cut (reference.trust_tiers) the score reaches",
        """select * from (select * from {batch}) as accounts
            where trust_tier in (select tier from reference.trust_tiers)
            and trust_tier <> (
                select tier from reference.trust_tiers
                where accounts.trust_score >= min_trust_score
                order by tier_rank desc limit 1)""",
    )


def dim_accounts_suite() -> gx.ExpectationSuite:
    counts = (
        "followers_count",
        "following_count",
        "post_count",
        "listed_count",
        "like_count",
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
            *not_empty(),
            *declared_types(CONTRACT_TYPES["dim_accounts"]),
            *columns(*(name for name, _ in CONTRACT_TYPES["dim_accounts"])),
            *key("account_key"),
            *not_null("platform", "account_id", "has_profile_record", "has_profile_counts"),
            *not_null("share_count", "burst_count", *(s.points_column for s in SIGNALS)),
            *not_null("profile_points", "behaviour_points", "score_basis", "profile_score"),
            *not_null("trust_score", "trust_tier"),
            *in_set("platform", PLATFORMS),
            *in_set("trust_tier", TRUST_TIERS),
            *in_set("score_basis", SCORE_BASES),
            *between(0, 1, "trust_score", "profile_score", "behaviour_score", *ratios),
            # Counts are NULL where the platform gives none; GX skips NULLs in range checks.
            *between(0, None, *counts, "account_age_days", "posts_per_day", "following_per_day"),
            *between(0, None, "handle_digit_count", "handle_length"),
            *between(0, None, "median_reshare_latency_seconds", "min_reshare_latency_seconds"),
            *scorecard_points(),
            *tiers_follow_the_cuts(),
            *at_least("median_reshare_latency_seconds", "min_reshare_latency_seconds"),
            *not_in_future("account_created_at"),
        ],
    )


def dim_content_suite() -> gx.ExpectationSuite:
    counts = ("shares_in_cascades", "passes", "trusted_passes")
    return gx.ExpectationSuite(
        name="dim_content",
        expectations=[
            *not_empty(),
            *declared_types(CONTRACT_TYPES["dim_content"]),
            *columns(
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
            *key("content_id"),
            *key("canonical_url"),
            *not_null("content_type", "is_advertisement", "content_class", "advertisement_basis"),
            *not_null("content_factor", "paid_utm_touches", "has_paid_utm"),
            *not_null("is_promotional_campaign", *TITLE_CUES, "title_cue_count", *counts),
            *not_null("cascades", "largest_cascade_size", "share_platforms", "is_cross_platform"),
            *in_set("content_type", CONTENT_TYPES),
            *in_set("content_class", CONTENT_CLASSES),
            *in_set("advertisement_basis", ADVERTISEMENT_BASES),
            *between(0, 1, "content_factor", "pass_forward_rate", "trusted_pass_share"),
            *between(0, len(TITLE_CUES), "title_cue_count"),
            *between(0, len(PLATFORMS), "share_platforms"),
            *between(0, None, "paid_utm_touches", *counts, "cascades", "largest_cascade_size"),
            *between(0, None, "max_cascade_depth"),
            # Passes are shares, trusted passes are passes; a cascade holds no more than all.
            *at_least("shares_in_cascades", "passes", "largest_cascade_size", "cascades"),
            *at_least("passes", "trusted_passes"),
        ],
    )


def mart_content_performance_suite() -> gx.ExpectationSuite:
    counts = ("raw_shares", "earned_shares", "clicks", "sessions", "leads", "opportunities")
    return gx.ExpectationSuite(
        name="mart_content_performance",
        expectations=[
            *not_empty(),
            *declared_types(CONTRACT_TYPES["mart_content_performance"]),
            *columns(
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
            *not_null("content_id", "activity_date", *counts),
            *not_null("trust_weighted_shares", "won_revenue"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["content_id", "activity_date"]),
            *between(0, None, *counts, "trust_weighted_shares", "won_revenue"),
            # A weight is at most 1, so weighted shares can never exceed the shares counted;
            # earned shares are some of the shares.
            *at_least("raw_shares", "trust_weighted_shares", "earned_shares"),
            *references("content_id", "marts.dim_content"),
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
            *not_empty(),
            *declared_types(CONTRACT_TYPES["mart_amplification_audit"]),
            *columns(
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
            *not_null("campaign", "content_id", "activity_date", "content_class", "shares"),
            *not_null("trust_weighted_shares", *counts, *parts_of_activity),
            # Each content belongs to one campaign, so content x day is the grain as well.
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["campaign", "content_id", "activity_date"]
            ),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["content_id", "activity_date"]),
            *in_set("content_class", CONTENT_CLASSES),
            # A row exists because the content was shared that day.
            *between(1, None, "shares"),
            *between(0, None, "trust_weighted_shares", *counts, *latencies),
            *between(0, 1, *parts_of_activity),
            # The parts of the activity are parts: never more than the whole.
            *at_least(
                "shares",
                "trust_weighted_shares",
                "suspected_shares",
                "burst_shares",
                "amplified_shares",
                "accounts",
            ),
            *at_least("accounts", "suspected_accounts", "burst_accounts"),
            *at_least("amplified_shares", "suspected_shares", "burst_shares"),
            *at_least("burst_shares", "bursts", "burst_accounts"),
            # Burst windows run forwards, and the last burst starts no earlier than the first.
            *at_least("first_burst_ended_at", "first_burst_started_at", skip_missing=True),
            *at_least("last_burst_ended_at", "last_burst_started_at", skip_missing=True),
            *at_least("last_burst_started_at", "first_burst_started_at", skip_missing=True),
            *references("content_id", "marts.dim_content"),
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
    return no_rows(
        "each attribution model's credits for one opportunity sum to 1",
        f"select opportunity_id from {{batch}} group by opportunity_id having {off}",
    )


def fct_attributed_opportunities_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name="fct_attributed_opportunities",
        expectations=[
            *not_empty(),
            *declared_types(CONTRACT_TYPES["fct_attributed_opportunities"]),
            *columns(
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
            *not_null("opportunity_id", "share_id"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["opportunity_id", "share_id"]),
            *not_null("platform", "trust_weight", "touched_at", "touch_kind"),
            *not_null("days_before_opportunity", "touch_position", "touches_in_path"),
            *not_null("opportunity_created_at", "is_won", "is_closed", "trust_weighted_basis"),
            *not_null(*CREDITS, *ATTRIBUTED_REVENUES),
            *in_set("platform", PLATFORMS),
            *in_set("touch_kind", TOUCH_KINDS),
            *in_set("trust_weighted_basis", TRUST_WEIGHTED_BASES),
            *between(0, 1, "trust_weight", *CREDITS),
            *between(0, None, "amount", *ATTRIBUTED_REVENUES, "days_before_opportunity"),
            *between(1, None, "touch_position", "touches_in_path"),
            *at_least("touches_in_path", "touch_position"),
            # A touch comes before the opportunity it is credited for.
            *at_least("opportunity_created_at", "touched_at"),
            *_credits_sum_to_one(),
            *not_in_future("touched_at", "opportunity_created_at"),
            *references("share_id", "marts.fct_shares"),
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
            *not_empty(),
            *declared_types(CONTRACT_TYPES["mart_share_funnel"]),
            *columns(
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
            *not_null("platform", "campaign", "share_date", "shares", "trust_weighted_shares"),
            *not_null(*counts, *amounts, "trust_weighted_share_ratio", "click_rate"),
            # The grain, NULL content included: GX's compound uniqueness skips rows with a
            # NULL, SQL's group by does not.
            *no_rows(
                "one row per platform, campaign, content and share date",
                "select platform, campaign, content_id, share_date from {batch}"
                " group by platform, campaign, content_id, share_date having count(*) > 1",
            ),
            *in_set("platform", PLATFORMS),
            # A row exists because shares were made that day.
            *between(1, None, "shares"),
            *between(0, None, "trust_weighted_shares", *counts, *amounts),
            *between(0, None, "click_rate", "session_rate", "lead_rate", "opportunity_rate"),
            *between(0, 1, "trust_weighted_share_ratio", "win_rate"),
            *at_least("shares", "trust_weighted_shares"),
            *at_least("opportunities", "won_opportunities"),
            *at_least("pipeline_amount", "won_revenue"),
            # Leads are counted from the row's sessions: the funnel cannot widen there.
            *at_least("sessions", "leads"),
            *references("content_id", "marts.dim_content"),
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
            *not_empty(),
            *declared_types(CONTRACT_TYPES["mart_campaign_comparison"]),
            *columns(
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
            *key("campaign"),
            *not_null("shares", "trust_weighted_shares", *counts, *amounts),
            *between(1, None, "shares"),
            *between(0, None, "trust_weighted_shares", *counts, *amounts),
            *between(
                0, None, "won_revenue_per_1000_shares", "won_revenue_per_trust_weighted_share"
            ),
            *between(0, 1, *parts),
            # The parts of the sharing are parts; won opportunities are opportunities.
            *at_least("shares", "trust_weighted_shares", "suspected_shares", "burst_shares"),
            *at_least("opportunities", "won_opportunities"),
            *at_least("pipeline_amount", "won_revenue"),
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
