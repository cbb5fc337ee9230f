{#- Whether a profile's own words say it is a bot ("I'm a bot", "bot for @someone", a name
    ending in "Bot"): the word "bot" in the display name or the bio, whichever the platform
    gives. NULL when neither is known. Computed in staging, before the texts are dropped. -#}
{% macro declares_bot(name, bio) -%}
    case
        when {{ name }} is null and {{ bio }} is null then null
        else regexp_matches(
            lower(coalesce({{ name }}, '') || ' ' || coalesce({{ bio }}, '')), '\bbot\b'
        )
    end
{%- endmacro %}
