-- The behaviour signals of every account that shared, computed from its shares in the
-- warehouse, each its own column (docs/trust.md gives the literature and the weights):
--   * reaction latency: how soon after the post it reacts to the account reshares or quotes
--     (median and fastest), and the share of its reshares that came within a minute;
--   * coordinated bursts: how many of its shares sat in one (int_shares_timed), and in how
--     many distinct bursts;
--   * duplicate text: how many of its own posts (originals, quotes, replies with words)
--     repeat, word for word, a text another account posted within the burst window
--     (co-posting, see int_shares_timed);
--   * pure resharing: the share of its activity that is reshares without a word of its own;
--   * diversity: distinct roots and distinct links over its shares.
-- Rates carry their denominators, so a score can trust rates from many shares more.
with

shares as (

    select * from {{ ref('int_share_facts') }}

),

per_account as (

    select
        shares.account_key,
        count(*) as share_count,
        sum(case when shares.share_type = 'original' then 1 else 0 end) as original_count,
        sum(case when shares.share_type = 'reshare' then 1 else 0 end) as reshare_count,
        sum(case when shares.share_type = 'quote' then 1 else 0 end) as quote_count,
        sum(case when shares.share_type = 'reply' then 1 else 0 end) as reply_count,
        count(distinct shares.root_share_id) as distinct_root_count,
        -- what was shared: the link, else (a quote or reply without one) the root post
        count(distinct coalesce(shares.shared_url, shares.root_share_id)) as distinct_content_count,
        sum(
            case
                when shares.share_type in ('original', 'quote', 'reply')
                    and shares.text_fingerprint is not null
                then 1 else 0
            end
        ) as authored_text_count,
        sum(case when shares.is_co_posted_text then 1 else 0 end) as duplicate_text_count,
        sum(case when shares.in_coordinated_burst then 1 else 0 end) as burst_share_count,
        count(distinct shares.burst_id) as burst_count,
        count(
            case when shares.share_type in ('reshare', 'quote') then shares.reaction_latency_seconds end
        ) as timed_reshare_count,
        percentile_cont(0.5) within group (
            order by case
                when shares.share_type in ('reshare', 'quote') then shares.reaction_latency_seconds
            end
        ) as median_reshare_latency_seconds,
        min(
            case when shares.share_type in ('reshare', 'quote') then shares.reaction_latency_seconds end
        ) as min_reshare_latency_seconds,
        sum(
            case
                when shares.share_type in ('reshare', 'quote')
                    and shares.reaction_latency_seconds < 60
                then 1 else 0
            end
        ) as fast_reshare_count

    from shares
    group by shares.account_key

),

final as (

    select
        -- ids
        per_account.account_key,

        -- counts (the denominators)
        cast(per_account.share_count as {{ dbt.type_bigint() }}) as share_count,
        cast(per_account.original_count as {{ dbt.type_bigint() }}) as original_count,
        cast(per_account.reshare_count as {{ dbt.type_bigint() }}) as reshare_count,
        cast(per_account.quote_count as {{ dbt.type_bigint() }}) as quote_count,
        cast(per_account.reply_count as {{ dbt.type_bigint() }}) as reply_count,
        cast(per_account.timed_reshare_count as {{ dbt.type_bigint() }}) as timed_reshare_count,
        cast(per_account.authored_text_count as {{ dbt.type_bigint() }}) as authored_text_count,

        -- latency
        cast(per_account.median_reshare_latency_seconds as double)
            as median_reshare_latency_seconds,
        cast(per_account.min_reshare_latency_seconds as double) as min_reshare_latency_seconds,
        cast(
            case
                when per_account.timed_reshare_count > 0
                    then per_account.fast_reshare_count * 1.0 / per_account.timed_reshare_count
            end as double
        ) as fast_reshare_ratio,

        -- coordination
        cast(per_account.burst_share_count as {{ dbt.type_bigint() }}) as burst_share_count,
        cast(per_account.burst_count as {{ dbt.type_bigint() }}) as burst_count,
        cast(per_account.burst_share_count * 1.0 / per_account.share_count as double)
            as burst_share_ratio,

        -- duplicate text
        cast(per_account.duplicate_text_count as {{ dbt.type_bigint() }}) as duplicate_text_count,
        cast(
            case
                when per_account.authored_text_count > 0
                    then per_account.duplicate_text_count * 1.0 / per_account.authored_text_count
            end as double
        ) as duplicate_text_ratio,

        -- resharing and diversity
        cast(per_account.reshare_count * 1.0 / per_account.share_count as double)
            as pure_reshare_ratio,
        cast(per_account.distinct_root_count * 1.0 / per_account.share_count as double)
            as root_diversity,
        cast(per_account.distinct_content_count * 1.0 / per_account.share_count as double)
            as content_diversity

    from per_account

)

select * from final
