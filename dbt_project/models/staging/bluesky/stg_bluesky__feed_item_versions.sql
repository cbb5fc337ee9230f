-- Every feed item record the exports carried, one row per raw record, parsed and pseudonymized:
-- a table incremental by raw partition (dbt_project.yml), so a daily run does this work for its
-- export date only. `stg_bluesky__feed_items` keeps the latest version of each feed item.
with

source as (

    select * from {{ source('bluesky', 'bluesky_feed_items') }}
    {% if is_incremental() %}
    where {{ in_partition_window() }}
    {% endif %}

),

renamed as (

    select
        ----------  ids
        -- dids and post uris (`at://<author did>/...`) name people: every one is a pseudonym,
        -- the same everywhere, so posts, reposts, quotes and replies still join
        case
            when reason."$type" = 'app.bsky.feed.defs#reasonRepost'
                then 'repost:' || {{ pseudonymize('reason.by.did') }}
                    || ':' || {{ pseudonymize('post.uri') }}
            else {{ pseudonymize('post.uri') }}
        end as feed_item_id,
        {{ pseudonymize('post.uri') }} as post_id,
        case
            when reason."$type" = 'app.bsky.feed.defs#reasonRepost'
                then {{ pseudonymize('reason.by.did') }}
            else {{ pseudonymize('post.author.did') }}
        end as account_id,
        case
            when reason."$type" = 'app.bsky.feed.defs#reasonRepost'
                then {{ pseudonymize('post.uri') }}
        end as reshared_post_id,
        -- a repost shares the post as it is; what that post quotes or answers is the
        -- original author's doing
        case
            when reason."$type" is distinct from 'app.bsky.feed.defs#reasonRepost'
                and post.record.embed."$type" in ('app.bsky.embed.record', 'app.bsky.embed.recordWithMedia')
                -- a quote with media nests the quoted post one level deeper
                then {{ pseudonymize('coalesce(post.record.embed.record.record.uri, post.record.embed.record.uri)') }}
        end as quoted_post_id,
        case
            when reason."$type" is distinct from 'app.bsky.feed.defs#reasonRepost'
                then {{ pseudonymize('post.record.reply.parent.uri') }}
        end as replied_to_post_id,

        ---------- strings
        -- the text names people (mentions): only what is needed of it stays
        {{ text_fingerprint('post.record.text') }} as text_fingerprint,
        case
            when reason."$type" = 'app.bsky.feed.defs#reasonRepost' then 'reshare'
            when post.record.embed."$type" in ('app.bsky.embed.record', 'app.bsky.embed.recordWithMedia')
                then 'quote'
            when post.record.reply.parent.uri is not null then 'reply'
            else 'original'
        end as share_type,
        post.record.embed.external.uri as shared_url,

        ---------- numerics
        length(post.record.text) as text_length,
        post.repostCount as repost_count,
        post.replyCount as reply_count,
        post.likeCount as like_count,
        post.quoteCount as quote_count,

        ---------- timestamps
        try_cast(
            case
                when reason."$type" = 'app.bsky.feed.defs#reasonRepost' then reason.indexedAt
                else post.record.createdAt
            end as timestamptz
        ) at time zone 'UTC' as posted_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id,
        _partition_date,
        _item

    from source
    where post.uri is not null

)

select * from renamed
