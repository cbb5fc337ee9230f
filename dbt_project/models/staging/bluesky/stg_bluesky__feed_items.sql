-- One row per feed item: its latest version in `stg_bluesky__feed_item_versions` (latest load wins).
-- A table incremental by raw partition (dbt_project.yml): a run's pre-hook deletes the rows its
-- window may change, and the run adds the latest version of every key the table lacks.
{{ config(pre_hook="{{ delete_changed_latest('feed_item_id', 'stg_bluesky__feed_item_versions') }}") }}

with

versions as (

    select * from {{ ref('stg_bluesky__feed_item_versions') }} as version
    {% if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as held where held.feed_item_id = version.feed_item_id
    )
    {% endif %}

),

latest as (

    select * exclude (_item)
    from versions
    qualify row_number() over (
        partition by feed_item_id
        order by _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from latest
