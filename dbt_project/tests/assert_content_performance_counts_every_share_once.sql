-- A returned row means mart_content_performance counts a different number of shares (or
-- trust weight) than fct_shares holds for catalog content: a share was lost or counted twice.
with

facts as (

    select
        count(*) as shares,
        coalesce(sum(trust_weight), 0) as trust_weight

    from {{ ref('fct_shares') }}
    where content_id is not null

),

mart as (

    select
        coalesce(sum(raw_shares), 0) as shares,
        coalesce(sum(trust_weighted_shares), 0) as trust_weight

    from {{ ref('mart_content_performance') }}

)

select
    facts.shares as fact_shares,
    mart.shares as mart_shares,
    facts.trust_weight as fact_trust_weight,
    mart.trust_weight as mart_trust_weight

from facts
cross join mart
where facts.shares != mart.shares
    -- Sums of doubles in a different order may differ in the last bits.
    or abs(facts.trust_weight - mart.trust_weight) > 1e-6
