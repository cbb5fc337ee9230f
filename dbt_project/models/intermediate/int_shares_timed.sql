-- Every share with how soon it followed the post it reacts to and whether it took part in a
-- coordinated burst or co-posted its words (`int_share_facts` derives them, incrementally,
-- and its header gives the definitions; this is its view of the timing facts).
{{ config(materialized='view') }}

select
    share_id,
    account_key,
    platform,
    share_type,
    parent_share_id,
    root_share_id,
    burst_key,
    burst_id,
    shared_at,
    parent_shared_at,
    reaction_latency_seconds,
    in_coordinated_burst,
    is_co_posted_text

from {{ ref('int_share_facts') }}
