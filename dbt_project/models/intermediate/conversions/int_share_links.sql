-- One row per share that posted a link of its own (an original, or a quote or reply with a
-- link; a reshare repeats its parent's link and gets no row): the identities a click or a
-- session can carry back to it.
--
-- * `link_hash`: the short link's hash (`int_shares_traced`, resolved through the click log).
-- * `utm_content`: the share-level token of the tagged URL as posted (`&amp;` in Mastodon's
--   HTML read as `&`, name in any case), else the token of the long URL the short link
--   redirects to (the click log's `u`), the most frequent one.
-- * A token or hash posted by several shares (someone pasted a share's tagged link into a
--   post of their own) belongs to the share that posted it first: the business minted it
--   for that share (`is_link_owner`).
with

traced as (

    select share_id, platform, share_type, content_id, link_hash, shared_at
    from {{ ref('int_shares_traced') }}
    where share_type != 'reshare'

),

raw_links as (

    select {{ dbt.concat(["'x:'", "post_id"]) }} as share_id, shared_url as raw_url
    from {{ ref('stg_x__posts') }}

    union all

    select {{ dbt.concat(["'mastodon:'", "post_id"]) }}, shared_url
    from {{ ref('stg_mastodon__statuses') }}

    union all

    select {{ dbt.concat(["'bluesky:'", "feed_item_id"]) }}, shared_url
    from {{ ref('stg_bluesky__feed_items') }}

),

posted_tags as (

    select
        share_id,
        min({{ tracking_param('raw_url', "'utm_content'") }}) as utm_content,
        min({{ tracking_param('raw_url', "'utm_campaign'") }}) as utm_campaign,
        min({{ tracking_param('raw_url', "'utm_source'") }}) as utm_source

    from raw_links
    where raw_url is not null
    group by share_id

),

redirect_tags as (

    select
        link_hash,
        {{ tracking_param('long_url', "'utm_content'") }} as utm_content,
        {{ tracking_param('long_url', "'utm_campaign'") }} as utm_campaign,
        {{ tracking_param('long_url', "'utm_source'") }} as utm_source,
        count(*) as clicks

    from {{ ref('stg_clicks__clicks') }}
    where link_hash is not null
    group by 1, 2, 3, 4

),

redirect_top as (

    select * from redirect_tags
    qualify row_number() over (
        partition by link_hash order by clicks desc, utm_content, utm_campaign, utm_source
    ) = 1

),

linked as (

    select
        traced.share_id,
        traced.platform,
        traced.share_type,
        traced.content_id,
        traced.shared_at,
        traced.link_hash,
        coalesce(posted_tags.utm_content, redirect_top.utm_content) as utm_content,
        coalesce(posted_tags.utm_campaign, redirect_top.utm_campaign) as utm_campaign,
        coalesce(posted_tags.utm_source, redirect_top.utm_source) as utm_source,
        case
            when posted_tags.utm_content is not null then 'posted_url'
            when redirect_top.utm_content is not null then 'short_link_redirect'
        end as utm_content_from

    from traced
    left join posted_tags
        on traced.share_id = posted_tags.share_id
    left join redirect_top
        on traced.link_hash = redirect_top.link_hash

),

final as (

    select
        *,
        -- the first poster of a token / hash owns it
        (utm_content is null or row_number() over (
            partition by utm_content order by shared_at, share_id
        ) = 1)
        and (link_hash is null or row_number() over (
            partition by link_hash order by shared_at, share_id
        ) = 1) as is_link_owner

    from linked
    where link_hash is not null or utm_content is not null

)

select * from final
