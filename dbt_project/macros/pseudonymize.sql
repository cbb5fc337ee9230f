{#- The pseudonym of a personal identifier: a keyed SHA-256 hash as lowercase hex, NULL for
    NULL. Deterministic for one key, so the same handle, id or client id joins across models
    and sources; without the key nobody can recompute it from a guessed value. -#}
{% macro pseudonymize(expr) -%}
    {{ return(adapter.dispatch('pseudonymize', 'sharesignal')(expr)) }}
{%- endmacro %}

{#- DuckDB has no HMAC: the key is prefixed instead (sha256 of key, separator, value). -#}
{% macro duckdb__pseudonymize(expr) -%}
    sha256('{{ pseudonym_key() | replace("'", "''") }}' || chr(31) || cast({{ expr }} as varchar))
{%- endmacro %}

{#- No engine-neutral keyed hash exists; an unkeyed fallback would leak identifiers. -#}
{% macro default__pseudonymize(expr) -%}
    {{ exceptions.raise_compiler_error(
        "pseudonymize has no implementation for the " ~ adapter.type() ~ " adapter: write a "
        ~ adapter.type() ~ "__pseudonymize macro (a keyed SHA-256 as lowercase hex, NULL for NULL)"
    ) }}
{%- endmacro %}

{#- The key from SHARESIGNAL_PSEUDONYM_KEY; an empty value counts as not set (it would make
    the hash unkeyed), and then the public development key is used. -#}
{% macro pseudonym_key() -%}
    {{ return(env_var('SHARESIGNAL_PSEUDONYM_KEY', '') or var('pseudonym_dev_key')) }}
{%- endmacro %}

{#- on-run-start hook: say loudly that the public development key is in use. -#}
{% macro warn_if_default_pseudonym_key() -%}
    {%- if execute and pseudonym_key() == var('pseudonym_dev_key') -%}
        {{ exceptions.warn(
            "SHARESIGNAL_PSEUDONYM_KEY is not set: personal identifiers are pseudonymized with "
            "the public development key, which does not protect them. Fine for sample data; "
            "for real exports set SHARESIGNAL_PSEUDONYM_KEY to a long random secret."
        ) }}
    {%- endif -%}
{%- endmacro %}
