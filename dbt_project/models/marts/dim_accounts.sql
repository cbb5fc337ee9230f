-- One row per account on any platform, with its (placeholder) trust score and tier.
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

        -- booleans
        cast(is_self_declared_bot as {{ dbt.type_boolean() }}) as is_self_declared_bot,
        cast(is_verified as {{ dbt.type_boolean() }}) as is_verified,
        cast(has_profile_counts as {{ dbt.type_boolean() }}) as has_profile_counts,

        -- trust
        cast(trust_score as double) as trust_score,
        cast(trust_tier as {{ dbt.type_string() }}) as trust_tier

    from accounts

)

select * from final
