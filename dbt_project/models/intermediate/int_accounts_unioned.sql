-- Every account of every platform in one shape: those with a profile record (X users,
-- Mastodon accounts, Bluesky actors and profiles) and those only seen sharing (X authors
-- missing from `includes.users`), which carry no profile facts at all.
with

x_users as (

    select
        'x' as platform,
        account_id,
        handle,
        account_created_at,
        followers_count,
        following_count,
        post_count,
        like_count,
        -- X has no self-declared bot flag: the profile's own words are the declaration.
        declares_bot as is_self_declared_bot,
        is_verified,
        has_default_profile_image,
        has_profile_counts

    from {{ ref('stg_x__users') }}

),

mastodon_account_records as (

    -- Accounts seen on statuses and accounts looked up directly (reblogged_by, accounts/:id):
    -- the latest observation of each wins.
    select * from {{ ref('stg_mastodon__accounts') }}
    union all by name
    select * from {{ ref('stg_mastodon__accounts_looked_up') }}
    qualify row_number() over (partition by account_id order by observed_at desc) = 1

),

mastodon_accounts as (

    select
        'mastodon' as platform,
        account_id,
        handle,
        account_created_at,
        followers_count,
        following_count,
        post_count,
        -- Mastodon counts no likes given
        cast(null as {{ dbt.type_bigint() }}) as like_count,
        is_bot or coalesce(declares_bot, false) as is_self_declared_bot,
        -- Mastodon has no verified badge.
        false as is_verified,
        has_default_avatar as has_default_profile_image,
        true as has_profile_counts

    from mastodon_account_records

),

bluesky_accounts as (

    -- Feeds name every actor but carry no counts; getProfiles adds counts for some of them.
    select
        'bluesky' as platform,
        coalesce(profiles.account_id, actors.account_id) as account_id,
        coalesce(profiles.handle, actors.handle) as handle,
        coalesce(profiles.account_created_at, actors.account_created_at) as account_created_at,
        profiles.followers_count,
        profiles.following_count,
        profiles.post_count,
        cast(null as {{ dbt.type_bigint() }}) as like_count,
        coalesce(profiles.declares_bot, actors.declares_bot) as is_self_declared_bot,
        false as is_verified,
        coalesce(profiles.has_default_avatar, actors.has_default_avatar)
            as has_default_profile_image,
        profiles.account_id is not null as has_profile_counts

    from {{ ref('stg_bluesky__actors') }} as actors
    full outer join {{ ref('stg_bluesky__profiles') }} as profiles
        on actors.account_id = profiles.account_id

),

profiled as (

    select * from x_users
    union all
    select * from mastodon_accounts
    union all
    select * from bluesky_accounts

),

sharers_without_profile as (

    select distinct
        shares.platform,
        shares.account_id

    from {{ ref('int_shares_unioned') }} as shares
    left join profiled
        on shares.platform = profiled.platform
        and shares.account_id = profiled.account_id
    where profiled.account_id is null

),

unioned as (

    select
        *,
        true as has_profile_record

    from profiled

    union all

    select
        platform,
        account_id,
        cast(null as {{ dbt.type_string() }}) as handle,
        cast(null as {{ dbt.type_timestamp() }}) as account_created_at,
        cast(null as {{ dbt.type_bigint() }}) as followers_count,
        cast(null as {{ dbt.type_bigint() }}) as following_count,
        cast(null as {{ dbt.type_bigint() }}) as post_count,
        cast(null as {{ dbt.type_bigint() }}) as like_count,
        cast(null as {{ dbt.type_boolean() }}) as is_self_declared_bot,
        cast(null as {{ dbt.type_boolean() }}) as is_verified,
        cast(null as {{ dbt.type_boolean() }}) as has_default_profile_image,
        false as has_profile_counts,
        false as has_profile_record

    from sharers_without_profile

),

final as (

    select
        {{ dbt.concat(["platform", "':'", "account_id"]) }} as account_key,
        *

    from unioned

)

select * from final
