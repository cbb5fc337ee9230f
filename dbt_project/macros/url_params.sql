{#- The value of query parameter `name` of a URL as tracking code must read it: the name
    matched case-insensitively (`UTM_Source=`), `&amp;` (links copied out of HTML, e.g.
    Mastodon posts) read as `&`, the value URL-decoded ('+' is a space), trimmed and
    lower-cased. NULL when the parameter is absent or empty. `name` is a SQL string
    literal. -#}
{% macro tracking_param(url_expr, name) -%}
    nullif(
        lower(trim(url_decode(replace(
            regexp_extract(
                replace({{ url_expr }}, '&amp;', '&'),
                '(?i)[?&]' || {{ name }} || '=([^&#]*)',
                1
            ),
            '+',
            ' '
        )))),
        ''
    )
{%- endmacro %}

{#- A tracking value as delivered by a form or an export field (a lead's UTM_*__c,
    GA4's collected_traffic_source): URL-decoded when it still is encoded, trimmed and
    lower-cased; NULL when empty. -#}
{% macro tracking_value(expr) -%}
    nullif(lower(trim(url_decode(replace({{ expr }}, '+', ' ')))), '')
{%- endmacro %}
