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
