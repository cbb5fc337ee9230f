-- One row per catalog content item: the cascades its shares form on every platform (the same
-- URL shared on X, Mastodon and Bluesky is one item), how deep and large they grow, when the
-- content was first shared and who was its first trusted sharer. Content nobody shared has
-- zero shares and NULL timing.
with

catalog as (

    select content_id from {{ ref('stg_content__catalog') }}

),

shares as (

    select * from {{ ref('int_shares_traced') }}
    where content_id is not null

),

per_cascade as (

    select
        content_id,
        root_share_id,
        count(*) as cascade_shares

    from shares
    group by content_id, root_share_id

),

cascades as (

    select
        content_id,
        count(*) as cascades,
        max(cascade_shares) as largest_cascade_size

    from per_cascade
    group by content_id

),

spread as (

    select
        content_id,
        count(*) as shares,
        max(depth) as max_depth,
        count(distinct platform) as platforms,
        {{ dbt.listagg('distinct platform', "','", 'order by platform') }} as platform_list,
        min(shared_at) as first_shared_at

    from shares
    group by content_id

),

first_trusted as (

    select
        content_id,
        share_id,
        account_key,
        platform,
        shared_at,
        row_number() over (
            partition by content_id
            order by shared_at, share_id
        ) as trusted_rank

    from shares
    where is_trusted_sharer

),

final as (

    select
        catalog.content_id,
        cast(coalesce(spread.shares, 0) as {{ dbt.type_bigint() }}) as shares,
        cast(coalesce(cascades.cascades, 0) as {{ dbt.type_bigint() }}) as cascades,
        cast(coalesce(cascades.largest_cascade_size, 0) as {{ dbt.type_bigint() }})
            as largest_cascade_size,
        cast(spread.max_depth as integer) as max_depth,
        cast(coalesce(spread.platforms, 0) as integer) as platforms,
        spread.platform_list,
        coalesce(spread.platforms, 0) > 1 as is_cross_platform,
        spread.first_shared_at,
        first_trusted.share_id as first_trusted_share_id,
        first_trusted.account_key as first_trusted_account_key,
        first_trusted.platform as first_trusted_platform,
        first_trusted.shared_at as first_trusted_shared_at

    from catalog
    left join spread
        on catalog.content_id = spread.content_id
    left join cascades
        on catalog.content_id = cascades.content_id
    left join first_trusted
        on catalog.content_id = first_trusted.content_id
        and first_trusted.trusted_rank = 1

)

select * from final
