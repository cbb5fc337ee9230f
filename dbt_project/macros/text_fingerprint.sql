{#- A keyed hash of a post's words, so that copies of one text can be found without keeping
    the text, which names people: lower-cased, with a retweet's `RT @handle:` prefix, @mentions
    and links (whose short forms differ per post) removed, whitespace collapsed. NULL when no
    words are left. -#}
{% macro text_fingerprint(text_expr) -%}
    {%- set words -%}
        nullif(trim(regexp_replace(
            regexp_replace(lower({{ text_expr }}), '^rt @\w+:|@[\w.-]+|https?://\S+', ' ', 'g'),
            '\s+',
            ' ',
            'g'
        )), '')
    {%- endset -%}
    {{ pseudonymize(words) }}
{%- endmacro %}
