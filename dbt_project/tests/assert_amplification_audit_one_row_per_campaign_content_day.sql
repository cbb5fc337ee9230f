-- A returned row is a content and day that appears more than once in
-- mart_amplification_audit: its grain is campaign x content x day, and each content belongs
-- to one campaign, so a content-day twice is a duplicate (or a content under two campaigns).
select
    content_id,
    activity_date,
    count(*) as rows_for_content_day,
    count(distinct campaign) as campaigns

from {{ ref('mart_amplification_audit') }}
group by content_id, activity_date
having count(*) > 1
