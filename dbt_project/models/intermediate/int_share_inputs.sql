-- The shares of every platform in one shape, as staging holds them: X posts, Mastodon statuses
-- and Bluesky feed items (posts and reposts). Keys carry the platform, because ids are only
-- unique within one. A view: `int_share_facts` compares it with what it was built from to
-- find the shares a run must derive again.
{{ config(materialized='view') }}

with

x_posts as (

    select
        'x' as platform,
        post_id as share_key,
        post_id,
        account_id,
        share_type,
        posted_at as shared_at,
        coalesce(reshared_post_id, quoted_post_id, replied_to_post_id) as parent_post_id,
        shared_url,
        text_fingerprint,
        text_length

    from {{ ref('stg_x__posts') }}

),

mastodon_statuses as (

    select
        'mastodon' as platform,
        post_id as share_key,
        post_id,
        account_id,
        share_type,
        posted_at as shared_at,
        coalesce(reshared_post_id, replied_to_post_id) as parent_post_id,
        shared_url,
        text_fingerprint,
        text_length

    from {{ ref('stg_mastodon__statuses') }}

),

bluesky_feed_items as (

    -- A repost is its own feed item with the reposted post's uri as post_id, so the feed item
    -- (not the post) is the share.
    select
        'bluesky' as platform,
        feed_item_id as share_key,
        post_id,
        account_id,
        share_type,
        posted_at as shared_at,
        coalesce(reshared_post_id, quoted_post_id, replied_to_post_id) as parent_post_id,
        shared_url,
        text_fingerprint,
        text_length

    from {{ ref('stg_bluesky__feed_items') }}

),

unioned as (

    select * from x_posts
    union all
    select * from mastodon_statuses
    union all
    select * from bluesky_feed_items

),

final as (

    select
        -- ids
        {{ dbt.concat(["platform", "':'", "share_key"]) }} as share_id,
        platform,
        post_id,
        {{ dbt.concat(["platform", "':'", "account_id"]) }} as account_key,
        account_id,
        -- An original post's share id is its post id (for Bluesky, its feed item id is its
        -- post uri), so the referenced post's share id follows from its post id.
        {{ dbt.concat(["platform", "':'", "parent_post_id"]) }} as referenced_share_id,

        -- strings
        share_type,
        shared_url as posted_url,
        text_fingerprint,

        -- numerics
        text_length,

        -- timestamps
        shared_at

    from unioned

)

select * from final
