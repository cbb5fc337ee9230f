with

source as (

    select * from {{ source('bluesky', 'bluesky_reposted_by') }}

),

renamed as (

    select
        ----------  ids
        -- built like a repost's feed_item_id in stg_bluesky__feed_items, so the two match
        'repost:' || {{ pseudonymize('did') }} || ':' || {{ pseudonymize('uri') }}
            as feed_item_id,
        {{ pseudonymize('uri') }} as reshared_post_id,
        {{ pseudonymize('did') }} as account_id,

        ---------- strings
        {{ pseudonymize('lower(handle)') }} as handle,
        {{ handle_shape("split_part(handle, '.', 1)") }},

        ---------- booleans
        coalesce(avatar, '') = '' as has_default_avatar,

        ---------- timestamps
        try_cast(createdAt as timestamptz) at time zone 'UTC' as account_created_at,
        -- getRepostedBy says who reposted, not when: the export date is the latest it can be
        cast(_partition_date as timestamp) as observed_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where uri is not null and did is not null
    qualify row_number() over (
        partition by uri, did
        order by _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from renamed
