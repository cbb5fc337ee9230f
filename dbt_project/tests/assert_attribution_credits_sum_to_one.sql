-- A returned row is an opportunity whose credits under one of the six attribution models in
-- fct_attributed_opportunities do not sum to 1 (beyond floating-point error), or a credit
-- outside [0, 1]: credit was lost, invented or given twice.
with

sums as (

    select
        opportunity_id,
        sum(credit_first_touch) as first_touch,
        sum(credit_last_touch) as last_touch,
        sum(credit_linear) as linear,
        sum(credit_time_decay) as time_decay,
        sum(credit_position_based) as position_based,
        sum(credit_trust_weighted) as trust_weighted,
        min(least(
            credit_first_touch, credit_last_touch, credit_linear, credit_time_decay,
            credit_position_based, credit_trust_weighted
        )) as lowest_credit,
        max(greatest(
            credit_first_touch, credit_last_touch, credit_linear, credit_time_decay,
            credit_position_based, credit_trust_weighted
        )) as highest_credit

    from {{ ref('fct_attributed_opportunities') }}
    group by opportunity_id

)

select *
from sums
where abs(first_touch - 1) > 1e-9
    or abs(last_touch - 1) > 1e-9
    or abs(linear - 1) > 1e-9
    or abs(time_decay - 1) > 1e-9
    or abs(position_based - 1) > 1e-9
    or abs(trust_weighted - 1) > 1e-9
    or first_touch is null
    or last_touch is null
    or linear is null
    or time_decay is null
    or position_based is null
    or trust_weighted is null
    or lowest_credit < 0
    or highest_credit > 1 + 1e-9
