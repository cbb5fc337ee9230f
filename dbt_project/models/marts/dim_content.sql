-- One row per piece of the business's content, from its latest catalog snapshot, with its
-- class (advertisement or substantive) and the evidence for it, the content factor its shares
-- are weighed by, how often trusted accounts pass it on, and the cascades its shares form.
with

catalog as (

    select * from {{ ref('stg_content__catalog') }}

),

classified as (

    select * from {{ ref('int_content_classified') }}

),

pass_forward as (

    select * from {{ ref('int_content_pass_forward') }}

),

cascades as (

    select * from {{ ref('int_content_cascades') }}

),

final as (

    select
        -- ids
        cast(catalog.content_id as {{ dbt.type_string() }}) as content_id,
        cast(catalog.canonical_url as {{ dbt.type_string() }}) as canonical_url,

        -- catalog
        cast(catalog.title as {{ dbt.type_string() }}) as title,
        cast(catalog.content_type as {{ dbt.type_string() }}) as content_type,
        cast(catalog.campaign as {{ dbt.type_string() }}) as campaign,
        cast(catalog.is_advertisement as {{ dbt.type_boolean() }}) as is_advertisement,
        cast(catalog.published_at as {{ dbt.type_timestamp() }}) as published_at,

        -- classification
        cast(classified.content_class as {{ dbt.type_string() }}) as content_class,
        cast(classified.advertisement_basis as {{ dbt.type_string() }}) as advertisement_basis,
        cast(classified.content_factor as double) as content_factor,
        cast(classified.paid_utm_touches as {{ dbt.type_bigint() }}) as paid_utm_touches,
        cast(classified.has_paid_utm as {{ dbt.type_boolean() }}) as has_paid_utm,
        cast(classified.is_promotional_campaign as {{ dbt.type_boolean() }})
            as is_promotional_campaign,
        cast(classified.title_cue_sale as {{ dbt.type_boolean() }}) as title_cue_sale,
        cast(classified.title_cue_percent_off as {{ dbt.type_boolean() }})
            as title_cue_percent_off,
        cast(classified.title_cue_buy as {{ dbt.type_boolean() }}) as title_cue_buy,
        cast(classified.title_cue_limited_offer as {{ dbt.type_boolean() }})
            as title_cue_limited_offer,
        cast(classified.title_cue_discount as {{ dbt.type_boolean() }}) as title_cue_discount,
        cast(classified.title_cue_free_trial as {{ dbt.type_boolean() }})
            as title_cue_free_trial,
        cast(classified.title_cue_sponsored as {{ dbt.type_boolean() }}) as title_cue_sponsored,
        cast(classified.title_cue_count as integer) as title_cue_count,

        -- pass-forward
        cast(pass_forward.shares as {{ dbt.type_bigint() }}) as shares_in_cascades,
        cast(pass_forward.passes as {{ dbt.type_bigint() }}) as passes,
        cast(pass_forward.trusted_passes as {{ dbt.type_bigint() }}) as trusted_passes,
        cast(pass_forward.pass_forward_rate as double) as pass_forward_rate,
        cast(pass_forward.trusted_pass_share as double) as trusted_pass_share,

        -- cascades
        cast(cascades.cascades as {{ dbt.type_bigint() }}) as cascades,
        cast(cascades.largest_cascade_size as {{ dbt.type_bigint() }}) as largest_cascade_size,
        cast(cascades.max_depth as integer) as max_cascade_depth,
        cast(cascades.platforms as integer) as share_platforms,
        cast(cascades.platform_list as {{ dbt.type_string() }}) as share_platform_list,
        cast(cascades.is_cross_platform as {{ dbt.type_boolean() }}) as is_cross_platform,
        cast(cascades.first_shared_at as {{ dbt.type_timestamp() }}) as first_shared_at,
        cast(cascades.first_trusted_share_id as {{ dbt.type_string() }})
            as first_trusted_share_id,
        cast(cascades.first_trusted_account_key as {{ dbt.type_string() }})
            as first_trusted_account_key,
        cast(cascades.first_trusted_shared_at as {{ dbt.type_timestamp() }})
            as first_trusted_shared_at

    from catalog
    inner join classified
        on catalog.content_id = classified.content_id
    inner join pass_forward
        on catalog.content_id = pass_forward.content_id
    inner join cascades
        on catalog.content_id = cascades.content_id

)

select * from final
