-- One row per share on any platform, with the content it links to and its trust weight:
--
--   trust_weight = account_factor * content_factor * network_factor, each in [0, 1]
--
-- * account_factor: the sharing account's trust_score (int_accounts_scored, docs/trust.md),
--   how likely a genuine person shared.
-- * content_factor: int_content_classified's factor of the linked content (1 for
--   substantive content, a discount for advertisements); 1 when the share links no content.
-- * network_factor: 1 for a share outside a coordinated burst. A share inside one
--   (int_shares_timed) is part of a synchronised push, not an independent judgement, and
--   counts as much as the burst as a whole is trusted: the mean trust_score of the burst's
--   distinct accounts. A burst of bots weighs ~0 even for a member whose own profile looks
--   fine; a burst of genuine people (a post going viral among them) keeps ~1.
with

shares as (

    select * from {{ ref('int_share_facts') }}

),

content_factors as (

    select * from {{ ref('int_content_classified') }}

),

short_links as (

    select * from {{ ref('int_short_links_resolved') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

content as (

    select * from {{ ref('dim_content') }}

),

resolved as (

    -- A short link (`https://<short domain>/<hash>`) is replaced by the URL it leads to.
    -- Staging does not keep the short domain, so links are matched on the first path
    -- segment: the hash of a short link; of any other URL a word (`blog`, `about`) that
    -- is not a random link hash.
    select
        shares.*,
        coalesce(short_links.target_url, shares.shared_url) as link_url

    from shares
    left join short_links
        on {{ dbt.split_part('shares.shared_url', "'/'", 4) }} = short_links.link_hash

),

burst_trust as (

    -- the mean trust of each burst's distinct accounts
    select
        members.burst_id,
        avg(accounts.trust_score) as burst_trust_score

    from (select distinct burst_id, account_key from shares where burst_id is not null) as members
    inner join accounts
        on members.account_key = accounts.account_key
    group by members.burst_id

),

linked as (

    -- The parent share is kept only when it is in the warehouse, so it can be looked up.
    -- A reshare passes on its parent's link even when the platform does not repeat it.
    select
        resolved.*,
        case
            when resolved.share_type = 'reshare'
                then coalesce(resolved.link_url, parents.link_url)
            else resolved.link_url
        end as linked_url

    from resolved
    left join resolved as parents
        on resolved.parent_share_id = parents.share_id

),

weighed as (

    select
        linked.*,
        content.content_id,
        accounts.followers_count as audience_size,
        accounts.trust_score as account_factor,
        coalesce(content_factors.content_factor, 1.0) as content_factor,
        case
            when linked.in_coordinated_burst then coalesce(burst_trust.burst_trust_score, 0.0)
            else 1.0
        end as network_factor

    from linked
    inner join accounts
        on linked.account_key = accounts.account_key
    left join content
        on linked.linked_url = content.canonical_url
    left join content_factors
        on content.content_id = content_factors.content_id
    left join burst_trust
        on linked.burst_id = burst_trust.burst_id

),

final as (

    select
        -- ids
        cast(share_id as {{ dbt.type_string() }}) as share_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(post_id as {{ dbt.type_string() }}) as post_id,
        cast(account_key as {{ dbt.type_string() }}) as account_key,
        cast(share_type as {{ dbt.type_string() }}) as share_type,

        -- timestamps
        cast(shared_at as {{ dbt.type_timestamp() }}) as shared_at,
        cast(share_date as date) as share_date,

        -- links
        cast(content_id as {{ dbt.type_string() }}) as content_id,
        cast(linked_url as {{ dbt.type_string() }}) as shared_url,
        cast(parent_share_id as {{ dbt.type_string() }}) as parent_share_id,
        cast(root_share_id as {{ dbt.type_string() }}) as root_share_id,
        cast(burst_id as {{ dbt.type_string() }}) as burst_id,

        -- reach and timing
        cast(audience_size as {{ dbt.type_bigint() }}) as audience_size,
        cast(reaction_latency_seconds as double) as reshare_latency_seconds,
        cast(in_coordinated_burst as {{ dbt.type_boolean() }}) as in_coordinated_burst,

        -- weight
        cast(account_factor as double) as account_factor,
        cast(content_factor as double) as content_factor,
        cast(network_factor as double) as network_factor,
        cast(account_factor * content_factor * network_factor as double) as trust_weight

    from weighed

)

select * from final
