-- A returned row is a share whose trust weight is not account_factor * content_factor *
-- network_factor, whose factors leave [0, 1], whose burst flag and burst id disagree, or
-- whose network factor is not 1 outside a burst.
select
    share_id,
    account_factor,
    content_factor,
    network_factor,
    trust_weight,
    in_coordinated_burst,
    burst_id

from {{ ref('fct_shares') }}
where abs(trust_weight - account_factor * content_factor * network_factor) > 1e-12
    or account_factor < 0 or account_factor > 1
    or content_factor < 0 or content_factor > 1
    or network_factor < 0 or network_factor > 1
    or in_coordinated_burst != (burst_id is not null)
    or (not in_coordinated_burst and network_factor != 1)
