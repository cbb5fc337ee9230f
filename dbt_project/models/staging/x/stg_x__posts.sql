-- One row per post: its latest version in `stg_x__post_versions` (latest load wins; within it,
-- a post's own record wins over its copy in includes).
-- A table incremental by raw partition (dbt_project.yml): a run's pre-hook deletes the rows its
-- window may change, and the run adds the latest version of every key the table lacks.
{{ config(pre_hook="{{ delete_changed_latest('post_id', 'stg_x__post_versions') }}") }}

with

versions as (

    select * from {{ ref('stg_x__post_versions') }} as version
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
        order by _partition_date desc, is_included, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from latest
