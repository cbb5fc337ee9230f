-- A returned row means the won revenue in mart_content_performance differs from the amount of
-- the won opportunities attributed to content: revenue was lost or counted twice.
--
-- In Dagster a check of mart_content_performance: dagster-dbt attaches a test that reads
-- several models (here int_opportunities_attributed too) only to the one its meta names.
{{ config(meta={'dagster': {'ref': {'name': 'mart_content_performance'}}}) }}

with

opportunities as (

    select coalesce(sum(amount), 0) as won_revenue
    from {{ ref('int_opportunities_attributed') }}
    where is_won
        and content_id is not null
        and close_date is not null

),

mart as (

    select coalesce(sum(won_revenue), 0) as won_revenue
    from {{ ref('mart_content_performance') }}

)

select
    opportunities.won_revenue as opportunities_won_revenue,
    mart.won_revenue as mart_won_revenue

from opportunities
cross join mart
where opportunities.won_revenue != mart.won_revenue
