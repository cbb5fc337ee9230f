{#- The canonical form of a URL, so that links, clicks, sessions and the catalog join:
    scheme and host lower-cased, query string and fragment dropped, trailing slashes
    dropped. NULL for NULL or empty input. -#}
{% macro canonical_url(url_expr) -%}
    {%- set bare -%}
        split_part(split_part(trim({{ url_expr }}), '#', 1), '?', 1)
    {%- endset -%}
    {%- set origin = "'^[A-Za-z][A-Za-z0-9+.-]*://[^/]*'" -%}
    nullif(
        regexp_replace(
            lower(regexp_extract({{ bare }}, {{ origin }}))
            || regexp_replace({{ bare }}, {{ origin }}, ''),
            '/+$',
            ''
        ),
        ''
    )
{%- endmacro %}
