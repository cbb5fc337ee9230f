{#- dbt-duckdb's catalog query, with each table's row count as a stat, so the dbt docs site
    (`make docs`) shows how many rows every table holds. DuckDB keeps the count in its
    catalog (`duckdb_tables().estimated_size`): reading it scans no table. Views get none. -#}
{% macro duckdb__get_catalog_results_sql() -%}
    select
        tables.table_database,
        tables.table_schema,
        tables.table_name,
        tables.table_type,
        tables.table_comment,
        columns.column_name,
        columns.column_index,
        columns.column_type,
        columns.column_comment,
        null as table_owner,
        'Rows' as "stats:row_count:label",
        sizes.estimated_size as "stats:row_count:value",
        sizes.estimated_size is not null as "stats:row_count:include",
        'Rows in the table when the docs were written (DuckDB''s catalog)'
            as "stats:row_count:description"
    from tables
    join columns using (table_database, table_schema, table_name)
    left join duckdb_tables() as sizes
        on sizes.database_name = tables.table_database
        and sizes.schema_name = tables.table_schema
        and sizes.table_name = tables.table_name
    order by table_schema, table_name, column_index
{%- endmacro %}
