-- Every X compliance event delivered, kept as the record of what X asked to be done: a
-- deleted or dropped post leaves the marts through `stg_x__removed_posts`.
with

source as (

    select * from {{ source('x', 'x_compliance_events') }}

),

renamed as (

    select
        ----------  ids
        post_id,
        {{ pseudonymize('user_id') }} as account_id,

        ---------- strings
        event,

        ---------- timestamps
        try_cast(event_at as timestamptz) at time zone 'UTC' as event_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id,
        _partition_date

    from source

)

select * from renamed
