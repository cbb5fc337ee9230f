"""The mart suites really evaluate inside DuckDB: good marts pass, planted defects fail
with the expectation, column and unexpected count that name them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations as gx
import pytest
from dagster import AssetCheckSeverity
from great_expectations import expectations as gxe

from data_quality import (
    ERROR,
    MART_SUITES,
    SEVERITIES,
    WARN,
    ExpectationOutcome,
    SuiteResult,
    severity_of,
    validate_table,
)
from data_quality.suites import CONTRACT_TYPES
from orchestration.quality import check_result

WARN_META = {"severity": WARN}
FRESHNESS = "the shares are as fresh as the newest post of the loaded share exports"

# Small marts in the shape of the marts' dbt contracts that meet every expectation.
GOOD_MARTS = """
-- The day of the newest post the loaded share exports hold (the dbt view computes it from raw;
-- tests/test_freshness.py tests how): the marts' shares are as fresh as that.
create schema intermediate;
create table intermediate.int_share_exports_newest_post as
select date '2026-10-02' as newest_post_date;
create schema marts;
create table marts.fct_shares as select * from (values
    ('x:1', 'x', '1', 'x:a', 'original', timestamp '2026-10-01 10:00', date '2026-10-01',
     'c1', 'https://www.acme-analytics.example/article/one', null, 'x:1', null, 120, null,
     false, 1.0, 1.0, 1.0, 1.0),
    ('x:2', 'x', '2', 'x:b', 'reshare', timestamp '2026-10-01 10:01', date '2026-10-01',
     'c1', 'https://www.acme-analytics.example/article/one', 'x:1', 'x:1', 'b1', 2, 60.0,
     true, 0.05, 1.0, 0.1, 0.005),
    ('bluesky:at://p', 'bluesky', 'at://p', 'bluesky:did:plc:c', 'quote',
     timestamp '2026-10-02 09:00', date '2026-10-02', null, null, null, 'bluesky:at://q', null,
     null, null, false, 0.5, 1.0, 1.0, 0.5),
    ('mastodon:2', 'mastodon', '2', 'x:a', 'original', timestamp '2026-10-02 11:00',
     date '2026-10-02', 'c1', 'https://www.acme-analytics.example/article/one', null,
     'mastodon:2', null, 40, null, false, 1.0, 1.0, 1.0, 1.0)
) as t(share_id, platform, post_id, account_key, share_type, shared_at, share_date,
       content_id, shared_url, parent_share_id, root_share_id, burst_id, audience_size,
       reshare_latency_seconds, in_coordinated_burst, account_factor, content_factor,
       network_factor, trust_weight);

-- The scorecard the accounts were scored with, as the seeds give it (reference schema).
create schema reference;
create table reference.trust_scorecard as select * from (values
    ('intercept', null, null, 0.2, 'fitted'),
    ('account_age_days', null, 365.0, -1.0, 'fitted'),
    ('account_age_days', 365.0, null, 2.0, 'fitted'),
    ('listed_count', null, 1.0, 0.0, 'fitted'),
    ('listed_count', 1.0, null, 1.2, 'fitted'),
    ('is_verified', null, 1.0, 0.0, 'set by hand'),
    ('is_verified', 1.0, null, 0.5, 'set by hand'),
    ('median_reshare_latency_seconds', null, 10.0, -3.0, 'set by hand'),
    ('median_reshare_latency_seconds', 10.0, null, 0.0, 'set by hand'),
    ('burst_count', null, 1.0, 0.0, 'set by hand'),
    ('burst_count', 1.0, null, -2.0, 'set by hand')
) as t(signal, lower_bound, upper_bound, points, basis);
create table reference.trust_tiers as select * from (values
    ('likely_bot', 1, 0.0), ('suspect', 2, 0.1), ('neutral', 3, 0.5), ('trusted', 4, 0.9)
) as t(tier, tier_rank, min_trust_score);

-- One trusted person; a bot and a Bluesky actor without counts differ from her in a few columns.
create table marts.dim_accounts as
select
    'x:a' as account_key,
    'x' as platform,
    'a' as account_id,
    'alice' as handle,
    timestamp '2020-01-01' as account_created_at,
    120::bigint as followers_count,
    80::bigint as following_count,
    900::bigint as post_count,
    3::bigint as listed_count,
    2400::bigint as like_count,
    false as is_self_declared_bot,
    true as is_verified,
    false as has_default_profile_image,
    false as has_empty_bio,
    true as has_profile_record,
    true as has_profile_counts,
    2100.0::double as account_age_days,
    0.4::double as follower_following_log_ratio,
    0.4::double as posts_per_day,
    0.04::double as following_per_day,
    0 as handle_digit_count,
    5 as handle_length,
    12::bigint as share_count,
    3600.0::double as median_reshare_latency_seconds,
    600.0::double as min_reshare_latency_seconds,
    0.0::double as fast_reshare_ratio,
    0::bigint as burst_count,
    0.0::double as burst_share_ratio,
    0.0::double as duplicate_text_ratio,
    0.25::double as pure_reshare_ratio,
    0.8::double as content_diversity,
    2.0::double as age_points,
    0.0::double as activity_points,
    0.0::double as likes_points,
    1.2::double as listed_points,
    0.0::double as following_rate_points,
    0.0::double as follower_balance_points,
    0.0::double as empty_bio_points,
    0.0::double as default_image_points,
    0.0::double as handle_digit_points,
    0.5::double as verified_points,
    0.0::double as latency_points,
    0.0::double as burst_points,
    0.0::double as duplicate_text_points,
    0.0::double as pure_reshare_points,
    0.0::double as low_diversity_points,
    3.7::double as profile_points,
    0.0::double as behaviour_points,
    'profile_and_behaviour' as score_basis,
    0.98::double as profile_score,
    0.95::double as behaviour_score,
    1.0::double as trust_score,
    'trusted' as trust_tier;
insert into marts.dim_accounts
select * replace (
    'x:b' as account_key, 'b' as account_id, 'bot' as handle,
    timestamp '2026-09-30' as account_created_at, 2::bigint as followers_count,
    900::bigint as following_count, 5000::bigint as post_count, 0::bigint as listed_count,
    true as is_self_declared_bot, false as is_verified, 1.0::double as fast_reshare_ratio,
    4::bigint as burst_count, 0.9::double as burst_share_ratio, -3.0::double as latency_points,
    -2.0::double as burst_points, 0.05::double as trust_score, 'likely_bot' as trust_tier
)
from marts.dim_accounts where account_key = 'x:a';
insert into marts.dim_accounts
select * replace (
    'bluesky:did:plc:c' as account_key, 'bluesky' as platform, 'did:plc:c' as account_id,
    'carol.bsky.social' as handle, null::bigint as followers_count,
    null::bigint as following_count, null::bigint as post_count, null::bigint as listed_count,
    null::bigint as like_count, false as is_verified, false as has_profile_counts,
    null::double as follower_following_log_ratio, null::double as posts_per_day,
    null::double as following_per_day, 0.0::double as verified_points,
    null::double as median_reshare_latency_seconds,
    null::double as min_reshare_latency_seconds, null::double as fast_reshare_ratio,
    'profile_only' as score_basis, null::double as behaviour_score,
    0.6::double as trust_score, 'neutral' as trust_tier
)
from marts.dim_accounts where account_key = 'x:a';

create table marts.dim_content as
select
    'c1' as content_id,
    'https://www.acme-analytics.example/article/one' as canonical_url,
    'One' as title,
    'article' as content_type,
    'launch' as campaign,
    false as is_advertisement,
    timestamp '2026-09-15 09:00' as published_at,
    'substantive' as content_class,
    'none' as advertisement_basis,
    1.0::double as content_factor,
    0::bigint as paid_utm_touches,
    false as has_paid_utm,
    false as is_promotional_campaign,
    false as title_cue_sale,
    false as title_cue_percent_off,
    false as title_cue_buy,
    false as title_cue_limited_offer,
    false as title_cue_discount,
    false as title_cue_free_trial,
    false as title_cue_sponsored,
    0 as title_cue_count,
    10::bigint as shares_in_cascades,
    6::bigint as passes,
    3::bigint as trusted_passes,
    0.3::double as pass_forward_rate,
    0.5::double as trusted_pass_share,
    4::bigint as cascades,
    5::bigint as largest_cascade_size,
    2 as max_cascade_depth,
    2 as share_platforms,
    'mastodon,x' as share_platform_list,
    true as is_cross_platform,
    timestamp '2026-10-01 10:00' as first_shared_at,
    'x:1' as first_trusted_share_id,
    'x:a' as first_trusted_account_key,
    timestamp '2026-10-01 10:00' as first_trusted_shared_at
union all by name
select
    'c2' as content_id,
    'https://www.acme-analytics.example/advertisement/two' as canonical_url,
    'Two: 50% Off' as title,
    'advertisement' as content_type,
    null as campaign,
    true as is_advertisement,
    timestamp '2026-09-16 09:00' as published_at,
    'advertisement' as content_class,
    'catalog_type' as advertisement_basis,
    0.5::double as content_factor,
    0::bigint as paid_utm_touches,
    false as has_paid_utm,
    false as is_promotional_campaign,
    false as title_cue_sale,
    true as title_cue_percent_off,
    false as title_cue_buy,
    false as title_cue_limited_offer,
    false as title_cue_discount,
    false as title_cue_free_trial,
    false as title_cue_sponsored,
    1 as title_cue_count,
    -- never shared: zeros, and NULL where nothing can be said
    0::bigint as shares_in_cascades,
    0::bigint as passes,
    0::bigint as trusted_passes,
    null::double as pass_forward_rate,
    null::double as trusted_pass_share,
    0::bigint as cascades,
    0::bigint as largest_cascade_size,
    null::integer as max_cascade_depth,
    0 as share_platforms,
    null as share_platform_list,
    false as is_cross_platform,
    null::timestamp as first_shared_at,
    null as first_trusted_share_id,
    null as first_trusted_account_key,
    null::timestamp as first_trusted_shared_at;

create table marts.mart_content_performance as select * from (values
    ('c1', date '2026-10-01', 2, 1.05, 1, 3, 2, 1, 1, 1200.00::decimal(18, 2)),
    ('c1', date '2026-10-02', 0, 0.0, 0, 1, 1, 0, 0, 0.00::decimal(18, 2)),
    ('c2', date '2026-10-01', 1, 1.0, 1, 0, 0, 0, 0, 0.00::decimal(18, 2))
) as t(content_id, activity_date, raw_shares, trust_weighted_shares, earned_shares, clicks,
       sessions, leads, opportunities, won_revenue);

create table marts.mart_amplification_audit as
select
    'launch' as campaign,
    'c1' as content_id,
    date '2026-10-01' as activity_date,
    'substantive' as content_class,
    5::bigint as shares,
    1.75::double as trust_weighted_shares,
    4::bigint as accounts,
    2::bigint as suspected_shares,
    2::bigint as suspected_accounts,
    0.4::double as suspected_share_of_shares,
    3::bigint as burst_shares,
    3::bigint as burst_accounts,
    2::bigint as bursts,
    0.6::double as burst_share_of_shares,
    timestamp '2026-10-01 10:00:00' as first_burst_started_at,
    timestamp '2026-10-01 10:00:40' as first_burst_ended_at,
    timestamp '2026-10-01 14:00:00' as last_burst_started_at,
    timestamp '2026-10-01 14:00:20' as last_burst_ended_at,
    3::bigint as amplified_shares,
    0.6::double as amplified_share_of_shares,
    6.0::double as median_latency_suspected_seconds,
    54.5::double as median_latency_others_seconds
union all by name
select
    '(none)' as campaign,
    'c2' as content_id,
    date '2026-10-01' as activity_date,
    'advertisement' as content_class,
    1::bigint as shares,
    0.5::double as trust_weighted_shares,
    1::bigint as accounts,
    0::bigint as suspected_shares,
    0::bigint as suspected_accounts,
    0.0::double as suspected_share_of_shares,
    0::bigint as burst_shares,
    0::bigint as burst_accounts,
    0::bigint as bursts,
    0.0::double as burst_share_of_shares,
    -- no burst: no windows; nobody with a latency
    null::timestamp as first_burst_started_at,
    null::timestamp as first_burst_ended_at,
    null::timestamp as last_burst_started_at,
    null::timestamp as last_burst_ended_at,
    0::bigint as amplified_shares,
    0.0::double as amplified_share_of_shares,
    null::double as median_latency_suspected_seconds,
    null::double as median_latency_others_seconds;

-- Opportunity o1 touched by two shares a week apart (won), o2 by one (open).
create table marts.fct_attributed_opportunities as
select
    'o1' as opportunity_id,
    'x:1' as share_id,
    'l1' as lead_id,
    'x' as platform,
    'c1' as content_id,
    'launch' as campaign,
    1.0::double as trust_weight,
    timestamp '2026-10-01 10:00' as touched_at,
    'click' as touch_kind,
    'click_link_hash' as match_rule,
    7.0::double as days_before_opportunity,
    1 as touch_position,
    2 as touches_in_path,
    timestamp '2026-10-08 10:00' as opportunity_created_at,
    3000.00::decimal(18, 2) as amount,
    true as is_won,
    true as is_closed,
    'Closed Won' as stage_name,
    date '2026-10-20' as close_date,
    1.0::double as credit_first_touch,
    0.0::double as credit_last_touch,
    0.5::double as credit_linear,
    (1 / 3)::double as credit_time_decay,
    0.5::double as credit_position_based,
    0.75::double as credit_trust_weighted,
    'trust_weight' as trust_weighted_basis,
    3000.0::double as revenue_first_touch,
    0.0::double as revenue_last_touch,
    1500.0::double as revenue_linear,
    1000.0::double as revenue_time_decay,
    1500.0::double as revenue_position_based,
    2250.0::double as revenue_trust_weighted
union all by name
select
    'o1' as opportunity_id,
    'mastodon:2' as share_id,
    'l1' as lead_id,
    'mastodon' as platform,
    'c1' as content_id,
    'launch' as campaign,
    (1 / 3)::double as trust_weight,
    timestamp '2026-10-08 10:00' as touched_at,
    'session' as touch_kind,
    'session_utm_content' as match_rule,
    0.0::double as days_before_opportunity,
    2 as touch_position,
    2 as touches_in_path,
    timestamp '2026-10-08 10:00' as opportunity_created_at,
    3000.00::decimal(18, 2) as amount,
    true as is_won,
    true as is_closed,
    'Closed Won' as stage_name,
    date '2026-10-20' as close_date,
    0.0::double as credit_first_touch,
    1.0::double as credit_last_touch,
    0.5::double as credit_linear,
    (2 / 3)::double as credit_time_decay,
    0.5::double as credit_position_based,
    0.25::double as credit_trust_weighted,
    'trust_weight' as trust_weighted_basis,
    0.0::double as revenue_first_touch,
    3000.0::double as revenue_last_touch,
    1500.0::double as revenue_linear,
    2000.0::double as revenue_time_decay,
    1500.0::double as revenue_position_based,
    750.0::double as revenue_trust_weighted
union all by name
select
    'o2' as opportunity_id,
    'x:2' as share_id,
    null as lead_id,
    'x' as platform,
    null as content_id,
    null as campaign,
    0.0::double as trust_weight,
    timestamp '2026-10-02 10:00' as touched_at,
    'click' as touch_kind,
    'click_link_hash' as match_rule,
    1.0::double as days_before_opportunity,
    1 as touch_position,
    1 as touches_in_path,
    timestamp '2026-10-03 10:00' as opportunity_created_at,
    500.00::decimal(18, 2) as amount,
    false as is_won,
    false as is_closed,
    'Prospecting' as stage_name,
    date '2026-11-30' as close_date,
    1.0::double as credit_first_touch,
    1.0::double as credit_last_touch,
    1.0::double as credit_linear,
    1.0::double as credit_time_decay,
    1.0::double as credit_position_based,
    1.0::double as credit_trust_weighted,
    'linear_fallback' as trust_weighted_basis,
    0.0::double as revenue_first_touch,
    0.0::double as revenue_last_touch,
    0.0::double as revenue_linear,
    0.0::double as revenue_time_decay,
    0.0::double as revenue_position_based,
    0.0::double as revenue_trust_weighted;

-- A bot-amplified day of c1 on X that brought one won opportunity, and shares of no catalog
-- content (content_id NULL) that brought nothing.
create table marts.mart_share_funnel as
select
    'x' as platform,
    'launch' as campaign,
    'c1' as content_id,
    date '2026-10-01' as share_date,
    100::bigint as shares,
    2.5::double as trust_weighted_shares,
    4::bigint as clicks,
    5::bigint as sessions,
    1::bigint as leads,
    1::bigint as opportunities,
    1::bigint as won_opportunities,
    3000.00::decimal(18, 2) as pipeline_amount,
    3000.00::decimal(18, 2) as won_revenue,
    1500.0::double as attributed_won_revenue_linear,
    2250.0::double as attributed_won_revenue_trust_weighted,
    0.025::double as trust_weighted_share_ratio,
    0.04::double as click_rate,
    1.25::double as session_rate,
    0.2::double as lead_rate,
    1.0::double as opportunity_rate,
    1.0::double as win_rate
union all by name
select
    'x' as platform,
    '(none)' as campaign,
    null as content_id,
    date '2026-10-01' as share_date,
    3::bigint as shares,
    1.5::double as trust_weighted_shares,
    0::bigint as clicks,
    0::bigint as sessions,
    0::bigint as leads,
    0::bigint as opportunities,
    0::bigint as won_opportunities,
    0.00::decimal(18, 2) as pipeline_amount,
    0.00::decimal(18, 2) as won_revenue,
    0.0::double as attributed_won_revenue_linear,
    0.0::double as attributed_won_revenue_trust_weighted,
    0.5::double as trust_weighted_share_ratio,
    0.0::double as click_rate,
    null::double as session_rate,
    null::double as lead_rate,
    null::double as opportunity_rate,
    null::double as win_rate;

-- A campaign of bought retweets with no pipeline beside a quiet one that won.
create table marts.mart_campaign_comparison as
select
    'black-friday' as campaign,
    2::bigint as content_items,
    100000::bigint as shares,
    98000::bigint as suspected_shares,
    95000::bigint as burst_shares,
    (100000 / 100500)::double as share_of_all_shares,
    900.0::double as trust_weighted_shares,
    0.009::double as trust_weighted_share_ratio,
    (900 / 1300)::double as share_of_trust_weighted_shares,
    3::bigint as clicks,
    1::bigint as sessions,
    0::bigint as leads,
    0::bigint as opportunities,
    0::bigint as won_opportunities,
    0.00::decimal(18, 2) as pipeline_amount,
    0.00::decimal(18, 2) as won_revenue,
    0.0::double as attributed_won_revenue_linear,
    0.0::double as attributed_won_revenue_trust_weighted,
    0.0::double as share_of_attributed_won_revenue,
    0.0::double as won_revenue_per_1000_shares,
    0.0::double as won_revenue_per_trust_weighted_share
union all by name
select
    'customer-stories' as campaign,
    1::bigint as content_items,
    500::bigint as shares,
    10::bigint as suspected_shares,
    0::bigint as burst_shares,
    (500 / 100500)::double as share_of_all_shares,
    400.0::double as trust_weighted_shares,
    0.8::double as trust_weighted_share_ratio,
    (400 / 1300)::double as share_of_trust_weighted_shares,
    60::bigint as clicks,
    45::bigint as sessions,
    4::bigint as leads,
    2::bigint as opportunities,
    1::bigint as won_opportunities,
    8000.00::decimal(18, 2) as pipeline_amount,
    3000.00::decimal(18, 2) as won_revenue,
    3000.0::double as attributed_won_revenue_linear,
    3000.0::double as attributed_won_revenue_trust_weighted,
    1.0::double as share_of_attributed_won_revenue,
    6000.0::double as won_revenue_per_1000_shares,
    7.5::double as won_revenue_per_trust_weighted_share;
"""


def _typed_as_contracted(con: duckdb.DuckDBPyConnection) -> None:
    """Give each mart its dbt contract's column types, as dbt's build would."""
    for mart, declared in CONTRACT_TYPES.items():
        casts = ", ".join(f"cast({name} as {sql_type}) as {name}" for name, sql_type in declared)
        con.execute(f"create or replace table marts.{mart} as select {casts} from marts.{mart}")


def _warehouse(tmp_path: Path, defect: str = "") -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(GOOD_MARTS)
        _typed_as_contracted(con)
        if defect:
            con.execute(defect)
    return path


def _validate(path: Path, table: str) -> SuiteResult:
    return validate_table(path, "marts", table, MART_SUITES[table])


def _only_failure(result: SuiteResult) -> ExpectationOutcome:
    assert not result.success
    assert len(result.failed) == 1, result.failed
    return result.failed[0]


@pytest.mark.parametrize("table", sorted(MART_SUITES))
def test_good_mart_passes_every_expectation(tmp_path: Path, table: str) -> None:
    result = _validate(_warehouse(tmp_path), table)

    assert result.failed == []
    assert result.success
    assert result.evaluated == len(MART_SUITES[table].expectations)


def test_duplicate_key_fails_uniqueness_with_both_rows(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.fct_shares set share_id = 'x:1' where share_id = 'x:2'"
    )

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.expectation == "expect_column_values_to_be_unique"
    assert failure.column == "share_id"
    assert failure.unexpected_count == 2
    assert failure.sample == ["x:1", "x:1"]


def test_null_key_fails_not_null(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.dim_accounts set account_key = null where handle = 'bot'"
    )

    failure = _only_failure(_validate(path, "dim_accounts"))

    assert failure.expectation == "expect_column_values_to_not_be_null"
    assert failure.column == "account_key"
    assert failure.unexpected_count == 1


@pytest.mark.parametrize(
    ("table", "column", "defect"),
    [
        (
            "fct_shares",
            "network_factor",
            "update marts.fct_shares set network_factor = 1.5 where post_id = '1'",
        ),
        (
            "fct_shares",
            "trust_weight",
            "update marts.fct_shares set trust_weight = -0.1 where share_id = 'x:2'",
        ),
        (
            "dim_accounts",
            "trust_score",
            "update marts.dim_accounts set trust_score = 2 where handle = 'alice'",
        ),
    ],
)
def test_trust_outside_zero_to_one_fails_range(
    tmp_path: Path, table: str, column: str, defect: str
) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), table))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == column
    assert failure.unexpected_count == 1


def test_weight_above_one_of_its_factors_fails(tmp_path: Path) -> None:
    # a weight of 0.5 from an account factor of 0.3: the product was not taken
    path = _warehouse(
        tmp_path, "update marts.fct_shares set account_factor = 0.3 where platform = 'bluesky'"
    )

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.column == "account_factor, trust_weight"
    assert failure.unexpected_count == 1


def test_a_ratio_outside_zero_to_one_fails_its_range(tmp_path: Path) -> None:
    defect = "update marts.dim_accounts set content_diversity = 1.1 where handle = 'alice'"
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), "dim_accounts"))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == "content_diversity"
    assert failure.unexpected_count == 1


@pytest.mark.parametrize(
    ("column", "defect"),
    [
        # a penalty that adds trust
        ("burst_points", "update marts.dim_accounts set burst_points = 0.5 where handle = 'bot'"),
        # a bonus the scorecard does not have
        ("age_points", "update marts.dim_accounts set age_points = 2.5 where handle = 'alice'"),
    ],
)
def test_points_the_scorecard_does_not_give_fail(tmp_path: Path, column: str, defect: str) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), "dim_accounts"))

    assert failure.expectation == "unexpected_rows_expectation"
    assert failure.description.startswith(f"{column} is 0 or a point value of")
    account = "x:a" if column == "age_points" else "x:b"
    assert [row["account_key"] for row in failure.rows] == [account]


def test_a_tier_that_does_not_follow_the_cuts_fails(tmp_path: Path) -> None:
    defect = "update marts.dim_accounts set trust_score = 0.3 where handle = 'carol.bsky.social'"
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), "dim_accounts"))

    assert failure.expectation == "unexpected_rows_expectation"
    assert "highest tier whose cut" in failure.description
    assert [row["account_key"] for row in failure.rows] == ["bluesky:did:plc:c"]


def test_unknown_score_basis_fails_value_set(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.dim_accounts set score_basis = 'guess' where handle = 'bot'"
    )

    failure = _only_failure(_validate(path, "dim_accounts"))

    assert failure.expectation == "expect_column_values_to_be_in_set"
    assert failure.column == "score_basis"
    assert failure.sample == ["guess"]


def test_negative_revenue_fails_range(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_content_performance set won_revenue = -5 where content_id = 'c2'",
    )

    failure = _only_failure(_validate(path, "mart_content_performance"))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == "won_revenue"
    assert failure.unexpected_count == 1
    assert failure.sample == ["-5.00"]


def test_duplicate_grain_fails_compound_uniqueness(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_content_performance set activity_date = date '2026-10-01'"
        " where raw_shares = 0",
    )

    failure = _only_failure(_validate(path, "mart_content_performance"))

    assert failure.expectation == "expect_compound_columns_to_be_unique"
    assert failure.column == "content_id, activity_date"
    assert failure.unexpected_count == 2


def test_more_weighted_than_raw_shares_fails(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_content_performance set trust_weighted_shares = 3"
        " where content_id = 'c2'",
    )

    failure = _only_failure(_validate(path, "mart_content_performance"))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.unexpected_count == 1


def test_more_earned_than_raw_shares_fails(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_content_performance set earned_shares = 3 where content_id = 'c2'",
    )

    failure = _only_failure(_validate(path, "mart_content_performance"))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.column == "raw_shares, earned_shares"
    assert failure.unexpected_count == 1


@pytest.mark.parametrize(
    ("column", "defect"),
    [
        (
            "content_factor",
            "update marts.dim_content set content_factor = 1.5 where content_id = 'c1'",
        ),
        (
            "pass_forward_rate",
            "update marts.dim_content set pass_forward_rate = -0.1 where content_id = 'c1'",
        ),
        (
            "trusted_pass_share",
            "update marts.dim_content set trusted_pass_share = 1.2 where content_id = 'c1'",
        ),
    ],
)
def test_content_factor_and_pass_forward_outside_zero_to_one_fail(
    tmp_path: Path, column: str, defect: str
) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), "dim_content"))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == column
    assert failure.unexpected_count == 1


def test_unknown_content_class_fails_value_set(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.dim_content set content_class = 'promo' where content_id = 'c2'"
    )

    failure = _only_failure(_validate(path, "dim_content"))

    assert failure.expectation == "expect_column_values_to_be_in_set"
    assert failure.column == "content_class"
    assert failure.sample == ["promo"]


def test_more_trusted_passes_than_passes_fails(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.dim_content set trusted_passes = 7 where content_id = 'c1'"
    )

    failure = _only_failure(_validate(path, "dim_content"))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.column == "passes, trusted_passes"
    assert failure.unexpected_count == 1


@pytest.mark.parametrize(
    ("column", "defect"),
    [
        (
            "suspected_share_of_shares",
            "update marts.mart_amplification_audit set suspected_share_of_shares = 1.2"
            " where content_id = 'c1'",
        ),
        (
            "burst_share_of_shares",
            "update marts.mart_amplification_audit set burst_share_of_shares = -0.5"
            " where content_id = 'c2'",
        ),
        (
            "median_latency_others_seconds",
            "update marts.mart_amplification_audit set median_latency_others_seconds = -1"
            " where content_id = 'c1'",
        ),
        (
            "shares",
            # a row for a day without shares: nothing to audit
            "update marts.mart_amplification_audit set shares = 0, trust_weighted_shares = 0,"
            " accounts = 0 where content_id = 'c2'",
        ),
    ],
)
def test_audit_value_outside_its_range_fails(tmp_path: Path, column: str, defect: str) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), "mart_amplification_audit"))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == column
    assert failure.unexpected_count == 1


@pytest.mark.parametrize(
    ("columns", "defect"),
    [
        # more suspected accounts than accounts
        (
            "accounts, suspected_accounts",
            "update marts.mart_amplification_audit set suspected_accounts = 5"
            " where content_id = 'c1'",
        ),
        # amplified shares are suspected or burst shares: never fewer than either
        (
            "amplified_shares, burst_shares",
            "update marts.mart_amplification_audit set amplified_shares = 2,"
            " amplified_share_of_shares = 0.4 where content_id = 'c1'",
        ),
        # the last burst cannot start before the first
        (
            "last_burst_started_at, first_burst_started_at",
            "update marts.mart_amplification_audit"
            " set last_burst_started_at = timestamp '2026-10-01 09:00',"
            " last_burst_ended_at = timestamp '2026-10-01 09:00:20' where content_id = 'c1'",
        ),
    ],
)
def test_audit_part_larger_than_its_whole_fails(tmp_path: Path, columns: str, defect: str) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), "mart_amplification_audit"))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.column == columns
    assert failure.unexpected_count == 1


def test_audit_duplicate_grain_fails_both_grain_keys(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_amplification_audit set campaign = 'launch', content_id = 'c1'"
        " where content_id = 'c2'",
    )

    result = _validate(path, "mart_amplification_audit")

    assert not result.success
    assert {(f.expectation, f.column, f.unexpected_count) for f in result.failed} == {
        ("expect_compound_columns_to_be_unique", "campaign, content_id, activity_date", 2),
        ("expect_compound_columns_to_be_unique", "content_id, activity_date", 2),
    }


def test_audit_null_campaign_fails_not_null(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_amplification_audit set campaign = null where content_id = 'c2'",
    )

    failure = _only_failure(_validate(path, "mart_amplification_audit"))

    assert failure.expectation == "expect_column_values_to_not_be_null"
    assert failure.column == "campaign"
    assert failure.unexpected_count == 1


def test_unknown_category_fails_value_set(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.dim_accounts set trust_tier = 'vip' where handle = 'alice'"
    )

    failure = _only_failure(_validate(path, "dim_accounts"))

    assert failure.expectation == "expect_column_values_to_be_in_set"
    assert failure.column == "trust_tier"
    assert failure.sample == ["vip"]


def test_missing_column_fails_schema_and_its_expectations(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "alter table marts.fct_shares drop column trust_weight")

    result = _validate(path, "fct_shares")

    assert not result.success
    failed = {(f.expectation, f.column): f for f in result.failed}
    schema = failed.pop(("expect_table_columns_to_match_set", None))
    assert schema.sample == ["missing: trust_weight"]
    types = failed.pop(("unexpected_rows_expectation", None))
    assert types.description == "the columns and types are the declared ones"
    assert types.rows == [
        {"problem": "missing", "column_name": "trust_weight", "column_type": "DOUBLE"}
    ]
    # Every expectation on the missing column fails with an error naming it, nothing else.
    assert all("trust_weight" in (column or "") for _, column in failed)
    assert all("trust_weight" in (f.error or "") for f in failed.values())


def test_warehouse_is_left_unlocked_for_the_next_writer(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)

    _validate(path, "dim_content")

    with duckdb.connect(str(path)) as con:
        con.execute("create table marts.after_validation as select 1 as one")


def test_missing_warehouse_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build the marts"):
        _validate(tmp_path / "absent.duckdb", "dim_content")


def test_attribution_credits_that_do_not_sum_to_one_fail(tmp_path: Path) -> None:
    # o1's linear credits 0.5 + 0.4: a tenth of the opportunity credited to nobody
    path = _warehouse(
        tmp_path,
        "update marts.fct_attributed_opportunities set credit_linear = 0.4"
        " where share_id = 'mastodon:2'",
    )

    failure = _only_failure(_validate(path, "fct_attributed_opportunities"))

    assert failure.expectation == "unexpected_rows_expectation"
    assert failure.sample == [1], "one opportunity's credits are off"


def test_attribution_credit_counted_twice_fails_the_sum(tmp_path: Path) -> None:
    # both touches of o1 get the last-touch credit: each in [0, 1], together 2
    path = _warehouse(
        tmp_path,
        "update marts.fct_attributed_opportunities set credit_last_touch = 1.0"
        " where opportunity_id = 'o1'",
    )

    failure = _only_failure(_validate(path, "fct_attributed_opportunities"))

    assert failure.expectation == "unexpected_rows_expectation"


def test_attribution_credit_outside_zero_to_one_fails_range_and_sum(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.fct_attributed_opportunities set credit_time_decay = 1.5"
        " where opportunity_id = 'o2'",
    )

    result = _validate(path, "fct_attributed_opportunities")

    assert not result.success
    assert {(f.expectation, f.column, f.unexpected_count) for f in result.failed} == {
        ("expect_column_values_to_be_between", "credit_time_decay", 1),
        ("unexpected_rows_expectation", None, None),
    }


def test_attribution_duplicate_grain_fails_compound_uniqueness(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.fct_attributed_opportunities set opportunity_id = 'o1', share_id = 'x:1'"
        " where opportunity_id = 'o2'",
    )

    result = _validate(path, "fct_attributed_opportunities")

    assert not result.success
    assert (
        "expect_compound_columns_to_be_unique",
        "opportunity_id, share_id",
        2,
    ) in {(f.expectation, f.column, f.unexpected_count) for f in result.failed}


@pytest.mark.parametrize(
    ("column", "defect"),
    [
        (
            "revenue_linear",
            "update marts.fct_attributed_opportunities set revenue_linear = -1500"
            " where share_id = 'x:1'",
        ),
        (
            "amount",
            "update marts.fct_attributed_opportunities set amount = -500"
            " where opportunity_id = 'o2'",
        ),
    ],
)
def test_attribution_negative_amount_fails_range(tmp_path: Path, column: str, defect: str) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), "fct_attributed_opportunities"))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == column
    assert failure.unexpected_count == 1


def test_attribution_touch_after_the_opportunity_fails(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.fct_attributed_opportunities set touched_at = timestamp '2026-10-04 10:00'"
        " where opportunity_id = 'o2'",
    )

    failure = _only_failure(_validate(path, "fct_attributed_opportunities"))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.column == "opportunity_created_at, touched_at"


@pytest.mark.parametrize(
    ("table", "column", "defect"),
    [
        (
            "mart_share_funnel",
            "won_revenue",
            "update marts.mart_share_funnel set won_revenue = -1 where content_id is null",
        ),
        (
            "mart_share_funnel",
            "win_rate",
            "update marts.mart_share_funnel set win_rate = 1.5 where content_id = 'c1'",
        ),
        (
            "mart_campaign_comparison",
            "pipeline_amount",
            "update marts.mart_campaign_comparison set pipeline_amount = -8000,"
            " won_revenue = -9000 where campaign = 'customer-stories'",
        ),
    ],
)
def test_funnel_and_comparison_values_outside_range_fail(
    tmp_path: Path, table: str, column: str, defect: str
) -> None:
    result = _validate(_warehouse(tmp_path, defect), table)

    assert not result.success
    assert ("expect_column_values_to_be_between", column, 1) in {
        (f.expectation, f.column, f.unexpected_count) for f in result.failed
    }


@pytest.mark.parametrize(
    ("table", "columns", "defect"),
    [
        (
            "mart_share_funnel",
            "pipeline_amount, won_revenue",
            "update marts.mart_share_funnel set won_revenue = 5000 where content_id = 'c1'",
        ),
        (
            "mart_share_funnel",
            "shares, trust_weighted_shares",
            "update marts.mart_share_funnel set trust_weighted_shares = 4 where content_id is null",
        ),
        (
            "mart_campaign_comparison",
            "opportunities, won_opportunities",
            "update marts.mart_campaign_comparison set won_opportunities = 3"
            " where campaign = 'customer-stories'",
        ),
        (
            "mart_campaign_comparison",
            "shares, suspected_shares",
            "update marts.mart_campaign_comparison set suspected_shares = 600"
            " where campaign = 'customer-stories'",
        ),
    ],
)
def test_funnel_and_comparison_part_larger_than_whole_fails(
    tmp_path: Path, table: str, columns: str, defect: str
) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), table))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.column == columns
    assert failure.unexpected_count == 1


def test_funnel_duplicate_grain_fails_even_without_content(tmp_path: Path) -> None:
    # two rows of shares without catalog content on the same platform, campaign and day
    path = _warehouse(
        tmp_path,
        "insert into marts.mart_share_funnel select * from marts.mart_share_funnel"
        " where content_id is null",
    )

    failure = _only_failure(_validate(path, "mart_share_funnel"))

    assert failure.expectation == "unexpected_rows_expectation"
    assert failure.sample == [1], "one grain appears twice"


def test_comparison_duplicate_campaign_fails_uniqueness(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_campaign_comparison set campaign = 'black-friday'"
        " where campaign = 'customer-stories'",
    )

    failure = _only_failure(_validate(path, "mart_campaign_comparison"))

    assert failure.expectation == "expect_column_values_to_be_unique"
    assert failure.column == "campaign"
    assert failure.unexpected_count == 2


def test_every_expectation_has_a_known_severity() -> None:
    for suite in MART_SUITES.values():
        for expectation in suite.expectations:
            assert severity_of(expectation.meta) in SEVERITIES


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="severity"):
        severity_of({"severity": "fatal"})


def test_empty_mart_only_warns(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "delete from marts.mart_campaign_comparison")

    result = _validate(path, "mart_campaign_comparison")

    assert result.success, "a warning alone does not fail the suite"
    assert result.errors == []
    [warning] = result.warnings
    assert warning.expectation == "expect_table_row_count_to_be_between"
    assert warning.severity == WARN


def _suite_with_severities() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name="severities",
        expectations=[
            gxe.ExpectColumnValuesToBeBetween(column="trust_weight", min_value=0.5, meta=WARN_META),
            gxe.ExpectColumnValuesToNotBeNull(column="content_id"),
        ],
    )


def test_warn_failure_does_not_fail_the_suite_but_an_error_failure_does(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)
    suite = _suite_with_severities()

    # One weight is below 0.5 (warn); one share has no content (error).
    result = validate_table(path, "marts", "fct_shares", suite)

    assert not result.success
    assert [(f.severity, f.column) for f in result.failed] == [
        (WARN, "trust_weight"),
        (ERROR, "content_id"),
    ]

    with duckdb.connect(str(path)) as con:
        con.execute("update marts.fct_shares set content_id = 'c1'")
    result = validate_table(path, "marts", "fct_shares", suite)

    assert result.success
    assert [(f.severity, f.column, f.unexpected_count) for f in result.warnings] == [
        (WARN, "trust_weight", 1)
    ]


def test_failed_query_expectation_reports_offending_rows(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.fct_attributed_opportunities set credit_linear = 0.4"
        " where share_id = 'mastodon:2'",
    )

    failure = _only_failure(_validate(path, "fct_attributed_opportunities"))

    assert failure.rows == [{"opportunity_id": "o1"}]


def test_check_passes_with_warnings_and_fails_on_errors() -> None:
    passed = ExpectationOutcome("expect_column_values_to_not_be_null", "share_id", passed=True)
    warning = ExpectationOutcome(
        "expect_table_row_count_to_be_between", None, passed=False, severity=WARN, sample=[0]
    )
    error = ExpectationOutcome(
        "expect_column_values_to_be_unique",
        "share_id",
        passed=False,
        unexpected_count=2,
        sample=["x:1", "x:1"],
    )

    warned = check_result("fct_shares", SuiteResult([passed, passed, warning]))
    failed = check_result("fct_shares", SuiteResult([passed, warning, error]))

    assert warned.passed
    assert warned.metadata["expectations_warned"].value == 1
    assert warned.metadata["expectations_failed"].value == 0
    assert "expect_table_row_count_to_be_between" in warned.metadata["warnings"].value
    assert not failed.passed
    assert failed.severity == AssetCheckSeverity.ERROR
    assert "expect_column_values_to_be_unique(share_id)" in (failed.description or "")
    assert "expect_table_row_count_to_be_between" not in failed.metadata["failures"].value


# Referential integrity, freshness, volume and time: rules across rows and tables.


def test_a_share_by_an_account_missing_from_dim_accounts_is_an_orphan(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "delete from marts.dim_accounts where account_key = 'x:b'")

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.name == (
        "unexpected_rows_expectation: every account_key is in marts.dim_accounts"
    )
    assert failure.sample == [1]
    assert failure.rows[0]["share_id"] == "x:2"


def test_credit_for_a_share_missing_from_fct_shares_is_an_orphan(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "delete from marts.fct_shares where share_id = 'mastodon:2'")

    failure = _only_failure(_validate(path, "fct_attributed_opportunities"))

    assert failure.description == "every share_id is in marts.fct_shares"
    assert [row["share_id"] for row in failure.rows] == ["mastodon:2"]


NEWEST_POST = "update intermediate.int_share_exports_newest_post set newest_post_date = "


def test_shares_behind_the_newest_exported_post_are_stale(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, NEWEST_POST + "date '2026-10-06'")

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.description == FRESHNESS
    assert failure.rows == [{"newest_share": "2026-10-02", "newest_exported_post": "2026-10-06"}]


def test_an_export_ending_before_the_newest_share_is_not_stale(tmp_path: Path) -> None:
    # An account timeline dropped in a later folder: its newest post is weeks old.
    path = _warehouse(tmp_path, NEWEST_POST + "date '2026-09-20'")

    assert _validate(path, "fct_shares").failed == []


def test_no_exported_post_does_not_make_the_shares_stale(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, NEWEST_POST + "null")

    assert _validate(path, "fct_shares").failed == []


def test_a_share_dated_in_the_future_fails(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.fct_shares set shared_at = now()::timestamp + interval 3 day "
        "where share_id = 'x:2'",
    )

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.description == "shared_at is not in the future"
    assert [row["share_id"] for row in failure.rows] == ["x:2"]


# Twelve days of 40 X shares a day by alice, before the good marts' two days of October.
STEADY_DAYS = """
insert into marts.fct_shares
select 'x:steady' || i, 'x', 'steady' || i, 'x:a', 'original',
    timestamp '2026-09-19 12:00' + (i // 40) * interval 1 day,
    cast(timestamp '2026-09-19 12:00' + (i // 40) * interval 1 day as date),
    null, null, null, 'x:steady' || i, null, 10, null, false, 1.0, 1.0, 1.0, 1.0
from range(480) as r(i);
"""


def test_a_day_with_90_percent_fewer_shares_than_usual_is_an_anomaly(tmp_path: Path) -> None:
    # 2026-10-01 has 2 X shares after twelve days of 40: a truncated export.
    path = _warehouse(tmp_path, STEADY_DAYS)

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.description.startswith("no recent day has fewer than 25% of the usual")
    assert failure.rows == [{"platform": "x", "day": "2026-10-01", "n": 2, "usual": 40.0}]


def test_a_day_without_any_share_is_an_anomaly_too(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, STEADY_DAYS + "delete from marts.fct_shares where share_date = '2026-09-27';"
    )

    failure = _only_failure(_validate(path, "fct_shares"))

    days = {row["day"]: row["n"] for row in failure.rows}
    assert days == {"2026-09-27": 0, "2026-10-01": 2}


def test_days_like_the_usual_ones_are_no_anomaly(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, STEADY_DAYS + "delete from marts.fct_shares where post_id = '1';")
    # Give 2026-10-01 its usual volume; 2026-10-02 has too little history on Bluesky alone.
    with duckdb.connect(str(path)) as con:
        con.execute(
            STEADY_DAYS.replace("2026-09-19", "2026-10-01")
            .replace("480", "15")
            .replace("steady", "more")
        )

    assert _validate(path, "fct_shares").failed == []


def test_leads_never_outnumber_the_sessions_they_came_from(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "update marts.mart_share_funnel set leads = sessions + 1")

    failure = _only_failure(_validate(path, "mart_share_funnel"))

    assert failure.name == "expect_column_pair_values_a_to_be_greater_than_b(sessions, leads)"


def test_a_mart_column_of_another_type_than_its_contract_fails(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "alter table marts.fct_shares alter column in_coordinated_burst type varchar"
    )

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.description == "the columns and types are the declared ones"
    assert sorted((r["problem"], r["column_type"]) for r in failure.rows) == [
        ("missing", "BOOLEAN"),
        ("unexpected", "VARCHAR"),
    ]
