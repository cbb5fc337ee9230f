-- One row per CRM opportunity and share that touched it (a click on the share's link or a web
-- session it brought, `int_opportunity_touches`) within the lookback window before the
-- opportunity was created, with the share's credit for the opportunity under six attribution
-- models and the won revenue each model gives it. Each model's credits for one opportunity
-- sum to 1 (tests/assert_attribution_credits_sum_to_one.sql).
--
-- * Window: touches at most `attribution_lookback_days` (default 30) days before the
--   opportunity's `created_at`, and not after it.
-- * Order: touches by time, ties broken by share id, so positions never depend on the engine.
--   A share that touched the opportunity several times is one touch, at its latest time
--   before the opportunity (the contract of `int_opportunity_touches` already gives one row).
-- * first_touch / last_touch: 1 to the first / the last touch, 0 to the others.
-- * linear: 1 / n to each of the n touches.
-- * time_decay: each touch weighs 2 ^ -(days from the touch to the opportunity /
--   `time_decay_half_life_days`, default 7); credits are the weights over their sum.
-- * position_based (40/20/40): 0.4 to the first and 0.4 to the last touch, 0.2 shared
--   equally by the touches between; one touch gets 1, two touches 0.5 each.
-- * trust_weighted: each share's `fct_shares.trust_weight` over the sum of them; when every
--   touching share weighs 0 (all bots) the model falls back to linear and
--   `trust_weighted_basis` says so. A share missing from fct_shares weighs 0.
-- * revenue_<model> = credit * amount of a won opportunity (0 when not won), unrounded, so
--   each model's revenue sums to the won revenue of the attributed opportunities.
with

touches as (

    select * from {{ ref('int_opportunity_touches') }}

),

opportunities as (

    select
        opportunity_id,
        amount,
        is_won,
        is_closed,
        stage_name,
        close_date,
        created_at

    from {{ ref('stg_crm__opportunities') }}

),

shares as (

    select share_id, trust_weight from {{ ref('fct_shares') }}

),

windowed as (

    select
        touches.opportunity_id,
        touches.share_id,
        touches.platform,
        touches.content_id,
        touches.campaign,
        touches.touched_at,
        touches.touch_kind,
        touches.match_rule,
        touches.lead_id,
        touches.opportunity_created_at,
        {{ dbt.datediff('touches.touched_at', 'touches.opportunity_created_at', 'second') }}
            / 86400.0 as days_before_opportunity

    from touches
    where touches.touched_at <= touches.opportunity_created_at
        and touches.touched_at >= {{ dbt.dateadd(
            'day', -1 * var('attribution_lookback_days'), 'touches.opportunity_created_at'
        ) }}
    -- one touch per share and opportunity: its latest before the opportunity
    qualify row_number() over (
        partition by touches.opportunity_id, touches.share_id
        order by touches.touched_at desc, touches.touch_kind, touches.match_rule
    ) = 1

),

ordered as (

    select
        windowed.*,
        coalesce(shares.trust_weight, 0.0) as trust_weight,
        power(
            2.0, -1.0 * windowed.days_before_opportunity / {{ var('time_decay_half_life_days') }}
        ) as time_decay_weight,
        row_number() over (
            partition by windowed.opportunity_id
            order by windowed.touched_at, windowed.share_id
        ) as touch_position,
        count(*) over (partition by windowed.opportunity_id) as touches_in_path

    from windowed
    left join shares
        on windowed.share_id = shares.share_id

),

totals as (

    select
        ordered.*,
        sum(time_decay_weight) over (partition by opportunity_id) as time_decay_weight_total,
        sum(trust_weight) over (partition by opportunity_id) as trust_weight_total

    from ordered

),

credited as (

    select
        totals.*,
        case when touch_position = 1 then 1.0 else 0.0 end as credit_first_touch,
        case when touch_position = touches_in_path then 1.0 else 0.0 end as credit_last_touch,
        1.0 / touches_in_path as credit_linear,
        time_decay_weight / time_decay_weight_total as credit_time_decay,
        case
            when touches_in_path = 1 then 1.0
            when touches_in_path = 2 then 0.5
            when touch_position = 1 or touch_position = touches_in_path then 0.4
            else 0.2 / (touches_in_path - 2)
        end as credit_position_based,
        case
            when trust_weight_total > 0 then trust_weight / trust_weight_total
            else 1.0 / touches_in_path
        end as credit_trust_weighted,
        case
            when trust_weight_total > 0 then 'trust_weight' else 'linear_fallback'
        end as trust_weighted_basis

    from totals

),

final as (

    select
        -- ids
        cast(credited.opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(credited.share_id as {{ dbt.type_string() }}) as share_id,
        cast(credited.lead_id as {{ dbt.type_string() }}) as lead_id,

        -- the share
        cast(credited.platform as {{ dbt.type_string() }}) as platform,
        cast(credited.content_id as {{ dbt.type_string() }}) as content_id,
        cast(credited.campaign as {{ dbt.type_string() }}) as campaign,
        cast(credited.trust_weight as double) as trust_weight,

        -- the touch
        cast(credited.touched_at as {{ dbt.type_timestamp() }}) as touched_at,
        cast(credited.touch_kind as {{ dbt.type_string() }}) as touch_kind,
        cast(credited.match_rule as {{ dbt.type_string() }}) as match_rule,
        cast(credited.days_before_opportunity as double) as days_before_opportunity,
        cast(credited.touch_position as integer) as touch_position,
        cast(credited.touches_in_path as integer) as touches_in_path,

        -- the opportunity
        cast(credited.opportunity_created_at as {{ dbt.type_timestamp() }})
            as opportunity_created_at,
        cast(opportunities.amount as decimal(18, 2)) as amount,
        cast(opportunities.is_won as {{ dbt.type_boolean() }}) as is_won,
        cast(opportunities.is_closed as {{ dbt.type_boolean() }}) as is_closed,
        cast(opportunities.stage_name as {{ dbt.type_string() }}) as stage_name,
        cast(opportunities.close_date as date) as close_date,

        -- credits (each model's sum to 1 per opportunity)
        cast(credited.credit_first_touch as double) as credit_first_touch,
        cast(credited.credit_last_touch as double) as credit_last_touch,
        cast(credited.credit_linear as double) as credit_linear,
        cast(credited.credit_time_decay as double) as credit_time_decay,
        cast(credited.credit_position_based as double) as credit_position_based,
        cast(credited.credit_trust_weighted as double) as credit_trust_weighted,
        cast(credited.trust_weighted_basis as {{ dbt.type_string() }}) as trust_weighted_basis,

        -- won revenue each model attributes to the share
        {% for model in [
            'first_touch', 'last_touch', 'linear', 'time_decay', 'position_based',
            'trust_weighted'
        ] %}
        cast(
            credited.credit_{{ model }}
            * case when opportunities.is_won then coalesce(opportunities.amount, 0) else 0 end
            as double
        ) as revenue_{{ model }}{{ ',' if not loop.last }}
        {% endfor %}

    from credited
    inner join opportunities
        on credited.opportunity_id = opportunities.opportunity_id

)

select * from final
