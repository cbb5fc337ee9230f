with

source as (

    select * from {{ source('x', 'x_users') }}

),

renamed as (

    select
        ----------  ids
        {{ pseudonymize('id') }} as account_id,

        ---------- strings
        -- handles are case-insensitive on X
        {{ pseudonymize('lower(username)') }} as handle,
        {{ handle_shape('username') }},
        verified_type,

        ---------- numerics
        public_metrics.followers_count as followers_count,
        public_metrics.following_count as following_count,
        public_metrics.tweet_count as post_count,
        public_metrics.listed_count as listed_count,
        public_metrics.like_count as like_count,

        ---------- booleans
        -- the bio itself identifies its author; whether there is one is the signal (NULL
        -- when the export did not ask for it)
        trim(description) <> '' as has_description,
        {{ declares_bot('name', 'description') }} as declares_bot,
        verified as is_verified,
        protected as is_protected,
        profile_image_url like '%/default_profile_images/%' as has_default_profile_image,
        -- a lookup without `public_metrics` in its user.fields carries no counts
        public_metrics.followers_count is not null as has_profile_counts,

        ---------- timestamps
        try_cast(created_at as timestamptz) at time zone 'UTC' as account_created_at,
        -- a search page does not say when it was fetched: the export date is the best bound
        cast(_partition_date as timestamp) as observed_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    qualify row_number() over (
        partition by id
        order by _partition_date desc, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from renamed
