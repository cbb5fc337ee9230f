with

source as (

    -- accounts come inside statuses: the author's, and the author of a reblogged status
    select account, created_at as status_created_at, _partition_date, _source_file, _line,
        _item, _load_id
    from {{ source('mastodon', 'mastodon_statuses') }}
    union all
    select reblog.account, created_at, _partition_date, _source_file, _line, _item, _load_id
    from {{ source('mastodon', 'mastodon_statuses') }}
    where reblog.account.id is not null

),

renamed as (

    select
        ----------  ids
        {{ pseudonymize('account.id') }} as account_id,

        ---------- strings
        -- acct is case-insensitive, like the handles of other platforms
        {{ pseudonymize('lower(account.acct)') }} as handle,
        {{ handle_shape('account.username') }},

        ---------- numerics
        account.followers_count as followers_count,
        account.following_count as following_count,
        account.statuses_count as post_count,

        ---------- booleans
        coalesce(account.bot, false) as is_bot,
        {{ declares_bot('account.display_name', "regexp_replace(account.note, '<[^>]*>', ' ', 'g')") }}
            as declares_bot,
        coalesce(account.locked, false) as is_locked,
        coalesce(account.avatar like '%missing.png', false) as has_default_avatar,
        -- the note itself identifies its author; whether there is one is the signal
        coalesce(trim(regexp_replace(account.note, '<[^>]*>', '', 'g')) <> '', false)
            as has_description,

        ---------- timestamps
        try_cast(account.created_at as timestamptz) at time zone 'UTC' as account_created_at,
        -- the time of the status the account was seen with
        try_cast(status_created_at as timestamptz) at time zone 'UTC' as observed_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where account.id is not null
    qualify row_number() over (
        partition by account.id
        order by observed_at desc nulls last, _partition_date desc, _source_file desc,
            _line desc, _item desc
    ) = 1

)

select * from renamed
