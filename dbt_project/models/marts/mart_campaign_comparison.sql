-- One row per campaign: the comparison the business asked for. Raw share counts beside
-- trust-weighted shares, and what the sharing brought (opportunities, pipeline, won revenue),
-- so a campaign with 100,000 bought retweets and no pipeline is plain to see: a large
-- `share_of_all_shares`, a small `trust_weighted_share_ratio`, and no opportunities.
--
-- * Campaign: the shared content's catalog campaign, `(none)` for content without one and for
--   shares that link no catalog content (as in mart_share_funnel).
-- * Shares, trust-weighted shares, clicks, sessions, leads and attributed revenue add up the
--   campaign's rows of mart_share_funnel.
-- * Opportunities, pipeline_amount and won_revenue count each opportunity a share of the
--   campaign touched once, with its full amount: an opportunity touched by two campaigns
--   counts in both; the attributed revenue splits it (credits sum to 1).
with

funnel as (

    select * from {{ ref('mart_share_funnel') }}

),

shares as (

    select
        fct_shares.share_id,
        coalesce(dim_content.campaign, '(none)') as campaign,
        fct_shares.in_coordinated_burst,
        dim_accounts.trust_tier

    from {{ ref('fct_shares') }} as fct_shares
    left join {{ ref('dim_content') }} as dim_content
        on fct_shares.content_id = dim_content.content_id
    left join {{ ref('dim_accounts') }} as dim_accounts
        on fct_shares.account_key = dim_accounts.account_key

),

funnel_totals as (

    select
        campaign,
        count(distinct content_id) as content_items,
        sum(shares) as shares,
        sum(trust_weighted_shares) as trust_weighted_shares,
        sum(clicks) as clicks,
        sum(sessions) as sessions,
        sum(leads) as leads,
        sum(attributed_won_revenue_linear) as attributed_won_revenue_linear,
        sum(attributed_won_revenue_trust_weighted) as attributed_won_revenue_trust_weighted

    from funnel
    group by campaign

),

amplification as (

    select
        campaign,
        sum(case when trust_tier in ('suspect', 'likely_bot') then 1 else 0 end)
            as suspected_shares,
        sum(case when in_coordinated_burst then 1 else 0 end) as burst_shares

    from shares
    group by campaign

),

campaign_opportunities as (

    select distinct
        shares.campaign,
        attributed.opportunity_id,
        attributed.amount,
        attributed.is_won

    from {{ ref('fct_attributed_opportunities') }} as attributed
    inner join shares
        on attributed.share_id = shares.share_id

),

opportunity_totals as (

    select
        campaign,
        count(*) as opportunities,
        sum(case when is_won then 1 else 0 end) as won_opportunities,
        sum(coalesce(amount, 0)) as pipeline_amount,
        sum(case when is_won then coalesce(amount, 0) else 0 end) as won_revenue

    from campaign_opportunities
    group by campaign

),

joined as (

    select
        funnel_totals.*,
        coalesce(amplification.suspected_shares, 0) as suspected_shares,
        coalesce(amplification.burst_shares, 0) as burst_shares,
        coalesce(opportunity_totals.opportunities, 0) as opportunities,
        coalesce(opportunity_totals.won_opportunities, 0) as won_opportunities,
        coalesce(opportunity_totals.pipeline_amount, 0) as pipeline_amount,
        coalesce(opportunity_totals.won_revenue, 0) as won_revenue,
        sum(funnel_totals.shares) over () as all_shares,
        sum(funnel_totals.trust_weighted_shares) over () as all_trust_weighted_shares,
        sum(funnel_totals.attributed_won_revenue_trust_weighted) over ()
            as all_attributed_won_revenue

    from funnel_totals
    left join amplification
        on funnel_totals.campaign = amplification.campaign
    left join opportunity_totals
        on funnel_totals.campaign = opportunity_totals.campaign

),

final as (

    select
        -- grain
        cast(campaign as {{ dbt.type_string() }}) as campaign,
        cast(content_items as {{ dbt.type_bigint() }}) as content_items,

        -- vanity: how loud the sharing was
        cast(shares as {{ dbt.type_bigint() }}) as shares,
        cast(suspected_shares as {{ dbt.type_bigint() }}) as suspected_shares,
        cast(burst_shares as {{ dbt.type_bigint() }}) as burst_shares,
        cast(case when all_shares > 0 then 1.0 * shares / all_shares end as double)
            as share_of_all_shares,

        -- what the sharing is worth
        cast(trust_weighted_shares as double) as trust_weighted_shares,
        cast(case when shares > 0 then trust_weighted_shares / shares end as double)
            as trust_weighted_share_ratio,
        cast(case
            when all_trust_weighted_shares > 0
                then trust_weighted_shares / all_trust_weighted_shares
        end as double) as share_of_trust_weighted_shares,

        -- what it brought
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(leads as {{ dbt.type_bigint() }}) as leads,
        cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
        cast(won_opportunities as {{ dbt.type_bigint() }}) as won_opportunities,
        cast(pipeline_amount as decimal(18, 2)) as pipeline_amount,
        cast(won_revenue as decimal(18, 2)) as won_revenue,
        cast(attributed_won_revenue_linear as double) as attributed_won_revenue_linear,
        cast(attributed_won_revenue_trust_weighted as double)
            as attributed_won_revenue_trust_weighted,
        cast(case
            when all_attributed_won_revenue > 0
                then attributed_won_revenue_trust_weighted / all_attributed_won_revenue
        end as double) as share_of_attributed_won_revenue,
        cast(case when shares > 0 then 1000.0 * won_revenue / shares end as double)
            as won_revenue_per_1000_shares,
        cast(case when trust_weighted_shares > 0 then won_revenue / trust_weighted_shares end
            as double) as won_revenue_per_trust_weighted_share

    from joined

)

select * from final
