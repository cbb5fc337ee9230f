{#- The pseudonym of a personal identifier: a keyed SHA-256 hash as lowercase hex, NULL for
    NULL. Deterministic for one key, so the same handle, id or client id joins across models
    and sources; without the key nobody can recompute it from a guessed value. -#}
{% macro pseudonymize(expr) -%}
    {{ return(adapter.dispatch('pseudonymize', 'sharesignal')(expr)) }}
{%- endmacro %}

{#- DuckDB has no HMAC: the key is prefixed instead (sha256 of key, separator, value). The key
    is a session variable that sharesignal's dbt-duckdb plugin sets on every connection
    (sharesignal/pseudonym_key.py), so it is in no compiled SQL, log or view definition. Unset
    (a profile without the plugin, a reader of a staging view that did not set it), the hash
    fails rather than turn every identifier into NULL (the cast matters: an untyped NULL makes
    DuckDB fold the whole `||` to NULL before the error is reached). -#}
{% macro duckdb__pseudonymize(expr) -%}
    sha256(coalesce(
        cast(getvariable('sharesignal_pseudonym_key') as varchar),
        error('pseudonymize: the DuckDB variable sharesignal_pseudonym_key is not set (the plugin sharesignal.pseudonym_key of profiles.yml sets it)')
    ) || chr(31) || cast({{ expr }} as varchar))
{%- endmacro %}

{#- No engine-neutral keyed hash exists; an unkeyed fallback would leak identifiers. -#}
{% macro default__pseudonymize(expr) -%}
    {{ exceptions.raise_compiler_error(
        "pseudonymize has no implementation for the " ~ adapter.type() ~ " adapter: write a "
        ~ adapter.type() ~ "__pseudonymize macro (a keyed SHA-256 as lowercase hex, NULL for NULL)"
    ) }}
{%- endmacro %}

{#- on-run-start hook: say loudly that the public development key is in use (the plugin
    tells, so that the key itself need not be compared in SQL text). -#}
{% macro warn_if_default_pseudonym_key() -%}
    {%- if execute and run_query(
        "select getvariable('sharesignal_uses_dev_pseudonym_key')"
    ).columns[0].values()[0] -%}
        {{ exceptions.warn(
            "SHARESIGNAL_PSEUDONYM_KEY is not set: personal identifiers are pseudonymized with "
            "the public development key, which does not protect them. Fine for sample data; "
            "for real exports set SHARESIGNAL_PSEUDONYM_KEY to a long random secret."
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether the key changed since the incremental tables were built (docs: _macros.yml). -#}
{% macro pseudonym_key_digest() -%}
    {{ pseudonymize("'sharesignal pseudonym key check'") }}
{%- endmacro %}

{% macro pseudonym_key_record() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='pseudonym_keys'
    )) }}
{%- endmacro %}

{#- The incremental models of the project (a removed model's record is ignored). -#}
{% macro incremental_model_names() -%}
    {{ return(graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('config.materialized', 'equalto', 'incremental')
        | map(attribute='name') | list) }}
{%- endmacro %}

{% macro check_pseudonym_key() -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set record = pseudonym_key_record() -%}
        {%- if adapter.get_relation(record.database, record.schema, record.identifier) -%}
            {%- set stale = run_query(
                "select model from " ~ record ~ " where digest <> " ~ pseudonym_key_digest()
                ~ " and model in ('" ~ incremental_model_names() | join("', '") ~ "')"
                ~ " order by model"
            ).columns[0].values() -%}
            {%- if stale | length > 0 -%}
                {{ exceptions.raise_compiler_error(
                    "SHARESIGNAL_PSEUDONYM_KEY is not the key these incremental tables were "
                    "built with: " ~ stale | join(", ") ~ ". A daily run would mix old and new "
                    "pseudonyms. Rebuild them with a full refresh: `sharesignal backfill --start "
                    "DATE --end DATE --full-refresh` (or in the Dagster UI's Launchpad, config "
                    "ops.dbt_models.config.full_refresh: true; or `dbt build --full-refresh`)."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Every incremental model the run built holds the current key's pseudonyms: a full refresh
    rebuilt it, and otherwise the check above let the run start. -#}
{% macro record_pseudonym_key(results) -%}
    {%- if execute -%}
        {%- set built = [] -%}
        {%- for result in results -%}
            {%- if result.node.resource_type == 'model'
                and result.node.config.materialized == 'incremental'
                and result.status == 'success' -%}
                {%- do built.append("'" ~ result.node.name ~ "'") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if built -%}
            {%- set record = pseudonym_key_record() -%}
            create table if not exists {{ record }} (model varchar, digest varchar);
            delete from {{ record }} where model in ({{ built | join(', ') }});
            insert into {{ record }}
            select unnest([{{ built | join(', ') }}]), {{ pseudonym_key_digest() }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
