-- A returned row is an account that declares itself a bot yet is trusted above the cap
-- (var self_declared_bot_cap), or whose behaviour score is missing although it was scored
-- on its behaviour.
select
    account_key,
    is_self_declared_bot,
    score_basis,
    behaviour_score,
    trust_score

from {{ ref('dim_accounts') }}
where (is_self_declared_bot and trust_score > {{ var('self_declared_bot_cap') }})
    or (score_basis = 'profile_and_behaviour' and behaviour_score is null)
    or (score_basis = 'profile_only' and behaviour_score is not null)
