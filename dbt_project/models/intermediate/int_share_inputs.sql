-- The shares of every platform in one shape, as staging holds them: X posts, Mastodon statuses
-- and Bluesky feed items (posts and reposts). Keys carry the platform, because ids are only
-- unique within one. A view: `int_share_facts` compares it with what it was built from to
-- find the shares a run must derive again.
--
-- The platforms differ only in what identifies a share and which posts it can reference: a
-- Bluesky repost is its own feed item with the reposted post's uri as post_id, so the feed
-- item (not the post) is the share; Mastodon has no quotes.
{{ config(materialized='view') }}
{%- set platforms = [
    {'name': 'x', 'model': 'stg_x__posts', 'share_key': 'post_id',
     'references': ['reshared_post_id', 'quoted_post_id', 'replied_to_post_id']},
    {'name': 'mastodon', 'model': 'stg_mastodon__statuses', 'share_key': 'post_id',
     'references': ['reshared_post_id', 'replied_to_post_id']},
    {'name': 'bluesky', 'model': 'stg_bluesky__feed_items', 'share_key': 'feed_item_id',
     'references': ['reshared_post_id', 'quoted_post_id', 'replied_to_post_id']},
] %}

with

unioned as (

    {% for platform in platforms %}
    select
        '{{ platform.name }}' as platform,
        {{ platform.share_key }} as share_key,
        post_id,
        account_id,
        share_type,
        posted_at as shared_at,
        coalesce({{ platform.references | join(', ') }}) as parent_post_id,
        shared_url,
        text_fingerprint,
        text_length

    from {{ ref(platform.model) }}
    {% if not loop.last %}
    union all
    {% endif %}
    {% endfor %}

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
