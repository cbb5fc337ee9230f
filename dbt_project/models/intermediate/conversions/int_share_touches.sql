{%- set cutoff = session_lookback_cutoff() %}
{{
    config(
        materialized='incremental',
        unique_key='touch_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_touches() }}",
    )
}}
-- One row per click or web session linked to the share whose link brought it, with the rule
-- that linked them (docs/conversions.md). Rules, strongest first; the first that applies wins:
--
-- * click `short_link_hash`: the click log's link hash is the share's short link.
-- * click `click_utm_content`: the long URL clicked carries the share's utm_content token.
-- * session `session_utm_content`: the session landed with the share's utm_content token
--   (GA4 collected_traffic_source or the landing URL; a short link redirects to the tagged
--   URL, so its sessions carry the token too).
-- * session `tags_and_time`: no token, but the session's utm_source names the share's
--   platform, its utm_campaign the share's campaign tag, and it landed on the share's content;
--   linked only when exactly one such share was posted in the `attribution_lookback_days`
--   before the session (else it stays unmatched as `ambiguous_tags`).
--
-- Time: a touch never precedes its share (`touch_clock_skew_seconds`, 60, of tolerance: the
-- click log has whole seconds). A token or hash belongs to the share that posted it first
-- (`int_share_links.is_link_owner`). A session is paired with the latest click on the same
-- share at most `click_to_session_minutes` (30) before it (`click_id`): the trail.
--
-- Incremental: touches on or after `session_lookback_days` before min_date are rebuilt (the
-- pre-hook deletes them first, so a touch no longer found goes).
{%- set skew = var('touch_clock_skew_seconds', 60) %}
with

links as (

    select * from {{ ref('int_share_links') }}
    where is_link_owner

),

clicks as (

    select
        click_id,
        link_hash,
        {{ tracking_param('long_url', "'utm_content'") }} as utm_content,
        clicked_at

    from {{ ref('stg_clicks__clicks') }}
    {% if is_incremental() %}
    where clicked_at >= {{ cutoff }}
    {% endif %}

),

sessions as (

    select * from {{ ref('int_sessions') }}
    {% if is_incremental() %}
    where session_started_at >= {{ cutoff }}
    {% endif %}

),

click_candidates as (

    select
        clicks.click_id,
        clicks.clicked_at,
        links.share_id,
        'short_link_hash' as match_rule,
        1 as rule_rank
    from clicks
    inner join links
        on clicks.link_hash = links.link_hash
    where clicks.clicked_at >= {{ dbt.dateadd('second', -skew, 'links.shared_at') }}

    union all

    select
        clicks.click_id,
        clicks.clicked_at,
        links.share_id,
        'click_utm_content',
        2
    from clicks
    inner join links
        on clicks.utm_content = links.utm_content
    where clicks.clicked_at >= {{ dbt.dateadd('second', -skew, 'links.shared_at') }}

),

click_touches as (

    select * from click_candidates
    qualify row_number() over (partition by click_id order by rule_rank, share_id) = 1

),

token_sessions as (

    select
        sessions.session_key,
        sessions.session_started_at,
        links.share_id,
        'session_utm_content' as match_rule
    from sessions
    inner join links
        on sessions.utm_content = links.utm_content
    where sessions.session_started_at >= {{ dbt.dateadd('second', -skew, 'links.shared_at') }}

),

tag_candidates as (

    select
        sessions.session_key,
        sessions.session_started_at,
        links.share_id,
        'tags_and_time' as match_rule,
        count(*) over (partition by sessions.session_key) as candidates
    from sessions
    inner join links
        on sessions.utm_source = links.utm_source
        and sessions.utm_campaign = links.utm_campaign
        and sessions.content_id = links.content_id
    where sessions.utm_content is null
        and sessions.session_started_at >= {{ dbt.dateadd('second', -skew, 'links.shared_at') }}
        and sessions.session_started_at <= {{ dbt.dateadd(
            'day', var('attribution_lookback_days', 30), 'links.shared_at') }}

),

session_touches as (

    select session_key, session_started_at, share_id, match_rule from token_sessions

    union all

    select session_key, session_started_at, share_id, match_rule
    from tag_candidates
    where candidates = 1

),

-- the click that started a session: the latest click on the same share shortly before it
session_clicks as (

    select
        session_touches.session_key,
        click_touches.click_id,
        click_touches.clicked_at,
        row_number() over (
            partition by session_touches.session_key
            order by click_touches.clicked_at desc, click_touches.click_id
        ) as click_rank

    from session_touches
    inner join click_touches
        on session_touches.share_id = click_touches.share_id
        and click_touches.clicked_at <= {{ dbt.dateadd('second', skew, 'session_touches.session_started_at') }}
        and click_touches.clicked_at >= {{ dbt.dateadd(
            'minute', -var('click_to_session_minutes', 30), 'session_touches.session_started_at') }}

),

touches as (

    select
        {{ dbt.concat(["'click:'", "click_id"]) }} as touch_id,
        'click' as touch_kind,
        share_id,
        match_rule,
        click_id,
        cast(null as {{ dbt.type_string() }}) as session_key,
        clicked_at as touched_at
    from click_touches

    union all

    select
        {{ dbt.concat(["'session:'", "session_touches.session_key"]) }},
        'session',
        session_touches.share_id,
        session_touches.match_rule,
        session_clicks.click_id,
        session_touches.session_key,
        session_touches.session_started_at
    from session_touches
    left join session_clicks
        on session_touches.session_key = session_clicks.session_key
        and session_clicks.click_rank = 1

),

final as (

    select
        touches.touch_id,
        touches.touch_kind,
        touches.share_id,
        links.platform,
        links.content_id,
        links.utm_campaign as campaign_tag,
        touches.match_rule,
        touches.click_id,
        touches.session_key,
        sessions.user_pseudo_id,
        sessions.channel,
        links.shared_at,
        touches.touched_at,
        cast(touches.touched_at as date) as touch_date

    from touches
    inner join links
        on touches.share_id = links.share_id
    left join sessions
        on touches.session_key = sessions.session_key

)

select * from final
