-- A returned row is a content-day of mart_content_performance with more earned shares than
-- shares: an earned share is one of the day's shares, so it can never outnumber them.
select
    content_id,
    activity_date,
    raw_shares,
    earned_shares

from {{ ref('mart_content_performance') }}
where earned_shares > raw_shares
    or earned_shares < 0
