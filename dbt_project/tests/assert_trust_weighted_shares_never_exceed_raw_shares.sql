-- A returned row is a content-day whose trust-weighted shares exceed its raw shares: a share
-- weighed more than 1, which no trust weight may.
select
    content_id,
    activity_date,
    raw_shares,
    trust_weighted_shares

from {{ ref('mart_content_performance') }}
where trust_weighted_shares > raw_shares
