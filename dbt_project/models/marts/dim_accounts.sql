-- One row per account on any platform, with every trust signal, the points each adds, and
-- the resulting trust score and tier (int_accounts_scored; docs/trust.md).
with

accounts as (

    select * from {{ ref('int_accounts_scored') }}

),

final as (

    select
        -- ids
        cast(account_key as {{ dbt.type_string() }}) as account_key,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(handle as {{ dbt.type_string() }}) as handle,

        -- timestamps
        cast(account_created_at as {{ dbt.type_timestamp() }}) as account_created_at,

        -- numerics
        cast(followers_count as {{ dbt.type_bigint() }}) as followers_count,
        cast(following_count as {{ dbt.type_bigint() }}) as following_count,
        cast(post_count as {{ dbt.type_bigint() }}) as post_count,
        cast(listed_count as {{ dbt.type_bigint() }}) as listed_count,
        cast(like_count as {{ dbt.type_bigint() }}) as like_count,

        -- booleans
        cast(is_self_declared_bot as {{ dbt.type_boolean() }}) as is_self_declared_bot,
        cast(is_verified as {{ dbt.type_boolean() }}) as is_verified,
        cast(has_default_profile_image as {{ dbt.type_boolean() }}) as has_default_profile_image,
        cast(has_empty_bio as {{ dbt.type_boolean() }}) as has_empty_bio,
        cast(has_profile_record as {{ dbt.type_boolean() }}) as has_profile_record,
        cast(has_profile_counts as {{ dbt.type_boolean() }}) as has_profile_counts,

        -- profile signals
        cast(account_age_days as double) as account_age_days,
        cast(follower_following_log_ratio as double) as follower_following_log_ratio,
        cast(posts_per_day as double) as posts_per_day,
        cast(following_per_day as double) as following_per_day,
        cast(handle_digit_count as integer) as handle_digit_count,
        cast(handle_length as integer) as handle_length,

        -- behaviour signals
        cast(share_count as {{ dbt.type_bigint() }}) as share_count,
        cast(median_reshare_latency_seconds as double) as median_reshare_latency_seconds,
        cast(min_reshare_latency_seconds as double) as min_reshare_latency_seconds,
        cast(fast_reshare_ratio as double) as fast_reshare_ratio,
        cast(burst_count as {{ dbt.type_bigint() }}) as burst_count,
        cast(burst_share_ratio as double) as burst_share_ratio,
        cast(duplicate_text_ratio as double) as duplicate_text_ratio,
        cast(pure_reshare_ratio as double) as pure_reshare_ratio,
        cast(content_diversity as double) as content_diversity,

        -- points (log-odds) per signal (seed trust_scorecard)
        age_points,
        activity_points,
        likes_points,
        listed_points,
        following_rate_points,
        follower_balance_points,
        empty_bio_points,
        default_image_points,
        handle_digit_points,
        verified_points,
        latency_points,
        burst_points,
        duplicate_text_points,
        pure_reshare_points,
        low_diversity_points,
        profile_points,
        behaviour_points,

        -- trust
        cast(score_basis as {{ dbt.type_string() }}) as score_basis,
        profile_score,
        behaviour_score,
        trust_score,
        cast(trust_tier as {{ dbt.type_string() }}) as trust_tier

    from accounts

)

select * from final
