-- Clicks on shared links with the content their long URL leads to (NULL when the URL is not
-- in the catalog).
with

clicks as (

    select
        click_id,
        link_hash,
        {{ canonical_url('long_url') }} as target_url,
        clicked_at

    from {{ ref('stg_clicks__clicks') }}

),

catalog as (

    select * from {{ ref('stg_content__catalog') }}

),

final as (

    select
        clicks.click_id,
        clicks.link_hash,
        clicks.target_url,
        catalog.content_id,
        clicks.clicked_at,
        cast(clicks.clicked_at as date) as click_date

    from clicks
    left join catalog
        on clicks.target_url = catalog.canonical_url

)

select * from final
