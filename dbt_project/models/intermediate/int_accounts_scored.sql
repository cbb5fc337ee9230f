-- Account trust: how likely the account is a genuine person (or the business's own, staffed
-- account) rather than automation, as a transparent points model. docs/trust.md gives every
-- signal's reason and literature; the dbt doc block `trust_score` says the same in short.
--
-- Every signal adds points (log-odds) to a prior: negative points are evidence of a bot,
-- positive points evidence of a person, 0 means no evidence either way (also when a signal
-- is unknown: NULL signals add nothing, they are never guessed). Each signal's points are
-- bounded, so no single signal decides alone (the self-declared bot flag excepted).
--
--   trust_score = 1 / (1 + exp(-(prior + profile_points + behaviour_points)))
--
-- prior 2.0: about 12 % of active accounts are bots (Varol et al. 2017 estimate 9-15 %),
-- ln(0.88 / 0.12) = 2.0. Rates from few shares count less: behaviour rates are multiplied
-- by the confidence n / (n + 5). An account seen sharing once (or never) is scored on its
-- profile alone (`score_basis` = 'profile_only'): one share says little about habits (its
-- share still gets the network factor in fct_shares). A self-declared bot is automation by
-- its own word: its trust is capped at `self_declared_bot_cap`.
{%- set w = {
    'prior': 2.0,
    'age_per_doubling': 1.0,
    'age_reference_days': 90,
    'balance_per_log_unit': 0.8,
    'balance_threshold': -1.5,
    'posting_per_doubling': 1.0,
    'posting_threshold_per_day': 25,
    'listed_per_log_unit': 0.4,
    'default_image': -1.5,
    'empty_bio': -1.0,
    'handle_digit': -0.5,
    'verified': 1.0,
    'latency_per_halving': 1.25,
    'latency_reference_seconds': 300,
    'burst_each': -1.0,
    'burst_ratio': -3.0,
    'duplicate_text_ratio': -3.0,
    'pure_reshare': -2.0,
    'low_diversity': -2.0,
    'confidence_shares': 5,
    'self_declared_bot_cap': 0.02,
} %}
with

profiles as (

    select * from {{ ref('int_account_profile_signals') }}

),

behaviours as (

    select * from {{ ref('int_account_behaviour_signals') }}

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

pointed as (

    -- Each signal's points; an unknown signal (NULL) adds 0. (The explicit NULL tests matter:
    -- least/greatest skip NULLs on some engines.)
    select
        *,

        -- profile: young accounts are cheap to make and throw away (Yang et al. 2020 user
        -- age): 1 point per doubling of age around 90 days, from -3 (11 days) to +2 (1 year)
        case
            when account_age_days is null then 0
            else {{ w.age_per_doubling }} * least(greatest(
                ln(greatest(account_age_days, 0.01) / {{ w.age_reference_days }}) / ln(2.0), -3), 2)
        end as age_points,
        -- following far more accounts than follow back (follow-spam; Yang et al. 2020
        -- followers/friends ratio): -0.8 per log unit below ln ratio -1.5, at most -3.2
        case
            when follower_following_log_ratio is null then 0
            else {{ w.balance_per_log_unit }}
                * least(greatest(follower_following_log_ratio - ({{ w.balance_threshold }}), -4), 0)
        end as follower_balance_points,
        -- posting all day every day (more than 50 a day is "heavy automation", Howard and
        -- Kollanyi 2016): -1 per doubling above 25 a day, at most -4
        case
            when posts_per_day is null then 0
            else -{{ w.posting_per_doubling }} * least(greatest(
                ln(greatest(posts_per_day, 0.01) / {{ w.posting_threshold_per_day }}) / ln(2.0), 0), 4)
        end as posting_rate_points,
        -- others put the account on their lists (X; Yang et al. 2020 listed count):
        -- +0.4 per log unit, at most +1.2
        case
            when listed_count is null then 0
            else {{ w.listed_per_log_unit }} * least(ln(1.0 + greatest(listed_count, 0)), 3)
        end as listed_points,
        case when has_default_profile_image then {{ w.default_image }} else 0 end
            as default_image_points,
        case when has_empty_bio then {{ w.empty_bio }} else 0 end as empty_bio_points,
        -- generated handles carry digit runs (Yang et al. 2020 digits in screen name):
        -- -0.5 per digit beyond two, at most -2.5; 0 while staging does not expose it
        case
            when handle_digit_count is null then 0
            else {{ w.handle_digit }} * least(greatest(handle_digit_count - 2, 0), 5)
        end as handle_digit_points,
        case when is_verified then {{ w.verified }} else 0 end as verified_points,

        -- behaviour (0 for a profile-only score)
        -- resharing within seconds of the post (RTbust, Mazza et al. 2019; DeBot, Chavoshi
        -- et al. 2016): -1.25 per halving of the median latency below 5 minutes, at most -6.25
        case
            when score_basis = 'profile_only' or median_reshare_latency_seconds is null then 0
            else -{{ w.latency_per_halving }} * least(greatest(
                ln({{ w.latency_reference_seconds }} / greatest(median_reshare_latency_seconds, 1))
                / ln(2.0), 0), 5)
        end as latency_points,
        -- taking part in coordinated bursts (co-retweeting, Keller et al. 2020; Pacheco et
        -- al. 2021): -1 per distinct burst (at most 5) and -3 times the share in bursts
        case
            when score_basis = 'profile_only' then 0
            else {{ w.burst_each }} * least(burst_count, 5)
                + {{ w.burst_ratio }} * coalesce(burst_share_ratio, 0)
        end as burst_points,
        -- the same words as other accounts within a minute (co-tweeting, Keller et al. 2020)
        case
            when score_basis = 'profile_only' or duplicate_text_ratio is null then 0
            else {{ w.duplicate_text_ratio }} * duplicate_text_ratio
                * authored_text_count / (authored_text_count + {{ w.confidence_shares }})
        end as duplicate_text_points,
        -- nothing but reshares, no word of its own (Varol et al. 2017; Ferrara et al. 2016):
        -- from 0 at 80 % reshares to -2 at 100 %
        case
            when score_basis = 'profile_only' or pure_reshare_ratio is null then 0
            else {{ w.pure_reshare }}
                * least(greatest((pure_reshare_ratio - 0.8) / 0.2, 0), 1)
                * share_count / (share_count + {{ w.confidence_shares }})
        end as pure_reshare_points,
        -- pushing the same few things again and again (Cresci et al. 2017 low behavioural
        -- diversity): from 0 at 70 % distinct content to -2 at 30 % or less
        case
            when score_basis = 'profile_only' or content_diversity is null then 0
            else {{ w.low_diversity }}
                * least(greatest((0.7 - content_diversity) / 0.4, 0), 1)
                * share_count / (share_count + {{ w.confidence_shares }})
        end as low_diversity_points

    from joined

),

summed as (

    select
        *,
        age_points + follower_balance_points + posting_rate_points + listed_points
            + default_image_points + empty_bio_points + handle_digit_points + verified_points
            as profile_points,
        latency_points + burst_points + duplicate_text_points + pure_reshare_points
            + low_diversity_points as behaviour_points

    from pointed

),

scored as (

    select
        *,
        1.0 / (1.0 + exp(-({{ w.prior }} + profile_points))) as profile_score,
        case
            when score_basis = 'profile_and_behaviour'
                then 1.0 / (1.0 + exp(-({{ w.prior }} + behaviour_points)))
        end as behaviour_score,
        1.0 / (1.0 + exp(-({{ w.prior }} + profile_points + behaviour_points))) as evidence_score

    from summed

),

capped as (

    select
        *,
        case
            when is_self_declared_bot then least(evidence_score, {{ w.self_declared_bot_cap }})
            else evidence_score
        end as trust_score

    from scored

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
        account_age_days,
        follower_following_log_ratio,
        posts_per_day,
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
        cast(age_points as double) as age_points,
        cast(follower_balance_points as double) as follower_balance_points,
        cast(posting_rate_points as double) as posting_rate_points,
        cast(listed_points as double) as listed_points,
        cast(default_image_points as double) as default_image_points,
        cast(empty_bio_points as double) as empty_bio_points,
        cast(handle_digit_points as double) as handle_digit_points,
        cast(verified_points as double) as verified_points,
        cast(latency_points as double) as latency_points,
        cast(burst_points as double) as burst_points,
        cast(duplicate_text_points as double) as duplicate_text_points,
        cast(pure_reshare_points as double) as pure_reshare_points,
        cast(low_diversity_points as double) as low_diversity_points,
        cast(profile_points as double) as profile_points,
        cast(behaviour_points as double) as behaviour_points,

        -- scores
        cast(profile_score as double) as profile_score,
        cast(behaviour_score as double) as behaviour_score,
        cast(trust_score as double) as trust_score,
        cast(
            case
                when trust_score >= 0.9 then 'trusted'
                when trust_score >= 0.5 then 'neutral'
                when trust_score >= 0.1 then 'suspect'
                else 'likely_bot'
            end as {{ dbt.type_string() }}
        ) as trust_tier

    from capped

)

select * from final
