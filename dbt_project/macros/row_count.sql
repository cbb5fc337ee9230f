{#- The post-hook of every table: its row count in dbt's log (docs: _macros.yml). -#}
{% macro log_row_count() %}
    {%- if execute and config.get('materialized') in ('table', 'incremental', 'seed') -%}
        {%- set rows = run_query('select count(*) from ' ~ this).columns[0].values()[0] -%}
        {%- do log('row count of ' ~ this ~ ': ' ~ rows, info=True) -%}
    {%- endif -%}
{% endmacro %}
