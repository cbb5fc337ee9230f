-- PLACEHOLDER trust score (issue #4 replaces it with documented profile and behaviour parts):
-- self-declared bots 0.05; a default profile image with fewer than 10 followers 0.2; any
-- other account with a profile record 1.0; an account with no profile record at all 0.5.
with

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

scored as (

    select
        *,
        cast(
            case
                when not has_profile_record then 0.5
                when is_self_declared_bot then 0.05
                when has_default_profile_image and followers_count < 10 then 0.2
                else 1.0
            end as double
        ) as trust_score

    from accounts

),

final as (

    select
        *,
        case
            when trust_score >= 0.8 then 'trusted'
            when trust_score >= 0.4 then 'neutral'
            when trust_score >= 0.1 then 'suspect'
            else 'likely_bot'
        end as trust_tier

    from scored

)

select * from final
