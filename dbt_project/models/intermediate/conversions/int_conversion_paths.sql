-- One row per CRM lead and share that touched it (a lead no share touched: one row with no
-- share), with the opportunity the lead was converted into. Rules (docs/conversions.md):
--
-- * `ga_client_id`: the lead's GA client id is the browser (user_pseudo_id) of web sessions
--   linked to shares (`int_share_touches`) that started no later than the lead was created
--   (`touch_clock_skew_seconds` of tolerance). Every such session counts: a person may have
--   come through several shares before filling in the form on a later, direct visit.
-- * `lead_utm_content`: only when no session links the lead (no client id, or its sessions are
--   not in the export), the lead's UTM_Content__c token names the share that posted it first,
--   if that share was posted before the lead was created; the touch is the lead itself.
-- * Opportunity: the lead's ConvertedOpportunityId (several leads may convert into one).
--
-- A table rebuilt in full on every run: leads and opportunities are few, and CRM records
-- change weeks after the share (an opportunity closes, a lead converts); every touch in
-- `int_share_touches` stays available to them.
{%- set skew = var('touch_clock_skew_seconds', 60) %}
with

leads as (

    select
        lead_id,
        ga_client_id,
        converted_opportunity_id,
        lead_source,
        {{ tracking_value('utm_content') }} as utm_content,
        created_at

    from {{ ref('stg_crm__leads') }}

),

opportunities as (

    select opportunity_id, amount, is_won, is_closed, close_date, created_at
    from {{ ref('stg_crm__opportunities') }}

),

session_touches as (

    select * from {{ ref('int_share_touches') }}
    where touch_kind = 'session'

),

links as (

    select share_id, platform, content_id, utm_content, shared_at
    from {{ ref('int_share_links') }}
    where is_link_owner

),

by_client_id as (

    select
        leads.lead_id,
        session_touches.share_id,
        session_touches.platform,
        session_touches.content_id,
        session_touches.touch_id,
        session_touches.touch_kind,
        session_touches.match_rule,
        'ga_client_id' as lead_match_rule,
        session_touches.touched_at

    from leads
    inner join session_touches
        on leads.ga_client_id = session_touches.user_pseudo_id
    where session_touches.touched_at <= {{ dbt.dateadd('second', skew, 'leads.created_at') }}

),

by_lead_tags as (

    select
        leads.lead_id,
        links.share_id,
        links.platform,
        links.content_id,
        {{ dbt.concat(["'lead:'", "leads.lead_id"]) }} as touch_id,
        'lead' as touch_kind,
        'lead_utm_content' as match_rule,
        'lead_utm_content' as lead_match_rule,
        leads.created_at as touched_at

    from leads
    inner join links
        on leads.utm_content = links.utm_content
    where leads.created_at >= links.shared_at
        and leads.lead_id not in (select lead_id from by_client_id)

),

touches as (

    select * from by_client_id
    union all
    select * from by_lead_tags

),

final as (

    select
        leads.lead_id,
        leads.lead_source,
        leads.created_at as lead_created_at,
        touches.share_id,
        touches.platform,
        touches.content_id,
        touches.touch_id,
        touches.touch_kind,
        touches.match_rule,
        touches.lead_match_rule,
        touches.touched_at,
        opportunities.opportunity_id,
        opportunities.created_at as opportunity_created_at,
        opportunities.amount,
        opportunities.is_won,
        opportunities.is_closed,
        opportunities.close_date

    from leads
    left join touches
        on leads.lead_id = touches.lead_id
    left join opportunities
        on leads.converted_opportunity_id = opportunities.opportunity_id

)

select * from final
