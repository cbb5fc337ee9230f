{#- The post-hook of int_share_facts (docs: _macros.yml). A run derives again the shares a
    change can reach, and dbt's delete+insert replaces them; a share staging no longer holds
    (a corrected export without it, a post removed by compliance) has no new row to replace
    it, so it is deleted here, after the run has read what the table held of it. -#}
{% macro delete_shares_gone() %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where share_id not in (select share_id from {{ ref('int_share_inputs') }})
    {%- endif -%}
{% endmacro %}
