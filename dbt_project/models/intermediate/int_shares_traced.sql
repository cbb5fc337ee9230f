-- Every share with its place in its cascade (the tree of reshares, quotes and replies as far as
-- the warehouse holds it), the content it is about, the link it carries and what became of
-- it: how often it was passed on and by whom, and whether its link was clicked.
--
-- * Parent, root and depth come from `int_shares_unioned`: the root is the topmost share the
--   warehouse holds, or the post it references when that one is not held (so reshares of one
--   missing post share a root); depth is hops from the root (0 = the root itself).
-- * Content: the catalog content of the share's own link (a short link resolved through the
--   click log), else that of the topmost share held in its chain: a quote or reply without a
--   link is about what its chain shared.
-- * Link identity: the short-link hash, or the `utm_content` token of a tagged long link. A
--   reshare repeats its parent's link, so a click on a link is credited to the share that
--   posted it (a share that is not a reshare: an original, a quote or reply with a link).
--   Clicks are the click log's clicks on the hash; sessions are web sessions that started with
--   the token as `utm_content`.
with

shares as (

    select * from {{ ref('int_shares_unioned') }}

),

short_links as (

    select * from {{ ref('int_short_links_resolved') }}

),

catalog as (

    select content_id, canonical_url from {{ ref('stg_content__catalog') }}

),

accounts as (

    select account_key, trust_tier from {{ ref('int_accounts_scored') }}

),

linked as (

    select
        shares.share_id,
        shares.platform,
        shares.account_key,
        shares.share_type,
        shares.shared_at,
        shares.share_date,
        shares.parent_share_id,
        shares.root_share_id,
        shares.is_root_observed,
        shares.chain_depth as depth,
        short_links.link_hash,
        -- the link as posted: the canonical one has lost its query, and the token with it
        lower({{ url_query_param('shares.posted_url', "'utm_content'") }}) as utm_content,
        catalog.content_id as own_content_id

    from shares
    left join short_links
        on {{ dbt.split_part('shares.shared_url', "'/'", 4) }} = short_links.link_hash
    left join catalog
        on coalesce(short_links.target_url, shares.shared_url) = catalog.canonical_url

),

-- The topmost share held of each chain: the root itself, or the share that references a
-- root the warehouse does not hold.
tops as (

    select
        root_share_id,
        own_content_id,
        row_number() over (partition by root_share_id order by depth, shared_at, share_id)
            as top_rank

    from linked

),

placed as (

    select
        linked.*,
        coalesce(linked.own_content_id, tops.own_content_id) as content_id,
        coalesce(accounts.trust_tier, 'neutral') as trust_tier

    from linked
    left join tops
        on linked.root_share_id = tops.root_share_id
        and tops.top_rank = 1
    left join accounts
        on linked.account_key = accounts.account_key

),

passes as (

    select
        parent_share_id as share_id,
        count(*) as passes,
        sum(case when trust_tier = 'trusted' then 1 else 0 end) as trusted_passes,
        sum(case when trust_tier in ('trusted', 'neutral') then 1 else 0 end)
            as unsuspected_passes

    from placed
    where parent_share_id is not null
    group by parent_share_id

),

link_clicks as (

    select
        link_hash,
        count(*) as clicks

    from {{ ref('int_clicks_attributed') }}
    where link_hash is not null
    group by link_hash

),

token_sessions as (

    select
        utm_content,
        count(distinct {{ dbt.concat([
            "user_pseudo_id", "':'", "cast(ga_session_id as " ~ dbt.type_string() ~ ")"
        ]) }}) as sessions

    from {{ ref('stg_web_analytics__events') }}
    where event_name = 'session_start'
        and utm_content is not null
        and ga_session_id is not null
    group by utm_content

),

final as (

    select
        -- ids
        placed.share_id,
        placed.platform,
        placed.account_key,
        placed.share_type,
        placed.parent_share_id,
        placed.root_share_id,
        placed.is_root_observed,
        placed.content_id,
        placed.link_hash,
        placed.utm_content,

        -- timestamps
        placed.shared_at,
        placed.share_date,

        -- cascade
        cast(placed.depth as integer) as depth,
        placed.trust_tier,
        placed.trust_tier = 'trusted' as is_trusted_sharer,
        placed.trust_tier in ('suspect', 'likely_bot') as is_suspected_sharer,
        cast(coalesce(passes.passes, 0) as {{ dbt.type_bigint() }}) as passes,
        cast(coalesce(passes.trusted_passes, 0) as {{ dbt.type_bigint() }}) as trusted_passes,
        cast(coalesce(passes.unsuspected_passes, 0) as {{ dbt.type_bigint() }})
            as unsuspected_passes,

        -- the link's response, credited to the share that posted the link
        placed.share_type != 'reshare'
            and (placed.link_hash is not null or placed.utm_content is not null)
            as posted_link,
        cast(
            case when placed.share_type != 'reshare' then coalesce(link_clicks.clicks, 0) else 0 end
            as {{ dbt.type_bigint() }}
        ) as link_clicks,
        cast(
            case
                when placed.share_type != 'reshare' then coalesce(token_sessions.sessions, 0)
                else 0
            end as {{ dbt.type_bigint() }}
        ) as link_sessions

    from placed
    left join passes
        on placed.share_id = passes.share_id
    left join link_clicks
        on placed.link_hash = link_clicks.link_hash
    left join token_sessions
        on placed.utm_content = token_sessions.utm_content

)

select
    *,
    -- Earned: a trusted sharer's share that people passed on (a pass by an account not
    -- suspected of being a bot: bots passing it on is amplification, not earning) or whose
    -- link was clicked or brought a session.
    is_trusted_sharer
    and (unsuspected_passes > 0 or link_clicks > 0 or link_sessions > 0) as is_earned

from final
