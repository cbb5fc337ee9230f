-- One row per coordinated burst (see `int_shares_timed`): at least `burst_min_accounts`
-- distinct accounts amplifying the same root post or link within `burst_window_seconds`,
-- with the evidence an analyst needs to look at it: when it started and ended, how many
-- shares and accounts, how soon after the original they came.
with

timed as (

    select * from {{ ref('int_shares_timed') }}
    where in_coordinated_burst

),

final as (

    select
        -- ids
        burst_id,
        min(burst_key) as burst_key,
        -- the root post amplified; NULL for a burst of original posts of one link
        case when min(burst_key) like 'root:%' then min(root_share_id) end as root_share_id,
        -- a burst of one link may span platforms: the first one, and how many
        min(platform) as platform,

        -- timestamps
        min(shared_at) as started_at,
        max(shared_at) as ended_at,

        -- numerics
        cast({{ dbt.datediff('min(shared_at)', 'max(shared_at)', 'second') }} as double)
            as duration_seconds,
        cast(count(*) as {{ dbt.type_bigint() }}) as share_count,
        cast(count(distinct account_key) as {{ dbt.type_bigint() }}) as account_count,
        cast(count(distinct platform) as integer) as platform_count,
        percentile_cont(0.5) within group (order by reaction_latency_seconds)
            as median_reaction_latency_seconds,
        min(reaction_latency_seconds) as min_reaction_latency_seconds

    from timed
    group by burst_id

)

select * from final
