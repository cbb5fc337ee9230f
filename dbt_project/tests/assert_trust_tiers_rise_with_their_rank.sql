-- A returned row is a trust tier (seed trust_tiers) whose cut falls below a lower-ranked
-- tier's: the two tiers would hold one score.
select 'tier ' || higher.tier || ' starts below ' || lower.tier as problem

from {{ ref('trust_tiers') }} as lower
inner join {{ ref('trust_tiers') }} as higher
    on higher.tier_rank > lower.tier_rank
    and higher.min_trust_score < lower.min_trust_score
