-- One row per piece of content and day with any activity: shares (raw, trust-weighted and
-- earned), clicks, sessions, leads and opportunities on the day they happened, and the revenue
-- of opportunities won on the day they closed. Each kind of activity is one row of `activity`,
-- so counting is summing and no join can multiply rows.
--
-- Earned shares: shares by a `trusted` sharer that were passed on by an account not
-- suspected of being a bot, or whose link was clicked or brought a web session (see
-- `int_shares_traced.is_earned`). Bots passing a share on is amplification, not earning.
with

shares as (

    select
        fct_shares.content_id,
        fct_shares.share_date,
        fct_shares.trust_weight,
        coalesce(traced.is_earned, false) as is_earned

    from {{ ref('fct_shares') }} as fct_shares
    left join {{ ref('int_shares_traced') }} as traced
        on fct_shares.share_id = traced.share_id

),

activity as (

    select
        content_id,
        share_date as activity_date,
        case when is_earned then 'earned_share' else 'share' end as activity,
        trust_weight as weight,
        cast(null as decimal(18, 2)) as amount
    from shares

    union all

    select content_id, click_date, 'click', null, null
    from {{ ref('int_clicks_attributed') }}

    union all

    select content_id, session_date, 'session', null, null
    from {{ ref('int_sessions') }}

    union all

    select content_id, lead_date, 'lead', null, null
    from {{ ref('int_leads_attributed') }}

    union all

    select content_id, created_date, 'opportunity', null, null
    from {{ ref('int_opportunities_attributed') }}

    union all

    select content_id, close_date, 'won', null, amount
    from {{ ref('int_opportunities_attributed') }}
    where is_won

),

final as (

    select
        cast(content_id as {{ dbt.type_string() }}) as content_id,
        cast(activity_date as date) as activity_date,
        cast(sum(case when activity in ('share', 'earned_share') then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as raw_shares,
        cast(sum(case when activity in ('share', 'earned_share') then weight else 0 end)
            as double) as trust_weighted_shares,
        cast(sum(case when activity = 'earned_share' then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as earned_shares,
        cast(sum(case when activity = 'click' then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as clicks,
        cast(sum(case when activity = 'session' then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as sessions,
        cast(sum(case when activity = 'lead' then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as leads,
        cast(sum(case when activity = 'opportunity' then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as opportunities,
        cast(sum(case when activity = 'won' then amount else 0 end)
            as decimal(18, 2)) as won_revenue

    from activity
    where content_id is not null
        and activity_date is not null
    group by content_id, activity_date

)

select * from final
