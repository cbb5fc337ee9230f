-- One row per share on any platform, with the content it links to and its trust weight.
with

shares as (

    select * from {{ ref('int_shares_unioned') }}

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

linked as (

    -- The parent share is kept only when it is in the warehouse, so it can be looked up.
    -- A reshare passes on its parent's link even when the platform does not repeat it.
    select
        resolved.*,
        parents.share_id as parent_share_id,
        case
            when resolved.share_type = 'reshare'
                then coalesce(resolved.link_url, parents.link_url)
            else resolved.link_url
        end as linked_url

    from resolved
    left join resolved as parents
        on resolved.referenced_share_id = parents.share_id

),

final as (

    select
        -- ids
        cast(linked.share_id as {{ dbt.type_string() }}) as share_id,
        cast(linked.platform as {{ dbt.type_string() }}) as platform,
        cast(linked.post_id as {{ dbt.type_string() }}) as post_id,
        cast(linked.account_key as {{ dbt.type_string() }}) as account_key,
        cast(linked.share_type as {{ dbt.type_string() }}) as share_type,

        -- timestamps
        cast(linked.shared_at as {{ dbt.type_timestamp() }}) as shared_at,
        cast(linked.share_date as date) as share_date,

        -- links
        cast(content.content_id as {{ dbt.type_string() }}) as content_id,
        cast(linked.linked_url as {{ dbt.type_string() }}) as shared_url,
        cast(linked.parent_share_id as {{ dbt.type_string() }}) as parent_share_id,

        -- numerics
        cast(accounts.trust_score as double) as trust_weight

    from linked
    inner join accounts
        on linked.account_key = accounts.account_key
    left join content
        on linked.linked_url = content.canonical_url

)

select * from final
