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
        -- a referring page can name a person (`https://mastodon.social/@user/123`): its
        -- host is enough to tell where clicks come from; `direct` and the like stay
        coalesce(nullif(lower(regexp_extract(r, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)', 1)), ''), r)
            as referrer_host,
        -- the city, coordinates and user agent of a click narrow it down to a person;
        -- country and region do not
        c as country,
        gr as region,
        tz as timezone,

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
