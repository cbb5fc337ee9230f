-- Where each short link leads: the click log names the link (`h`) and its long URL (`u`),
-- so a share of `https://<short domain>/<hash>` can be traced to the content it points at.
-- Links nobody clicked cannot be resolved.
with

clicks as (

    select * from {{ ref('int_clicks_attributed') }}
    where link_hash is not null
        and target_url is not null

),

final as (

    -- One long URL per link: the clicks of a link differ at most in the UTM query, which
    -- canonical URLs drop.
    select
        link_hash,
        min(target_url) as target_url

    from clicks
    group by link_hash

)

select * from final
