-- One row per campaign, content and day with shares: how much of the sharing came from
-- accounts suspected of being bots (trust tier `suspect` or `likely_bot`) or from coordinated
-- bursts (many accounts amplifying the same post or link within seconds: the share's
-- `fct_shares.in_coordinated_burst` and `burst_id`; the burst's window from
-- `int_share_bursts`), with the evidence an analyst needs to check it: the accounts, the
-- burst windows and how fast suspected accounts reacted compared with everyone else.
-- Campaign is the content's catalog campaign, `(none)` when it has none, so the grain is
-- content x day and the campaign rolls it up. Latency is seconds from the post reshared,
-- quoted or replied to (when the warehouse holds it) to the share.
with

shares as (

    select * from {{ ref('fct_shares') }}
    where content_id is not null

),

accounts as (

    select account_key, trust_tier from {{ ref('dim_accounts') }}

),

content as (

    select content_id, campaign, content_class from {{ ref('dim_content') }}

),

bursts as (

    select burst_id, started_at, ended_at from {{ ref('int_share_bursts') }}

),

flagged as (

    select
        shares.share_id,
        shares.content_id,
        shares.share_date as activity_date,
        shares.account_key,
        shares.trust_weight,
        shares.reshare_latency_seconds,
        coalesce(accounts.trust_tier in ('suspect', 'likely_bot'), false) as is_suspected,
        coalesce(shares.in_coordinated_burst, false) as in_burst,
        shares.burst_id,
        bursts.started_at as burst_started_at,
        bursts.ended_at as burst_ended_at

    from shares
    left join accounts
        on shares.account_key = accounts.account_key
    left join bursts
        on shares.burst_id = bursts.burst_id

),

-- The first and the last burst (by start) that touched each content and day.
burst_order as (

    select
        content_id,
        activity_date,
        burst_started_at,
        burst_ended_at,
        row_number() over (
            partition by content_id, activity_date
            order by burst_started_at, burst_id
        ) as first_rank,
        row_number() over (
            partition by content_id, activity_date
            order by burst_started_at desc, burst_id desc
        ) as last_rank

    from (
        select distinct content_id, activity_date, burst_id, burst_started_at, burst_ended_at
        from flagged
        where in_burst and burst_id is not null
    ) as touched

),

counted as (

    select
        content_id,
        activity_date,
        count(*) as shares,
        sum(trust_weight) as trust_weighted_shares,
        count(distinct account_key) as accounts,
        sum(case when is_suspected then 1 else 0 end) as suspected_shares,
        count(distinct case when is_suspected then account_key end) as suspected_accounts,
        sum(case when in_burst then 1 else 0 end) as burst_shares,
        count(distinct case when in_burst then account_key end) as burst_accounts,
        count(distinct case when in_burst then burst_id end) as bursts,
        sum(case when is_suspected or in_burst then 1 else 0 end) as amplified_shares,
        percentile_cont(0.5) within group (
            order by case when is_suspected then reshare_latency_seconds end
        ) as median_latency_suspected_seconds,
        percentile_cont(0.5) within group (
            order by case when not is_suspected then reshare_latency_seconds end
        ) as median_latency_others_seconds

    from flagged
    group by content_id, activity_date

),

final as (

    select
        -- grain
        cast(coalesce(content.campaign, '(none)') as {{ dbt.type_string() }}) as campaign,
        cast(counted.content_id as {{ dbt.type_string() }}) as content_id,
        cast(counted.activity_date as date) as activity_date,
        cast(content.content_class as {{ dbt.type_string() }}) as content_class,

        -- activity
        cast(counted.shares as {{ dbt.type_bigint() }}) as shares,
        cast(counted.trust_weighted_shares as double) as trust_weighted_shares,
        cast(counted.accounts as {{ dbt.type_bigint() }}) as accounts,

        -- suspected bots
        cast(counted.suspected_shares as {{ dbt.type_bigint() }}) as suspected_shares,
        cast(counted.suspected_accounts as {{ dbt.type_bigint() }}) as suspected_accounts,
        cast(counted.suspected_shares * 1.0 / counted.shares as double)
            as suspected_share_of_shares,

        -- coordinated bursts
        cast(counted.burst_shares as {{ dbt.type_bigint() }}) as burst_shares,
        cast(counted.burst_accounts as {{ dbt.type_bigint() }}) as burst_accounts,
        cast(counted.bursts as {{ dbt.type_bigint() }}) as bursts,
        cast(counted.burst_shares * 1.0 / counted.shares as double) as burst_share_of_shares,
        cast(first_burst.burst_started_at as {{ dbt.type_timestamp() }})
            as first_burst_started_at,
        cast(first_burst.burst_ended_at as {{ dbt.type_timestamp() }}) as first_burst_ended_at,
        cast(last_burst.burst_started_at as {{ dbt.type_timestamp() }}) as last_burst_started_at,
        cast(last_burst.burst_ended_at as {{ dbt.type_timestamp() }}) as last_burst_ended_at,

        -- either
        cast(counted.amplified_shares as {{ dbt.type_bigint() }}) as amplified_shares,
        cast(counted.amplified_shares * 1.0 / counted.shares as double)
            as amplified_share_of_shares,

        -- latency
        cast(counted.median_latency_suspected_seconds as double)
            as median_latency_suspected_seconds,
        cast(counted.median_latency_others_seconds as double) as median_latency_others_seconds

    from counted
    inner join content
        on counted.content_id = content.content_id
    left join burst_order as first_burst
        on counted.content_id = first_burst.content_id
        and counted.activity_date = first_burst.activity_date
        and first_burst.first_rank = 1
    left join burst_order as last_burst
        on counted.content_id = last_burst.content_id
        and counted.activity_date = last_burst.activity_date
        and last_burst.last_rank = 1

)

select * from final
