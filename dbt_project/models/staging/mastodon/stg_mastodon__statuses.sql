-- One row per status: its latest version in `stg_mastodon__status_versions` (latest load wins).
-- A table incremental by raw partition (dbt_project.yml): a run's pre-hook deletes the rows its
-- window may change, and the run adds the latest version of every key the table lacks.
{{ config(pre_hook="{{ delete_changed_latest('post_id', 'stg_mastodon__status_versions') }}") }}

with

versions as (

    select * from {{ ref('stg_mastodon__status_versions') }} as version
    {% if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as held where held.post_id = version.post_id
    )
    {% endif %}

),

latest as (

    select * exclude (_item)
    from versions
    qualify row_number() over (
        partition by post_id
        order by _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from latest
