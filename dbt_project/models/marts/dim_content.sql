-- One row per piece of the business's content, from its latest catalog snapshot.
with

catalog as (

    select * from {{ ref('stg_content__catalog') }}

),

final as (

    select
        cast(content_id as {{ dbt.type_string() }}) as content_id,
        cast(canonical_url as {{ dbt.type_string() }}) as canonical_url,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(content_type as {{ dbt.type_string() }}) as content_type,
        cast(campaign as {{ dbt.type_string() }}) as campaign,
        cast(is_advertisement as {{ dbt.type_boolean() }}) as is_advertisement,
        cast(published_at as {{ dbt.type_timestamp() }}) as published_at

    from catalog

)

select * from final
