with

source as (

    select * from {{ source('content', 'content_catalog') }}

),

renamed as (

    select
        ----------  ids
        md5({{ canonical_url('url') }}) as content_id,

        ---------- strings
        url,
        {{ canonical_url('url') }} as canonical_url,
        title,
        content_type,
        nullif(trim(campaign), '') as campaign,

        ---------- booleans
        coalesce(content_type = 'advertisement', false) as is_advertisement,

        ---------- timestamps
        try_cast(published_at as timestamptz) at time zone 'UTC' as published_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where {{ canonical_url('url') }} is not null
    -- each export date is a full snapshot: the latest snapshot's row wins
    qualify row_number() over (
        partition by {{ canonical_url('url') }}
        order by _partition_date desc, _source_file desc, _line desc
    ) = 1

)

select * from renamed
