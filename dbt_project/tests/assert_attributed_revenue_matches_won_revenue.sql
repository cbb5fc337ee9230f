-- A returned row is an attribution model whose revenue in fct_attributed_opportunities does
-- not add up to the won amount of the attributed opportunities (each counted once): the
-- model lost revenue or counted it twice.
with

opportunities as (

    select coalesce(sum(amount), 0) as won_revenue
    from (
        select distinct opportunity_id, amount
        from {{ ref('fct_attributed_opportunities') }}
        where is_won
    ) as won

),

models as (

    select 'first_touch' as model, sum(revenue_first_touch) as revenue
    from {{ ref('fct_attributed_opportunities') }}
    union all
    select 'last_touch', sum(revenue_last_touch) from {{ ref('fct_attributed_opportunities') }}
    union all
    select 'linear', sum(revenue_linear) from {{ ref('fct_attributed_opportunities') }}
    union all
    select 'time_decay', sum(revenue_time_decay) from {{ ref('fct_attributed_opportunities') }}
    union all
    select 'position_based', sum(revenue_position_based)
    from {{ ref('fct_attributed_opportunities') }}
    union all
    select 'trust_weighted', sum(revenue_trust_weighted)
    from {{ ref('fct_attributed_opportunities') }}

)

select
    models.model,
    models.revenue,
    opportunities.won_revenue

from models
cross join opportunities
where abs(coalesce(models.revenue, 0) - opportunities.won_revenue) > 0.01
