-- The day of the newest post the loaded share exports hold, which the freshness gate compares
-- with fct_shares' newest share (data_quality/suites.py): an export is judged by its posts'
-- own times, not by its folder's date (an account timeline dropped in today's folder may end
-- weeks ago). A view over raw, so that it says what raw holds now even when the marts were
-- built before the latest load (the staleness the gate is for), and one row, so that the copy
-- the gates audit before publishing takes one row, not the raw tables. Times as staging reads
-- them; a Bluesky repost is as new as the repost; a post X asked to delete or drop leaves the
-- marts (stg_x__removed_posts), so it sets no date.
{{ config(materialized='view') }}

with

newest as (

    select max(try_cast(created_at as timestamptz) at time zone 'UTC') as posted_at
    from {{ source('x', 'x_posts') }}
    where id not in (
        select post_id from {{ source('x', 'x_compliance_events') }}
        where event in ('delete', 'drop') and post_id is not null
    )

    union all

    select max(try_cast(created_at as timestamptz) at time zone 'UTC')
    from {{ source('mastodon', 'mastodon_statuses') }}

    union all

    select max(try_cast(
        case when reason."$type" = 'app.bsky.feed.defs#reasonRepost' then reason.indexedAt
            else post.record.createdAt end
        as timestamptz) at time zone 'UTC')
    from {{ source('bluesky', 'bluesky_feed_items') }}

)

select cast(max(posted_at) as date) as newest_post_date
from newest
