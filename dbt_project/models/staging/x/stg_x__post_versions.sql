-- Every post record the exports carried, one row per raw record, parsed and pseudonymized: a
-- table incremental by raw partition (dbt_project.yml), so a daily run does this work for its
-- export date only. `stg_x__posts` keeps the latest version of each post.
with

source as (

    select * from {{ source('x', 'x_posts') }}
    {% if is_incremental() %}
    where {{ in_partition_window() }}
    {% endif %}

),

renamed as (

    select
        ----------  ids
        id as post_id,
        {{ pseudonymize('author_id') }} as account_id,
        conversation_id,
        list_filter(referenced_tweets, lambda r: r.type = 'retweeted')[1].id as reshared_post_id,
        list_filter(referenced_tweets, lambda r: r.type = 'quoted')[1].id as quoted_post_id,
        list_filter(referenced_tweets, lambda r: r.type = 'replied_to')[1].id
            as replied_to_post_id,

        ---------- strings
        -- the text names people (`RT @handle:`, mentions): only what is needed of it stays
        {{ text_fingerprint('text') }} as text_fingerprint,
        case
            when reshared_post_id is not null then 'reshare'
            when quoted_post_id is not null then 'quote'
            when replied_to_post_id is not null then 'reply'
            else 'original'
        end as share_type,
        -- a quote's permalink to the quoted post (`x.com/<handle>/status/...`) is no shared
        -- link, and it names the quoted author
        list_filter(
            entities.urls,
            lambda u: not regexp_matches(u.expanded_url, '^https?://([a-z]+\.)?(twitter|x)\.com/')
        )[1].expanded_url as shared_url,
        lang,
        source as source_app,

        ---------- numerics
        length(text) as text_length,
        public_metrics.retweet_count as retweet_count,
        public_metrics.reply_count as reply_count,
        public_metrics.like_count as like_count,
        public_metrics.quote_count as quote_count,

        ---------- booleans
        _included as is_included,

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
