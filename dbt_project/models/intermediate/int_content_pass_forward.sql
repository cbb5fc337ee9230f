-- One row per catalog content item: how often its shares are passed on (reshared, quoted or
-- replied to) by trusted accounts. A pass is a share of the content whose parent share is in
-- the warehouse; it is trusted when its account's `trust_tier` is `trusted`. Kept apart from
-- `int_content_classified` because it needs account trust, which may itself use content.
--   pass_forward_rate  = trusted passes / all shares of the content: of everything shared of
--                        it, the part that is trusted people passing it on (NULL: no shares).
--   trusted_pass_share = trusted passes / all passes: who passes it on — low when bots do
--                        (NULL: never passed on).
with

catalog as (

    select content_id from {{ ref('stg_content__catalog') }}

),

shares as (

    select * from {{ ref('int_shares_traced') }}
    where content_id is not null

),

counted as (

    select
        content_id,
        count(*) as shares,
        sum(case when parent_share_id is not null then 1 else 0 end) as passes,
        sum(case when parent_share_id is not null and is_trusted_sharer then 1 else 0 end)
            as trusted_passes,
        sum(case when shares.trusted_passes > 0 then 1 else 0 end) as shares_passed_on_by_trusted

    from shares
    group by content_id

),

final as (

    select
        catalog.content_id,
        cast(coalesce(counted.shares, 0) as {{ dbt.type_bigint() }}) as shares,
        cast(coalesce(counted.passes, 0) as {{ dbt.type_bigint() }}) as passes,
        cast(coalesce(counted.trusted_passes, 0) as {{ dbt.type_bigint() }}) as trusted_passes,
        cast(coalesce(counted.shares_passed_on_by_trusted, 0) as {{ dbt.type_bigint() }})
            as shares_passed_on_by_trusted,
        cast(
            counted.trusted_passes * 1.0 / nullif(counted.shares, 0) as double
        ) as pass_forward_rate,
        cast(
            counted.trusted_passes * 1.0 / nullif(counted.passes, 0) as double
        ) as trusted_pass_share

    from catalog
    left join counted
        on catalog.content_id = counted.content_id

)

select * from final
