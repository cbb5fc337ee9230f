with

source as (

    -- every actor a feed shows: post authors, and reposters
    select post.author as actor, _partition_date, _source_file, _line, _item, _load_id
    from {{ source('bluesky', 'bluesky_feed_items') }}
    union all
    select reason.by, _partition_date, _source_file, _line, _item, _load_id
    from {{ source('bluesky', 'bluesky_feed_items') }}
    where reason.by.did is not null

),

renamed as (

    select
        ----------  ids
        actor.did as account_id,

        ---------- strings
        actor.handle as handle,
        actor.displayName as display_name,

        ---------- timestamps
        try_cast(actor.createdAt as timestamptz) at time zone 'UTC' as account_created_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where actor.did is not null
    qualify row_number() over (
        partition by actor.did
        order by _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from renamed
