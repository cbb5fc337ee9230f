{#- The post-hook of int_sessions (docs: _macros.yml). A run rebuilds the sessions of the
    browsers its window touched; a session's content is the catalog's entry for its landing
    page, and the catalog may learn of a page days after its sessions were built (content
    published later, a corrected catalog export). So every held session takes the content the
    catalog gives its landing page now, as a full refresh would. -#}
{% macro refresh_session_content() %}
    {%- if is_incremental() -%}
    update {{ this }} as held
    set content_id = looked_up.content_id
    from (
        select sessions.session_key, catalog.content_id
        from {{ this }} as sessions
        left join {{ ref('stg_content__catalog') }} as catalog
            on sessions.landing_url = catalog.canonical_url
        where sessions.content_id is distinct from catalog.content_id
    ) as looked_up
    where held.session_key = looked_up.session_key
    {%- endif -%}
{% endmacro %}

{#- How far back an incremental run rebuilds sessions and touches: `session_lookback_days`
    before the window's first date (docs: _macros.yml). -#}
{% macro session_lookback_cutoff() %}
    {{- return(dbt.dateadd('day', -var('session_lookback_days', 3), "cast('" ~ partition_min_date() ~ "' as date)")) -}}
{% endmacro %}

{#- The pre-hook of int_share_touches (docs: _macros.yml): a run rebuilds every touch from the
    lookback cutoff on, so it deletes them all first; a touch it no longer finds (its share gone
    from a corrected export, its session moved) does not stay behind. -#}
{% macro delete_rebuilt_touches() %}
    {%- if is_incremental() -%}
    delete from {{ this }} where touched_at >= {{ session_lookback_cutoff() }}
    {%- endif -%}
{% endmacro %}
