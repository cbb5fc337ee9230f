-- A returned row is an opportunity and share that appear more than once in
-- fct_attributed_opportunities (its grain is opportunity x share): the share would be credited
-- twice.
select
    opportunity_id,
    share_id,
    count(*) as rows_for_opportunity_share

from {{ ref('fct_attributed_opportunities') }}
group by opportunity_id, share_id
having count(*) > 1
