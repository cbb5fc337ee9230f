-- A returned row means mart_amplification_audit audits a different number of shares than
-- fct_shares holds for catalog content: a share was lost or counted twice.
--
-- In Dagster a check of mart_amplification_audit: dagster-dbt attaches a test that reads
-- several models (here fct_shares too) only to the one its meta names.
{{ config(meta={'dagster': {'ref': {'name': 'mart_amplification_audit'}}}) }}

with

facts as (

    select count(*) as shares
    from {{ ref('fct_shares') }}
    where content_id is not null

),

mart as (

    select coalesce(sum(shares), 0) as shares
    from {{ ref('mart_amplification_audit') }}

)

select
    facts.shares as fact_shares,
    mart.shares as mart_shares

from facts
cross join mart
where facts.shares != mart.shares
