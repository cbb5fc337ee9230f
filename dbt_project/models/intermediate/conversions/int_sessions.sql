{{
    config(
        materialized='incremental',
        unique_key='session_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ refresh_session_content() }}",
    )
}}
-- One row per web session. A session is GA4's (user_pseudo_id, ga_session_id) where the
-- events carry a ga_session_id; events without one are sessionized per browser: a gap of
-- more than `session_timeout_minutes` (30) of inactivity starts a new session, keyed by its
-- first event's time (as GA4 keys its own sessions).
--
-- * Landing page: the session_start event's page, else the first event with a page; its
--   catalog content is the session's content.
-- * Traffic: UTM tags and click id of the first event that carries any (staging parses
--   collected_traffic_source and page_location: encoded, missing, mixed case), the first
--   referrer host; channel from the GA4 source categories plus our social hosts (seeds).
-- * Incremental: a run rebuilds the sessions of every browser active in the partition window,
--   from `session_lookback_days` (3) before min_date on, so late events (GA4 exports are
--   revised for up to 72 hours) join their session; sessions starting before that are left
--   as they were, but for their content, which the post-hook looks up again in the catalog
--   (it may list a page days after its sessions). Full refresh rebuilds everything.
{%- set cutoff = session_lookback_cutoff() %}
with

events as (

    select * from {{ ref('stg_web_analytics__events') }}
    where user_pseudo_id is not null
        and event_at is not null
    {% if is_incremental() %}
        -- one more day before the cutoff, so a session running over it keeps its start
        and event_at >= {{ dbt.dateadd('day', -1, cutoff) }}
        and user_pseudo_id in (
            select user_pseudo_id from {{ ref('stg_web_analytics__events') }}
            where {{ in_partition_window('event_date') }}
        )
    {% endif %}

),

-- events without a GA4 session id: a new session after more than the timeout of inactivity
unkeyed as (

    select
        event_id,
        user_pseudo_id,
        event_at,
        case
            when lag(event_at) over (partition by user_pseudo_id order by event_at, event_id)
                is null
                or event_at > {{ dbt.dateadd(
                    'minute',
                    var('session_timeout_minutes', 30),
                    'lag(event_at) over (partition by user_pseudo_id order by event_at, event_id)'
                ) }}
            then 1 else 0
        end as is_session_start

    from events
    where ga_session_id is null

),

unkeyed_numbered as (

    select
        event_id,
        user_pseudo_id,
        event_at,
        sum(is_session_start) over (
            partition by user_pseudo_id order by event_at, event_id
            rows between unbounded preceding and current row
        ) as session_seq

    from unkeyed

),

unkeyed_sessions as (

    select
        event_id,
        min(event_at) over (partition by user_pseudo_id, session_seq) as inferred_start_at

    from unkeyed_numbered

),

keyed as (

    select
        events.*,
        case
            when events.ga_session_id is not null then {{ dbt.concat([
                "events.user_pseudo_id", "':'",
                "cast(events.ga_session_id as " ~ dbt.type_string() ~ ")"]) }}
            else {{ dbt.concat([
                "events.user_pseudo_id", "':i'",
                "cast(epoch(unkeyed_sessions.inferred_start_at) as " ~ dbt.type_bigint() ~ ")"]) }}
        end as session_key,
        case
            when events.ga_session_id is not null then 'ga_session_id'
            else 'inactivity_timeout'
        end as sessionized_by

    from events
    left join unkeyed_sessions
        on events.event_id = unkeyed_sessions.event_id

),

landings as (

    select
        session_key,
        {{ canonical_url('page_location') }} as landing_url,
        row_number() over (
            partition by session_key
            order by case when event_name = 'session_start' then 0 else 1 end, event_at, event_id
        ) as landing_rank

    from keyed
    where page_location is not null

),

traffic as (

    select
        session_key,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        click_id_type,
        click_id,
        row_number() over (partition by session_key order by event_at, event_id) as traffic_rank

    from keyed
    where coalesce(utm_source, utm_medium, utm_campaign, utm_content, click_id_type) is not null

),

referrers as (

    select
        session_key,
        page_referrer_host,
        row_number() over (partition by session_key order by event_at, event_id)
            as referrer_rank

    from keyed
    where page_referrer_host is not null

),

sessions as (

    select
        session_key,
        min(user_pseudo_id) as user_pseudo_id,
        min(ga_session_id) as ga_session_id,
        min(sessionized_by) as sessionized_by,
        min(ga_session_number) as ga_session_number,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at,
        count(*) as events,
        sum(case when event_name = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_name = 'generate_lead' then 1 else 0 end) > 0 as has_lead_event

    from keyed
    group by session_key

),

source_categories as (

    select source, source_category, social_platform, 1 as priority
    from {{ ref('social_hosts') }}

    union all

    select lower(source), source_category, null, 2
    from {{ ref('ga4_source_categories') }}

),

sources as (

    select source, source_category, social_platform
    from source_categories
    qualify row_number() over (partition by source order by priority) = 1

),

catalog as (

    select content_id, canonical_url from {{ ref('stg_content__catalog') }}

),

described as (

    select
        sessions.*,
        landings.landing_url,
        catalog.content_id,
        traffic.utm_source,
        traffic.utm_medium,
        traffic.utm_campaign,
        traffic.utm_content,
        traffic.utm_term,
        traffic.click_id_type,
        traffic.click_id,
        referrers.page_referrer_host as referrer_host,
        coalesce(utm_sources.source_category, referrer_sources.source_category)
            as source_category,
        coalesce(utm_sources.social_platform, referrer_sources.social_platform)
            as social_platform

    from sessions
    left join landings
        on sessions.session_key = landings.session_key
        and landings.landing_rank = 1
    left join catalog
        on landings.landing_url = catalog.canonical_url
    left join traffic
        on sessions.session_key = traffic.session_key
        and traffic.traffic_rank = 1
    left join referrers
        on sessions.session_key = referrers.session_key
        and referrers.referrer_rank = 1
    left join sources as utm_sources
        on traffic.utm_source = utm_sources.source
    -- a referrer host matches as it is, without `www.`, or by its first label
    -- (`www.google.com` → `google`, as the GA4 list names search engines)
    left join sources as referrer_sources
        on referrer_sources.source = coalesce(
            (select min(source) from sources as s
                where s.source = referrers.page_referrer_host),
            (select min(source) from sources as s
                where s.source = regexp_replace(referrers.page_referrer_host, '^www\.', '')),
            (select min(source) from sources as s
                where s.source = split_part(
                    regexp_replace(referrers.page_referrer_host, '^www\.', ''), '.', 1))
        )

),

final as (

    select
        session_key,
        user_pseudo_id,
        ga_session_id,
        sessionized_by,
        cast(ga_session_number as {{ dbt.type_bigint() }}) as ga_session_number,
        content_id,
        landing_url,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        click_id_type,
        click_id,
        referrer_host,
        source_category,
        social_platform,
        -- GA4's default channel groups, simplified (docs/conversions.md)
        case
            when click_id_type in ('gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid')
                or (source_category = 'SOURCE_CATEGORY_SEARCH'
                    and regexp_matches(coalesce(utm_medium, ''), '^(.*cp.*|ppc|retargeting|paid.*)$'))
                then 'Paid Search'
            when click_id_type in ('fbclid', 'ttclid', 'twclid', 'li_fat_id')
                or (source_category = 'SOURCE_CATEGORY_SOCIAL'
                    and regexp_matches(coalesce(utm_medium, ''), '^(.*cp.*|ppc|retargeting|paid.*)$'))
                then 'Paid Social'
            when source_category = 'SOURCE_CATEGORY_SOCIAL'
                or utm_medium in ('social', 'social-network', 'social-media', 'sm',
                    'social network', 'social media')
                then 'Organic Social'
            when source_category = 'SOURCE_CATEGORY_SEARCH' or utm_medium = 'organic'
                then 'Organic Search'
            when source_category = 'SOURCE_CATEGORY_VIDEO' then 'Organic Video'
            when source_category = 'SOURCE_CATEGORY_SHOPPING' then 'Organic Shopping'
            when utm_medium in ('email', 'e-mail', 'e_mail', 'e mail')
                or utm_source in ('email', 'e-mail', 'e_mail', 'e mail', 'newsletter')
                then 'Email'
            when utm_medium in ('affiliate', 'affiliates') then 'Affiliates'
            when utm_medium in ('referral', 'app', 'link') then 'Referral'
            when utm_source is null and utm_medium is null and referrer_host is null
                then 'Direct'
            when utm_source is null and referrer_host is not null then 'Referral'
            else 'Unassigned'
        end as channel,
        cast(events as {{ dbt.type_bigint() }}) as events,
        cast(page_views as {{ dbt.type_bigint() }}) as page_views,
        has_lead_event,
        session_started_at,
        session_ended_at,
        cast(session_started_at as date) as session_date

    from described
    {% if is_incremental() %}
    where session_started_at >= {{ cutoff }}
    {% endif %}

)

select * from final
