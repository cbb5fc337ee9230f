-- One row per post: its latest version in `stg_x__post_versions` (latest load wins; within it,
-- a post's own record wins over its copy in includes).
with

versions as (

    select * from {{ ref('stg_x__post_versions') }}

),

latest as (

    select * exclude (_partition_date, _item)
    from versions
    qualify row_number() over (
        partition by post_id
        order by _partition_date desc, is_included, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from latest
