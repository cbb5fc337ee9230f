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
        {{ pseudonymize('actor.did') }} as account_id,

        ---------- strings
        {{ pseudonymize('lower(actor.handle)') }} as handle,
        {{ handle_shape("split_part(actor.handle, '.', 1)") }},

        ---------- booleans
        -- the avatar URL embeds the did; an actor without one shows the default picture
        coalesce(actor.avatar, '') = '' as has_default_avatar,
        -- a feed shows the display name but not the bio
        {{ declares_bot('actor.displayName', 'null') }} as declares_bot,

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
        -- a post fetched by getRecord names its author's did but no handle
        order by actor.handle is null, _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from renamed
