-- The profile signals of every account, each its own column, after BotometerLite (Yang et
-- al. 2020, "Scalable and Generalizable Social Bot Detection through Data Selection", AAAI)
-- and Varol et al. 2017 ("Online Human-Bot Interactions: Detection, Estimation, and
-- Characterization", ICWSM): user-profile metadata only, so it scores an account seen once.
-- How the signals combine into a score is `int_accounts_scored`'s business (docs/trust.md).
--
-- Time: profile counts are as of the latest observation, so rates use the account's life up
-- to the last time it was seen sharing (or, if never, the latest share in the warehouse,
-- `data_as_of`); the account's age is taken at its first observed share, when a bot that
-- was created for a campaign is youngest.
--
-- Counts: where a source has none (Bluesky feed actors without a getProfiles record,
-- authors seen only sharing, an X export without public_metrics) `has_profile_counts` is
-- false and the count-based signals are NULL, not guessed.
--
-- Handle: staging keeps only a keyed hash of the handle, and computes the handle-derived
-- signals (digits in the handle, its length) before hashing (macro `handle_shape`).
with

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

shares as (

    select * from {{ ref('int_shares_unioned') }}

),

x_users as (

    select * from {{ ref('stg_x__users') }}

),

mastodon_records as (

    -- the latest observation of each account wins, as in int_accounts_unioned
    select
        account_id,
        has_description,
        observed_at,
        handle_digit_count,
        handle_length
    from {{ ref('stg_mastodon__accounts') }}

    union all

    select
        account_id,
        has_description,
        observed_at,
        handle_digit_count,
        handle_length
    from {{ ref('stg_mastodon__accounts_looked_up') }}

),

mastodon_latest as (

    select * from mastodon_records
    qualify row_number() over (partition by account_id order by observed_at desc) = 1

),

bluesky_actors as (

    select * from {{ ref('stg_bluesky__actors') }}

),

bluesky_profiles as (

    select * from {{ ref('stg_bluesky__profiles') }}

),

-- What int_accounts_unioned does not carry: bio, listed count, handle-derived signals.
extras as (

    select
        {{ dbt.concat(["'x:'", "account_id"]) }} as account_key,
        has_description,
        listed_count,
        handle_digit_count,
        handle_length
    from x_users

    union all

    select
        {{ dbt.concat(["'mastodon:'", "account_id"]) }},
        has_description,
        -- Mastodon has no lists others can put an account on
        cast(null as {{ dbt.type_bigint() }}),
        handle_digit_count,
        handle_length
    from mastodon_latest

    union all

    select
        {{ dbt.concat(["'bluesky:'", "coalesce(profiles.account_id, actors.account_id)"]) }},
        -- feed actors carry no description: unknown without a profile record
        profiles.has_description,
        cast(null as {{ dbt.type_bigint() }}),
        coalesce(
            profiles.handle_digit_count,
            actors.handle_digit_count
        ),
        coalesce(
            profiles.handle_length,
            actors.handle_length
        )
    from bluesky_actors as actors
    full outer join bluesky_profiles as profiles
        on actors.account_id = profiles.account_id

),

activity as (

    select
        account_key,
        min(shared_at) as first_shared_at,
        max(shared_at) as last_shared_at

    from shares
    group by account_key

),

as_of as (

    select max(shared_at) as data_as_of from shares

),

timed as (

    select
        accounts.*,
        extras.has_description,
        extras.listed_count,
        extras.handle_digit_count,
        extras.handle_length,
        activity.first_shared_at,
        activity.last_shared_at,
        as_of.data_as_of,
        -- days, to the second
        {{ dbt.datediff('accounts.account_created_at', 'coalesce(activity.first_shared_at, as_of.data_as_of)', 'second') }}
            / 86400.0 as age_days_at_first_share,
        {{ dbt.datediff('accounts.account_created_at', 'coalesce(activity.last_shared_at, as_of.data_as_of)', 'second') }}
            / 86400.0 as lifetime_days

    from accounts
    left join extras
        on accounts.account_key = extras.account_key
    left join activity
        on accounts.account_key = activity.account_key
    cross join as_of

),

final as (

    select
        -- ids
        account_key,
        platform,
        account_id,
        handle,

        -- what is known
        has_profile_record,
        has_profile_counts,

        -- timestamps
        account_created_at,
        first_shared_at,
        last_shared_at,
        data_as_of,

        -- raw profile facts
        followers_count,
        following_count,
        post_count,
        listed_count,
        like_count,

        -- signals
        -- NULL without a creation date (least/greatest skip NULLs on some engines: test first)
        cast(
            case
                when age_days_at_first_share is not null then greatest(age_days_at_first_share, 0)
            end as double
        ) as account_age_days,
        cast(
            case
                when has_profile_counts
                    then ln((followers_count + 1.0) / (following_count + 1.0))
            end as double
        ) as follower_following_log_ratio,
        cast(
            case
                when has_profile_counts and lifetime_days is not null
                    then post_count / greatest(lifetime_days, 1.0)
            end as double
        ) as posts_per_day,
        -- following many accounts fast (follow-spam, hoping for follow-backs)
        cast(
            case
                when has_profile_counts and lifetime_days is not null
                    then following_count / greatest(lifetime_days, 1.0)
            end as double
        ) as following_per_day,
        has_default_profile_image,
        has_description,
        case when has_description is not null then not has_description end as has_empty_bio,
        is_self_declared_bot,
        is_verified,
        cast(handle_digit_count as integer) as handle_digit_count,
        cast(handle_length as integer) as handle_length

    from timed

)

select * from final
