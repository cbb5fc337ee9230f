-- The shares of every platform in one shape, one row per share, with its place in its chain
-- (`int_share_facts` derives it, incrementally; this is its view for the models that read a
-- share's identity, chain, link and words).
{{ config(materialized='view') }}

select
    share_id,
    platform,
    post_id,
    account_key,
    account_id,
    referenced_share_id,
    parent_share_id,
    root_share_id,
    is_root_observed,
    chain_depth,
    share_type,
    shared_url,
    posted_url,
    text_fingerprint,
    text_length,
    shared_at,
    share_date

from {{ ref('int_share_facts') }}
