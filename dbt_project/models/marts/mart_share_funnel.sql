-- One row per platform, campaign, content and UTC day of sharing: the shares made that day
-- and everything that came of them, whenever it happened (a cohort by share day): clicks on
-- their links, web sessions they brought, leads from those sessions, opportunities they
-- touched (fct_attributed_opportunities), the pipeline and won revenue of those
-- opportunities, and the rate between each step.
--
-- * Campaign: the shared content's catalog campaign, `(none)` when the content has none or
--   the share links no catalog content (content_id NULL). Every share is in exactly one row,
--   so shares and trust-weighted shares add up to fct_shares.
-- * Clicks, sessions and leads: the responses the matching rules linked to the link a share
--   posted (`share_responses` below), each counted once per row.
-- * Opportunities, pipeline_amount, won_revenue: opportunities touched by the row's shares,
--   each counted once per row with its full amount. An opportunity touched by shares in two
--   rows counts in both, so these do not add up across rows; `attributed_won_revenue_*`
--   (credits x won amount) do.
with

shares as (

    select
        fct_shares.share_id,
        fct_shares.platform,
        fct_shares.content_id,
        coalesce(dim_content.campaign, '(none)') as campaign,
        fct_shares.share_date,
        fct_shares.trust_weight

    from {{ ref('fct_shares') }} as fct_shares
    left join {{ ref('dim_content') }} as dim_content
        on fct_shares.content_id = dim_content.content_id

),

-- Each share's responses, one row per share and response, as the matching rules of
-- docs/conversions.md linked them: clicks and web sessions (`int_share_touches`: its short
-- link, its utm_content token, or its tags and time) and CRM leads those sessions' browsers
-- created (`int_conversion_paths`). A reshare repeats its parent's link, so responses count
-- for the share that posted the link.
share_responses as (

    select
        share_id,
        touch_kind as response,
        case when touch_kind = 'click' then click_id else session_key end as response_id
    from {{ ref('int_share_touches') }}
    where touch_kind in ('click', 'session')

    union all

    select share_id, 'lead', lead_id
    from {{ ref('int_conversion_paths') }}
    where share_id is not null

),

attributed as (

    select
        share_id,
        opportunity_id,
        amount,
        is_won,
        revenue_linear,
        revenue_trust_weighted

    from {{ ref('fct_attributed_opportunities') }}

),

share_counts as (

    select
        shares.platform,
        shares.campaign,
        shares.content_id,
        shares.share_date,
        count(*) as shares,
        sum(shares.trust_weight) as trust_weighted_shares

    from shares
    group by shares.platform, shares.campaign, shares.content_id, shares.share_date

),

response_counts as (

    select
        shares.platform,
        shares.campaign,
        shares.content_id,
        shares.share_date,
        count(distinct case when share_responses.response = 'click'
            then share_responses.response_id end) as clicks,
        count(distinct case when share_responses.response = 'session'
            then share_responses.response_id end) as sessions,
        count(distinct case when share_responses.response = 'lead'
            then share_responses.response_id end) as leads

    from shares
    inner join share_responses
        on shares.share_id = share_responses.share_id
    group by shares.platform, shares.campaign, shares.content_id, shares.share_date

),

-- each opportunity once per row
row_opportunities as (

    select distinct
        shares.platform,
        shares.campaign,
        shares.content_id,
        shares.share_date,
        attributed.opportunity_id,
        attributed.amount,
        attributed.is_won

    from shares
    inner join attributed
        on shares.share_id = attributed.share_id

),

opportunity_counts as (

    select
        platform,
        campaign,
        content_id,
        share_date,
        count(*) as opportunities,
        sum(case when is_won then 1 else 0 end) as won_opportunities,
        sum(coalesce(amount, 0)) as pipeline_amount,
        sum(case when is_won then coalesce(amount, 0) else 0 end) as won_revenue

    from row_opportunities
    group by platform, campaign, content_id, share_date

),

attributed_revenue as (

    select
        shares.platform,
        shares.campaign,
        shares.content_id,
        shares.share_date,
        sum(attributed.revenue_linear) as attributed_won_revenue_linear,
        sum(attributed.revenue_trust_weighted) as attributed_won_revenue_trust_weighted

    from shares
    inner join attributed
        on shares.share_id = attributed.share_id
    group by shares.platform, shares.campaign, shares.content_id, shares.share_date

),

joined as (

    select
        share_counts.platform,
        share_counts.campaign,
        share_counts.content_id,
        share_counts.share_date,
        share_counts.shares,
        share_counts.trust_weighted_shares,
        coalesce(response_counts.clicks, 0) as clicks,
        coalesce(response_counts.sessions, 0) as sessions,
        coalesce(response_counts.leads, 0) as leads,
        coalesce(opportunity_counts.opportunities, 0) as opportunities,
        coalesce(opportunity_counts.won_opportunities, 0) as won_opportunities,
        coalesce(opportunity_counts.pipeline_amount, 0) as pipeline_amount,
        coalesce(opportunity_counts.won_revenue, 0) as won_revenue,
        coalesce(attributed_revenue.attributed_won_revenue_linear, 0)
            as attributed_won_revenue_linear,
        coalesce(attributed_revenue.attributed_won_revenue_trust_weighted, 0)
            as attributed_won_revenue_trust_weighted

    from share_counts
    {% for part in ['response_counts', 'opportunity_counts', 'attributed_revenue'] %}
    left join {{ part }}
        on share_counts.platform = {{ part }}.platform
        and share_counts.campaign = {{ part }}.campaign
        and share_counts.share_date = {{ part }}.share_date
        and (
            share_counts.content_id = {{ part }}.content_id
            or (share_counts.content_id is null and {{ part }}.content_id is null)
        )
    {% endfor %}

),

final as (

    select
        -- grain
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(campaign as {{ dbt.type_string() }}) as campaign,
        cast(content_id as {{ dbt.type_string() }}) as content_id,
        cast(share_date as date) as share_date,

        -- steps
        cast(shares as {{ dbt.type_bigint() }}) as shares,
        cast(trust_weighted_shares as double) as trust_weighted_shares,
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

        -- rates between the steps (NULL when the step before is 0)
        cast(trust_weighted_shares / shares as double) as trust_weighted_share_ratio,
        cast(case when shares > 0 then 1.0 * clicks / shares end as double) as click_rate,
        cast(case when clicks > 0 then 1.0 * sessions / clicks end as double) as session_rate,
        cast(case when sessions > 0 then 1.0 * leads / sessions end as double) as lead_rate,
        cast(case when leads > 0 then 1.0 * opportunities / leads end as double)
            as opportunity_rate,
        cast(case when opportunities > 0 then 1.0 * won_opportunities / opportunities end
            as double) as win_rate

    from joined

)

select * from final
