with

source as (

    select * from {{ source('clicks', 'clicks') }}

),

renamed as (

    select
        ----------  ids
        -- a click has no id of its own; its place in the delivered log is unique
        md5(_source_file || ':' || _line) as click_id,
        h as link_hash,
        g as global_hash,

        ---------- strings
        u as long_url,
        r as referrer,
        c as country,
        gr as region,
        cy as city,
        tz as timezone,
        a as user_agent,

        ---------- timestamps
        make_timestamp(t * 1000000) as clicked_at,
        make_timestamp(hc * 1000000) as link_created_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where _heartbeat_ is null

)

select * from renamed
