-- One row per post: its latest version in `stg_x__post_versions` (latest load wins; within it,
-- a post's own record wins over its copy in includes).
-- A table incremental by raw partition (dbt_project.yml): a run's pre-hook deletes the rows its
-- window may change, and the run adds the latest version of every key the table lacks.
-- A post that X's compliance events removed (`stg_x__removed_posts`) is left out, and so are
-- its reshares (X deletes a retweet with its original); a reply or quote of it stays, a post
-- of its own, with its link to the removed post cut (NULL). The run's second pre-hook deletes
-- all of them from what the table holds, so that they are picked again.
{{ config(pre_hook=[
    "{{ delete_changed_latest('post_id', 'stg_x__post_versions') }}",
    "{{ delete_removed_posts() }}",
]) }}

with

removed as (

    select post_id from {{ ref('stg_x__removed_posts') }}

),

versions as (

    select * from {{ ref('stg_x__post_versions') }} as version
    where not exists (
        select 1 from removed
        where removed.post_id in (version.post_id, version.reshared_post_id)
    )
    {% if is_incremental() %}
    and not exists (
        select 1 from {{ this }} as held where held.post_id = version.post_id
    )
    {% endif %}

),

latest as (

    select * exclude (_item) replace (
        {% for link in ('conversation_id', 'quoted_post_id', 'replied_to_post_id') -%}
        case when {{ link }} not in (select post_id from removed) then {{ link }} end
            as {{ link }}{{ "," if not loop.last }}
        {% endfor %}
    )
    from versions
    qualify row_number() over (
        partition by post_id
        order by _partition_date desc, is_included, _source_file desc, _line desc, _item desc
    ) = 1

)

select * from latest
