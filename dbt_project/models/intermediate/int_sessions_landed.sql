-- Web sessions (GA4: one user_pseudo_id + ga_session_id) with the page they landed on: the
-- session_start event's page, else the first page_view. Sessions without a landing page are
-- left out; the landing page's content, if it is in the catalog, is the session's content.
with

events as (

    select * from {{ ref('stg_web_analytics__events') }}
    where ga_session_id is not null

),

landings as (

    select
        user_pseudo_id,
        ga_session_id,
        {{ canonical_url('page_location') }} as landing_url,
        row_number() over (
            partition by user_pseudo_id, ga_session_id
            order by
                case when event_name = 'session_start' then 0 else 1 end,
                event_at,
                event_id
        ) as landing_rank

    from events
    where event_name in ('session_start', 'page_view')
        and page_location is not null

),

sessions as (

    select
        user_pseudo_id,
        ga_session_id,
        min(event_at) as session_started_at

    from events
    group by user_pseudo_id, ga_session_id

),

catalog as (

    select * from {{ ref('stg_content__catalog') }}

),

final as (

    select
        {{ dbt.concat([
            "sessions.user_pseudo_id",
            "':'",
            "cast(sessions.ga_session_id as " ~ dbt.type_string() ~ ")",
        ]) }} as session_key,
        sessions.user_pseudo_id,
        sessions.ga_session_id,
        catalog.content_id,
        landings.landing_url,
        sessions.session_started_at,
        cast(sessions.session_started_at as date) as session_date

    from sessions
    inner join landings
        on sessions.user_pseudo_id = landings.user_pseudo_id
        and sessions.ga_session_id = landings.ga_session_id
        and landings.landing_rank = 1
    left join catalog
        on landings.landing_url = catalog.canonical_url

)

select * from final
