with

source as (

    select * from {{ source('bluesky', 'bluesky_profiles') }}

),

renamed as (

    select
        ----------  ids
        {{ pseudonymize('did') }} as account_id,

        ---------- strings
        {{ pseudonymize('lower(handle)') }} as handle,
        {{ handle_shape("split_part(handle, '.', 1)") }},

        ---------- numerics
        followersCount as followers_count,
        followsCount as following_count,
        postsCount as post_count,

        ---------- booleans
        -- the description itself identifies its author; whether there is one is the signal
        coalesce(trim(description) <> '', false) as has_description,
        {{ declares_bot('displayName', 'description') }} as declares_bot,
        -- the avatar URL embeds the did; a profile without one shows the default picture
        coalesce(avatar, '') = '' as has_default_avatar,

        ---------- timestamps
        try_cast(createdAt as timestamptz) at time zone 'UTC' as account_created_at,
        try_cast(indexedAt as timestamptz) at time zone 'UTC' as observed_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where did is not null
    qualify row_number() over (
        partition by did
        order by _partition_date desc, observed_at desc nulls last, _source_file desc,
            _line desc, _item desc
    ) = 1

)

select * from renamed
