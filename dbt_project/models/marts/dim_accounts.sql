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
        cast(handle_digit_count as integer) as handle_digit_count,

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

        -- points (log-odds) per signal
        cast(age_points as double) as age_points,
        cast(follower_balance_points as double) as follower_balance_points,
        cast(posting_rate_points as double) as posting_rate_points,
        cast(listed_points as double) as listed_points,
        cast(default_image_points as double) as default_image_points,
        cast(empty_bio_points as double) as empty_bio_points,
        cast(handle_digit_points as double) as handle_digit_points,
        cast(verified_points as double) as verified_points,
        cast(latency_points as double) as latency_points,
        cast(burst_points as double) as burst_points,
        cast(duplicate_text_points as double) as duplicate_text_points,
        cast(pure_reshare_points as double) as pure_reshare_points,
        cast(low_diversity_points as double) as low_diversity_points,
        cast(profile_points as double) as profile_points,
        cast(behaviour_points as double) as behaviour_points,

        -- trust
        cast(score_basis as {{ dbt.type_string() }}) as score_basis,
        cast(profile_score as double) as profile_score,
        cast(behaviour_score as double) as behaviour_score,
        cast(trust_score as double) as trust_score,
        cast(trust_tier as {{ dbt.type_string() }}) as trust_tier

    from accounts

)

select * from final
