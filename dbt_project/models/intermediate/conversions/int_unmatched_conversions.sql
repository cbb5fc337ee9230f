-- Every click, web session, lead and opportunity that no share is credited with, and why
-- (docs/conversions.md). Nothing disappears: together with `int_share_touches` and the
-- touched rows of `int_conversion_paths` this is every row of the click log, the sessions,
-- the leads and the opportunities.
--
-- Reasons, the first that applies:
-- * click: `no_share_link` (neither its hash nor its URL's utm_content belongs to any
--   share's link: newsletters, links posted elsewhere), `before_share` (its share was
--   posted after it).
-- * session: `no_campaign_tags` (no UTM tags: direct, search or referral traffic),
--   `not_a_share_token` (tagged, but not with a share's utm_content: email, ads),
--   `before_share`, `ambiguous_tags` (no token; source, campaign and content fit several
--   shares), `no_matching_share` (no token; nothing fits).
-- * lead: `no_client_id_or_tags` (offline leads: trade show, phone), `no_share_session`
--   (its browser's sessions came from no share, and its UTM fields name none).
-- * opportunity: `no_converted_lead` (no lead was converted into it), `lead_without_share`
--   (its leads have no share touch), `outside_lookback` (its share touches are more than
--   `attribution_lookback_days` before it was created, or after).
{%- set skew = var('touch_clock_skew_seconds', 60) %}
with

links as (

    select * from {{ ref('int_share_links') }}
    where is_link_owner

),

touches as (

    select touch_id from {{ ref('int_share_touches') }}

),

clicks as (

    select
        click_id,
        link_hash,
        {{ tracking_param('long_url', "'utm_content'") }} as utm_content,
        clicked_at

    from {{ ref('stg_clicks__clicks') }}

),

unmatched_clicks as (

    select
        'click' as conversion_kind,
        clicks.click_id as conversion_id,
        clicks.clicked_at as occurred_at,
        case
            when not exists (
                select 1 from links
                where links.link_hash = clicks.link_hash
                    or links.utm_content = clicks.utm_content
            ) then 'no_share_link'
            else 'before_share'
        end as unmatched_reason

    from clicks
    where {{ dbt.concat(["'click:'", "clicks.click_id"]) }} not in (select touch_id from touches)

),

sessions as (

    select * from {{ ref('int_sessions') }}

),

unmatched_sessions as (

    select
        'session' as conversion_kind,
        sessions.session_key,
        sessions.session_started_at,
        case
            when coalesce(
                sessions.utm_source, sessions.utm_medium, sessions.utm_campaign,
                sessions.utm_content
            ) is null then 'no_campaign_tags'
            when sessions.utm_content is not null and not exists (
                select 1 from links where links.utm_content = sessions.utm_content
            ) then 'not_a_share_token'
            when sessions.utm_content is not null then 'before_share'
            when (
                select count(*) from links
                where links.utm_source = sessions.utm_source
                    and links.utm_campaign = sessions.utm_campaign
                    and links.content_id = sessions.content_id
                    and sessions.session_started_at
                        >= {{ dbt.dateadd('second', -skew, 'links.shared_at') }}
                    and sessions.session_started_at <= {{ dbt.dateadd(
                        'day', var('attribution_lookback_days', 30), 'links.shared_at') }}
            ) > 1 then 'ambiguous_tags'
            else 'no_matching_share'
        end

    from sessions
    where {{ dbt.concat(["'session:'", "sessions.session_key"]) }}
        not in (select touch_id from touches)

),

paths as (

    select * from {{ ref('int_conversion_paths') }}

),

leads as (

    select
        lead_id,
        min(lead_created_at) as lead_created_at,
        count(share_id) as share_touches

    from paths
    group by lead_id

),

lead_details as (

    select lead_id, ga_client_id, utm_content from {{ ref('stg_crm__leads') }}

),

unmatched_leads as (

    select
        'lead' as conversion_kind,
        leads.lead_id,
        leads.lead_created_at,
        case
            when lead_details.ga_client_id is null and lead_details.utm_content is null
                then 'no_client_id_or_tags'
            else 'no_share_session'
        end

    from leads
    inner join lead_details
        on leads.lead_id = lead_details.lead_id
    where leads.share_touches = 0

),

opportunity_touches as (

    select distinct opportunity_id from {{ ref('int_opportunity_touches') }}

),

opportunity_paths as (

    select
        opportunity_id,
        count(share_id) as share_touches

    from paths
    where opportunity_id is not null
    group by opportunity_id

),

unmatched_opportunities as (

    select
        'opportunity' as conversion_kind,
        opportunities.opportunity_id,
        opportunities.created_at,
        case
            when opportunity_paths.opportunity_id is null then 'no_converted_lead'
            when opportunity_paths.share_touches = 0 then 'lead_without_share'
            else 'outside_lookback'
        end

    from {{ ref('stg_crm__opportunities') }} as opportunities
    left join opportunity_paths
        on opportunities.opportunity_id = opportunity_paths.opportunity_id
    where opportunities.opportunity_id not in (select opportunity_id from opportunity_touches)

),

unioned as (

    select * from unmatched_clicks
    union all
    select * from unmatched_sessions
    union all
    select * from unmatched_leads
    union all
    select * from unmatched_opportunities

)

select
    {{ dbt.concat(["conversion_kind", "':'", "conversion_id"]) }} as unmatched_id,
    conversion_kind,
    conversion_id,
    occurred_at,
    cast(occurred_at as date) as occurred_date,
    unmatched_reason

from unioned
