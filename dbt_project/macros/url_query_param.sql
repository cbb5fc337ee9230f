{#- The value of query parameter `name` in a URL, URL-decoded ('+' is a space);
    NULL when the parameter is absent or empty. `name` is a SQL string literal. -#}
{% macro url_query_param(url_expr, name) -%}
    nullif(
        url_decode(replace(
            regexp_extract({{ url_expr }}, '[?&]' || {{ name }} || '=([^&#]*)', 1),
            '+',
            ' '
        )),
        ''
    )
{%- endmacro %}
