-- One row per CRM opportunity and share that touched it within the lookback window: a touch
-- of one of the opportunity's leads (`int_conversion_paths`) at most
-- `attribution_lookback_days` (30) before the opportunity was created and not after it.
-- A share that touched the opportunity several times is one row at its latest touch
-- (`touched_at`, `touch_kind`, `match_rule`, `lead_id` of that touch), with its first touch
-- and the number of touches beside it. Campaign: the catalog campaign of the share's content.
with

paths as (

    select * from {{ ref('int_conversion_paths') }}
    where opportunity_id is not null
        and share_id is not null
        and touched_at <= opportunity_created_at
        and touched_at >= {{ dbt.dateadd(
            'day', -var('attribution_lookback_days', 30), 'opportunity_created_at'
        ) }}

),

catalog as (

    select content_id, campaign from {{ ref('stg_content__catalog') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by opportunity_id, share_id
            order by touched_at desc, touch_id desc, lead_id
        ) as touch_rank,
        min(touched_at) over (partition by opportunity_id, share_id) as first_touched_at,
        count(*) over (partition by opportunity_id, share_id) as touches

    from paths

),

final as (

    select
        ranked.opportunity_id,
        ranked.share_id,
        ranked.platform,
        ranked.content_id,
        catalog.campaign,
        ranked.touched_at,
        ranked.touch_kind,
        ranked.match_rule,
        ranked.lead_match_rule,
        ranked.lead_id,
        ranked.touch_id,
        ranked.opportunity_created_at,
        ranked.first_touched_at,
        cast(ranked.touches as {{ dbt.type_bigint() }}) as touches

    from ranked
    left join catalog
        on ranked.content_id = catalog.content_id
    where ranked.touch_rank = 1

)

select * from final
