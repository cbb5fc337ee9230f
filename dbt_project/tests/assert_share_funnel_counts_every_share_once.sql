-- A returned row means mart_share_funnel does not hold every share of fct_shares exactly once
-- (each share is in one platform x campaign x content x day row), or a grain appears twice
-- (content_id NULL included): shares were lost or counted twice.
--
-- In Dagster a check of mart_share_funnel: dagster-dbt attaches a test that reads
-- several models (here fct_shares too) only to the one its meta names.
{{ config(meta={'dagster': {'ref': {'name': 'mart_share_funnel'}}}) }}

with

totals as (

    select
        (select count(*) from {{ ref('fct_shares') }}) as fct_shares,
        (select coalesce(sum(shares), 0) from {{ ref('mart_share_funnel') }}) as funnel_shares

),

duplicates as (

    select platform, campaign, content_id, share_date
    from {{ ref('mart_share_funnel') }}
    group by platform, campaign, content_id, share_date
    having count(*) > 1

)

select
    'shares' as problem,
    cast(totals.fct_shares as {{ dbt.type_string() }}) as detail
from totals
where totals.fct_shares != totals.funnel_shares

union all

select
    'duplicate grain',
    {{ dbt.concat(["platform", "'/'", "campaign", "'/'", "coalesce(content_id, '(null)')"]) }}
from duplicates
