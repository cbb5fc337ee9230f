-- A returned row is a share whose trust weight lies outside [0, 1].
select
    share_id,
    trust_weight

from {{ ref('fct_shares') }}
where trust_weight < 0 or trust_weight > 1
