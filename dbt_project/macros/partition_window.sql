{#- The partition window of the run, first and last export date (inclusive).

    Dagster passes it in the environment (SHARESIGNAL_MIN_DATE, SHARESIGNAL_MAX_DATE): a
    changed environment variable makes dbt re-parse only the models that read it, where
    changed --vars make it re-parse the whole project on every run. Without them the vars
    min_date and max_date apply (dbt_project.yml; a plain `dbt build` covers everything). -#}

{% macro partition_min_date() %}
    {{ return(env_var('SHARESIGNAL_MIN_DATE', var('min_date'))) }}
{% endmacro %}

{% macro partition_max_date() %}
    {{ return(env_var('SHARESIGNAL_MAX_DATE', var('max_date'))) }}
{% endmacro %}

{#- True for a row of a raw partition in the run's window. -#}
{% macro in_partition_window(column='_partition_date') %}
    {{ column }} between cast('{{ partition_min_date() }}' as date)
        and cast('{{ partition_max_date() }}' as date)
{% endmacro %}

{#- The pre-hook of a model incremental by raw partition (docs: _macros.yml). -#}
{% macro delete_partition_window() %}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ in_partition_window() }}
    {%- endif -%}
{% endmacro %}

{#- The pre-hook of a latest-version model incremental by raw partition (docs: _macros.yml). -#}
{% macro delete_changed_latest(key, versions_model) %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ in_partition_window() }}
        or {{ key }} in (
            select {{ key }} from {{ ref(versions_model) }} where {{ in_partition_window() }}
        )
    {%- endif -%}
{% endmacro %}

{#- The pre-hook of stg_x__posts that removes the posts X's compliance events removed (docs:
    _macros.yml). -#}
{% macro delete_removed_posts() %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where exists (
        select 1 from {{ ref('stg_x__removed_posts') }} as removed
        where removed.post_id in (
            post_id, reshared_post_id, quoted_post_id, replied_to_post_id, conversation_id
        )
    )
    {%- endif -%}
{% endmacro %}
