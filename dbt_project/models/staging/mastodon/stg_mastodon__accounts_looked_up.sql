with

source as (

    select * from {{ source('mastodon', 'mastodon_accounts') }}

),

renamed as (

    select
        ----------  ids
        {{ pseudonymize('id') }} as account_id,

        ---------- strings
        -- acct is case-insensitive, like the handles of other platforms
        {{ pseudonymize('lower(acct)') }} as handle,
        {{ handle_shape('username') }},

        ---------- numerics
        followers_count,
        following_count,
        statuses_count as post_count,

        ---------- booleans
        coalesce(bot, false) as is_bot,
        {{ declares_bot('display_name', "regexp_replace(note, '<[^>]*>', ' ', 'g')") }}
            as declares_bot,
        coalesce(locked, false) as is_locked,
        coalesce(avatar like '%missing.png', false) as has_default_avatar,
        -- the note itself identifies its author; whether there is one is the signal
        coalesce(trim(regexp_replace(note, '<[^>]*>', '', 'g')) <> '', false) as has_description,

        ---------- timestamps
        try_cast(created_at as timestamptz) at time zone 'UTC' as account_created_at,
        -- a lookup says nothing of when it was made but the export date
        cast(_partition_date as timestamp) as observed_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where id is not null
    qualify row_number() over (
        partition by id
        order by _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from renamed
