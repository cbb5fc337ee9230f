-- A returned row is a campaign, content and day of mart_amplification_audit whose parts do not
-- add up: suspected, burst or amplified shares (or weighted shares) above all shares,
-- amplified shares below either part or above their sum, accounts above shares, a share of
-- activity that is not its count divided by the shares, or burst windows without bursts.
select
    campaign,
    content_id,
    activity_date,
    shares,
    suspected_shares,
    burst_shares,
    amplified_shares

from {{ ref('mart_amplification_audit') }}
where shares < 1
    or trust_weighted_shares > shares + 1e-9
    or suspected_shares > shares
    or burst_shares > shares
    or amplified_shares > shares
    or amplified_shares < suspected_shares
    or amplified_shares < burst_shares
    or amplified_shares > suspected_shares + burst_shares
    or accounts > shares
    or suspected_accounts > accounts
    or burst_accounts > accounts
    or bursts > burst_shares
    or abs(suspected_share_of_shares - suspected_shares * 1.0 / shares) > 1e-9
    or abs(burst_share_of_shares - burst_shares * 1.0 / shares) > 1e-9
    or abs(amplified_share_of_shares - amplified_shares * 1.0 / shares) > 1e-9
    or (bursts = 0) != (first_burst_started_at is null)
    or first_burst_started_at > last_burst_started_at
    or first_burst_started_at > first_burst_ended_at
    or last_burst_started_at > last_burst_ended_at
