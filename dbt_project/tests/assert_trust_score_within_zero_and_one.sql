-- A returned row is an account whose trust score lies outside [0, 1].
select
    account_key,
    trust_score

from {{ ref('dim_accounts') }}
where trust_score < 0 or trust_score > 1
