-- The shares of every platform in one shape: X posts, Mastodon statuses and Bluesky feed
-- items (posts and reposts). Keys carry the platform, because ids are only unique within one.
--
-- Chains: a reshare, quote or reply references the post it reacts to (`referenced_share_id`);
-- that post is the `parent_share_id` when it is in the warehouse. Following parents up (a
-- recursive walk, bounded at `max_chain_depth` hops so a malformed cycle cannot loop) gives
-- the topmost share the warehouse holds; when that share itself references a post the
-- warehouse does not hold, the chain's root is that referenced post (the farthest the data
-- shows), so reshares of one missing post still share a root.
{%- set max_chain_depth = 50 %}
with recursive

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

keyed as (

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
        {{ canonical_url('shared_url') }} as shared_url,
        text_fingerprint,

        -- numerics
        text_length,

        -- timestamps
        shared_at,
        cast(shared_at as date) as share_date

    from unioned

),

parented as (

    select
        keyed.*,
        parents.share_id as parent_share_id

    from keyed
    left join keyed as parents
        on keyed.referenced_share_id = parents.share_id

),

-- Walk up: one row per share and ancestor in the warehouse (hops = 0 is the share itself).
ancestry as (

    select
        share_id,
        share_id as ancestor_share_id,
        parent_share_id as next_share_id,
        0 as hops

    from parented

    union all

    select
        ancestry.share_id,
        parents.share_id,
        parents.parent_share_id,
        ancestry.hops + 1

    from ancestry
    inner join parented as parents
        on ancestry.next_share_id = parents.share_id
    where ancestry.hops < {{ max_chain_depth }}

),

topmost as (

    select
        share_id,
        ancestor_share_id as topmost_share_id,
        hops

    from ancestry
    qualify row_number() over (partition by share_id order by hops desc) = 1

),

final as (

    select
        parented.share_id,
        parented.platform,
        parented.post_id,
        parented.account_key,
        parented.account_id,
        parented.referenced_share_id,
        parented.parent_share_id,
        -- the topmost share held, or the post it references when that one is not held
        coalesce(tops.referenced_share_id, tops.share_id) as root_share_id,
        tops.referenced_share_id is null as is_root_observed,
        cast(
            topmost.hops + case when tops.referenced_share_id is null then 0 else 1 end
            as integer
        ) as chain_depth,
        parented.share_type,
        parented.shared_url,
        parented.text_fingerprint,
        parented.text_length,
        parented.shared_at,
        parented.share_date

    from parented
    inner join topmost
        on parented.share_id = topmost.share_id
    inner join parented as tops
        on topmost.topmost_share_id = tops.share_id

)

select * from final
