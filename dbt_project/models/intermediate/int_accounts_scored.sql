-- Account trust: how likely the account is a genuine person rather than automation, as a
-- transparent scorecard (docs/trust.md gives every signal, its points and their evidence).
--
-- Each signal's value falls in one bin of the seed `trust_scorecard`, whose points (log-odds)
-- it adds: negative points are evidence of a bot, positive of a person. An unknown signal
-- (NULL) adds 0, never a guess; the seed's points are centred so that 0 is what an average
-- account of the data they were fitted on adds, so knowing nothing leaves the intercept.
--
--   trust_score = 1 / (1 + exp(-(intercept + prior + profile_points + behaviour_points)))
--
-- The seed's intercept is fitted at even odds (bots and people weighed alike); `prior` is
-- the log-odds of the var `trust_person_prior`, the share of people among the accounts
-- scored, so trust_score is the probability that the account is a person in such a crowd.
--
-- The points of most signals were fitted on real labeled accounts by `sharesignal
-- fit-trust`; those no real data could check are set by hand, conservatively (the seed's
-- `basis`). Behaviour counts only for accounts seen sharing at least twice: one share says
-- little about habits (`score_basis` = 'profile_only'). A self-declared bot is automation by
-- its own word: its trust is capped at the var `self_declared_bot_cap`. The tiers are cuts
-- of trust_score from the seed `trust_tiers`.
{%- set profile_signals = {
    'account_age_days': 'age_points',
    'post_count': 'activity_points',
    'like_count': 'likes_points',
    'listed_count': 'listed_points',
    'following_per_day': 'following_rate_points',
    'follower_following_log_ratio': 'follower_balance_points',
    'has_empty_bio': 'empty_bio_points',
    'has_default_profile_image': 'default_image_points',
    'handle_digit_count': 'handle_digit_points',
    'is_verified': 'verified_points',
} %}
{%- set behaviour_signals = {
    'median_reshare_latency_seconds': 'latency_points',
    'burst_count': 'burst_points',
    'duplicate_text_ratio': 'duplicate_text_points',
    'pure_reshare_ratio': 'pure_reshare_points',
    'content_diversity': 'low_diversity_points',
} %}
with

profiles as (

    select * from {{ ref('int_account_profile_signals') }}

),

behaviours as (

    select * from {{ ref('int_account_behaviour_signals') }}

),

scorecard as (

    select * from {{ ref('trust_scorecard') }}

),

intercept as (

    select
        points + ln({{ var('trust_person_prior') }} / (1.0 - {{ var('trust_person_prior') }}))
            as intercept
    from scorecard
    where signal = 'intercept'

),

-- each tier from its cut up to the next tier's (a tier whose cut equals the next one's
-- is empty: the higher tier wins)
tiers as (

    select
        tier,
        min_trust_score,
        lead(min_trust_score) over (order by tier_rank) as next_min_trust_score

    from {{ ref('trust_tiers') }}

),

joined as (

    select
        profiles.*,
        coalesce(behaviours.share_count, 0) as share_count,
        behaviours.median_reshare_latency_seconds,
        behaviours.min_reshare_latency_seconds,
        behaviours.fast_reshare_ratio,
        coalesce(behaviours.burst_share_count, 0) as burst_share_count,
        coalesce(behaviours.burst_count, 0) as burst_count,
        behaviours.burst_share_ratio,
        coalesce(behaviours.authored_text_count, 0) as authored_text_count,
        behaviours.duplicate_text_ratio,
        behaviours.pure_reshare_ratio,
        behaviours.content_diversity,
        case
            when coalesce(behaviours.share_count, 0) >= 2 then 'profile_and_behaviour'
            else 'profile_only'
        end as score_basis

    from profiles
    left join behaviours
        on profiles.account_key = behaviours.account_key

),

-- One row per account and known signal; booleans as 0 / 1, and behaviour only for accounts
-- scored on it.
signal_values as (

    {%- for signal in (profile_signals.keys() | list) + (behaviour_signals.keys() | list) %}
    select
        account_key,
        '{{ signal }}' as signal,
        cast({{ signal }} as double) as value
    from joined
    where {{ signal }} is not null
        {%- if signal in behaviour_signals %} and score_basis = 'profile_and_behaviour'{% endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

-- The bin of the scorecard each value falls in: lower bound inclusive, upper exclusive, an
-- empty bound open.
signal_points as (

    select
        signal_values.account_key,
        signal_values.signal,
        scorecard.points

    from signal_values
    inner join scorecard
        on scorecard.signal = signal_values.signal
        and (scorecard.lower_bound is null or signal_values.value >= scorecard.lower_bound)
        and (scorecard.upper_bound is null or signal_values.value < scorecard.upper_bound)

),

points_per_account as (

    select
        account_key,
        {%- for signal, column in (profile_signals.items() | list) + (behaviour_signals.items() | list) %}
        sum(case when signal = '{{ signal }}' then points else 0 end) as {{ column }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from signal_points
    group by account_key

),

pointed as (

    select
        joined.*,
        {%- for column in (profile_signals.values() | list) + (behaviour_signals.values() | list) %}
        coalesce(points_per_account.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        intercept.intercept

    from joined
    left join points_per_account
        on joined.account_key = points_per_account.account_key
    cross join intercept

),

summed as (

    select
        *,
        {{ profile_signals.values() | join(' + ') }} as profile_points,
        {{ behaviour_signals.values() | join(' + ') }} as behaviour_points

    from pointed

),

scored as (

    select
        *,
        1.0 / (1.0 + exp(-(intercept + profile_points))) as profile_score,
        case
            when score_basis = 'profile_and_behaviour'
                then 1.0 / (1.0 + exp(-(intercept + behaviour_points)))
        end as behaviour_score,
        1.0 / (1.0 + exp(-(intercept + profile_points + behaviour_points))) as evidence_score

    from summed

),

capped as (

    select
        *,
        case
            when is_self_declared_bot
                then least(evidence_score, {{ var('self_declared_bot_cap') }})
            else evidence_score
        end as trust_score

    from scored

),

tiered as (

    select
        capped.*,
        tiers.tier as trust_tier

    from capped
    left join tiers
        on capped.trust_score >= tiers.min_trust_score
        and (tiers.next_min_trust_score is null or capped.trust_score < tiers.next_min_trust_score)

),

final as (

    select
        -- ids
        account_key,
        platform,
        account_id,
        handle,

        -- what is known
        has_profile_record,
        has_profile_counts,
        cast(score_basis as {{ dbt.type_string() }}) as score_basis,

        -- profile facts and signals
        account_created_at,
        followers_count,
        following_count,
        post_count,
        listed_count,
        like_count,
        account_age_days,
        follower_following_log_ratio,
        posts_per_day,
        following_per_day,
        has_default_profile_image,
        has_description,
        has_empty_bio,
        is_self_declared_bot,
        is_verified,
        handle_digit_count,
        handle_length,

        -- behaviour signals
        cast(share_count as {{ dbt.type_bigint() }}) as share_count,
        median_reshare_latency_seconds,
        min_reshare_latency_seconds,
        fast_reshare_ratio,
        cast(burst_share_count as {{ dbt.type_bigint() }}) as burst_share_count,
        cast(burst_count as {{ dbt.type_bigint() }}) as burst_count,
        burst_share_ratio,
        duplicate_text_ratio,
        pure_reshare_ratio,
        content_diversity,

        -- points (log-odds) per signal
        {%- for column in (profile_signals.values() | list) + (behaviour_signals.values() | list) %}
        cast({{ column }} as double) as {{ column }},
        {%- endfor %}
        cast(profile_points as double) as profile_points,
        cast(behaviour_points as double) as behaviour_points,

        -- scores
        cast(profile_score as double) as profile_score,
        cast(behaviour_score as double) as behaviour_score,
        cast(trust_score as double) as trust_score,
        cast(trust_tier as {{ dbt.type_string() }}) as trust_tier

    from tiered

)

select * from final
