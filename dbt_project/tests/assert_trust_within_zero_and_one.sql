-- A returned row is a share weight or an account trust score outside [0, 1].
select
    'fct_shares' as model,
    share_id as id,
    trust_weight as trust

from {{ ref('fct_shares') }}
where trust_weight < 0 or trust_weight > 1

union all

select
    'dim_accounts' as model,
    account_key as id,
    trust_score as trust

from {{ ref('dim_accounts') }}
where trust_score < 0 or trust_score > 1
