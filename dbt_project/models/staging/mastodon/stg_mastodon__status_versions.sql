-- Every status record the exports carried, one row per raw record, parsed and pseudonymized: a
-- table incremental by raw partition (dbt_project.yml), so a daily run does this work for its
-- export date only. `stg_mastodon__statuses` keeps the latest version of each status.
with

source as (

    select
        *,
        -- content without HTML; a reblog's own content is empty
        trim(regexp_replace(
            replace(replace(replace(replace(replace(
                regexp_replace(
                    regexp_replace(content, '<br\s*/?>|</p>', ' ', 'g'), '<[^>]*>', '', 'g'
                ),
                '&quot;', '"'), '&#39;', ''''), '&lt;', '<'), '&gt;', '>'), '&amp;', '&'),
            '\s+', ' ', 'g'
        )) as text
    from {{ source('mastodon', 'mastodon_statuses') }}
    {% if is_incremental() %}
    where {{ in_partition_window() }}
    {% endif %}

),

renamed as (

    select
        ----------  ids
        id as post_id,
        {{ pseudonymize('account.id') }} as account_id,
        reblog.id as reshared_post_id,
        in_reply_to_id as replied_to_post_id,

        ---------- strings
        -- the text names people (mentions): only what is needed of it stays
        {{ text_fingerprint('text') }} as text_fingerprint,
        case
            when reblog.id is not null then 'reshare'
            when in_reply_to_id is not null then 'reply'
            else 'original'
        end as share_type,
        -- the link card, else the reblogged status's card, else the first link of the
        -- text that is not a mention or hashtag
        coalesce(
            card.url,
            reblog.card.url,
            regexp_extract(
                list_filter(
                    regexp_extract_all(coalesce(nullif(content, ''), reblog.content), '<a [^>]*>'),
                    lambda a: a not like '%mention%'
                )[1],
                'href="([^"]*)"',
                1
            )
        ) as shared_url,
        language,

        ---------- numerics
        length(text) as text_length,
        reblogs_count,
        replies_count,
        favourites_count,

        ---------- timestamps
        try_cast(created_at as timestamptz) at time zone 'UTC' as posted_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id,
        _partition_date,
        _item

    from source

)

select * from renamed
