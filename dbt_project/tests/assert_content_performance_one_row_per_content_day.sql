-- A returned row is a content and day that appears more than once in
-- mart_content_performance (its grain is content x day).
select
    content_id,
    activity_date,
    count(*) as rows_for_content_day

from {{ ref('mart_content_performance') }}
group by content_id, activity_date
having count(*) > 1
