-- One row per status: its latest version in `stg_mastodon__status_versions` (latest load wins).
with

versions as (

    select * from {{ ref('stg_mastodon__status_versions') }}

),

latest as (

    select * exclude (_partition_date, _item)
    from versions
    qualify row_number() over (
        partition by post_id
        order by _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from latest
