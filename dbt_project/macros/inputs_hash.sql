{#- One hash of a row's inputs (docs: _macros.yml). Each value is written with its length
    before it, and NULL as a mark no value has, so two different rows cannot be written the
    same way ('a|b', 'c' against 'a', 'b|c'). -#}
{% macro inputs_hash(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- set value = 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- do parts.append(
            "coalesce(" ~ dbt.concat(["cast(length(" ~ value ~ ") as " ~ dbt.type_string() ~ ")",
                                      "':'", value]) ~ ", '-')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
