-- One row per GA4 event. A table incremental by raw partition (dbt_project.yml): the per-event
-- work (parameters unnested, UTM tags parsed, identifiers pseudonymized) is done once per export
-- date, not by every model and test that reads the events, and a daily run parses only its own.
with

source as (

    select
        *,
        list_filter(event_params, lambda p: p.key = 'ga_session_id')[1].value
            as ga_session_id_value,
        list_filter(event_params, lambda p: p.key = 'ga_session_number')[1].value
            as ga_session_number_value,
        list_filter(event_params, lambda p: p.key = 'page_location')[1].value.string_value
            as page_location,
        list_filter(event_params, lambda p: p.key = 'page_referrer')[1].value.string_value
            as page_referrer,
        list_filter(event_params, lambda p: p.key = 'page_title')[1].value.string_value
            as page_title
    from {{ source('web_analytics', 'web_analytics_events') }}
    {% if is_incremental() %}
    where {{ in_partition_window() }}
    {% endif %}

),

renamed as (

    select
        ----------  ids
        -- the client id identifies a browser: only its pseudonym, the same as the CRM's
        -- ga_client_id, is kept, and the event id is built from it
        md5(concat_ws(
            '|', {{ pseudonymize('user_pseudo_id') }}, event_timestamp, event_name, _source_file,
            _line
        )) as event_id,
        {{ pseudonymize('user_pseudo_id') }} as user_pseudo_id,
        coalesce(
            ga_session_id_value.int_value, try_cast(ga_session_id_value.string_value as bigint)
        ) as ga_session_id,

        ---------- strings
        event_name,
        page_location,
        -- a referring page can name a person (a post's URL): its host is enough
        nullif(lower(regexp_extract(page_referrer, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)', 1)), '')
            as page_referrer_host,
        page_title,
        -- UTM tags: GA4's collected_traffic_source where it has them, else the landing URL's
        -- query (parameter names in any case, values URL-decoded and lower-cased)
        coalesce(
            {{ tracking_value('collected_traffic_source.manual_source') }},
            {{ tracking_param('page_location', "'utm_source'") }}
        ) as utm_source,
        coalesce(
            {{ tracking_value('collected_traffic_source.manual_medium') }},
            {{ tracking_param('page_location', "'utm_medium'") }}
        ) as utm_medium,
        coalesce(
            {{ tracking_value('collected_traffic_source.manual_campaign_name') }},
            {{ tracking_param('page_location', "'utm_campaign'") }}
        ) as utm_campaign,
        coalesce(
            {{ tracking_value('collected_traffic_source.manual_content') }},
            {{ tracking_param('page_location', "'utm_content'") }}
        ) as utm_content,
        coalesce(
            {{ tracking_value('collected_traffic_source.manual_term') }},
            {{ tracking_param('page_location', "'utm_term'") }}
        ) as utm_term,
        -- ad click ids: which kind the landing carried; the id itself only as a pseudonym
        case
            when nullif(collected_traffic_source.gclid, '') is not null then 'gclid'
            {%- for name in ['gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'fbclid', 'ttclid', 'twclid', 'li_fat_id'] %}
            when {{ tracking_param('page_location', "'" ~ name ~ "'") }} is not null then '{{ name }}'
            {%- endfor %}
        end as click_id_type,
        {{ pseudonymize(
            "coalesce(nullif(collected_traffic_source.gclid, ''), nullif(regexp_extract(page_location, '(?i)[?&](?:gclid|dclid|gbraid|wbraid|msclkid|fbclid|ttclid|twclid|li_fat_id)=([^&#]+)', 1), ''))"
        ) }} as click_id,
        device.category as device_category,
        geo.country as country,

        ---------- numerics
        coalesce(
            ga_session_number_value.int_value,
            try_cast(ga_session_number_value.string_value as bigint)
        ) as ga_session_number,

        ---------- dates and timestamps
        try_strptime(event_date, '%Y%m%d')::date as event_date,
        make_timestamp(event_timestamp) as event_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id,
        _partition_date

    from source

)

select * from renamed
