{#- The shape of a handle, which outlives its pseudonymization: bot-detection studies use
    the length of the screen name and the digits in it (generated names such as
    "maria83920417" are typical of mass-created accounts). `local_part` is the handle
    without its instance or domain. -#}
{% macro handle_shape(local_part) -%}
    length({{ local_part }}) as handle_length,
    length(regexp_replace({{ local_part }}, '[^0-9]', '', 'g')) as handle_digit_count
{%- endmacro %}
