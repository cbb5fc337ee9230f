-- One row per cascade: a root post and every share below it — reshares, quotes and replies,
-- and quotes of quotes as deep as the data goes — with its size, depth, make-up, timing and
-- its first trusted sharer (the earliest share in it by a `trusted`-tier account; the root's
-- own author counts). The root is the topmost share the warehouse holds, or the post that
-- share references when the warehouse does not hold it (`is_root_observed` false): reshares
-- of one missing post are still one cascade.
with

shares as (

    select * from {{ ref('int_shares_traced') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by root_share_id
            order by depth, shared_at, share_id
        ) as top_rank,
        case
            when is_trusted_sharer then row_number() over (
                partition by root_share_id, is_trusted_sharer
                order by shared_at, share_id
            )
        end as trusted_rank

    from shares

),

sized as (

    select
        root_share_id,
        count(*) as cascade_size,
        max(depth) as max_depth,
        count(distinct account_key) as accounts,
        sum(case when share_type = 'reshare' then 1 else 0 end) as reshares,
        sum(case when share_type = 'quote' then 1 else 0 end) as quotes,
        sum(case when share_type = 'reply' then 1 else 0 end) as replies,
        sum(case when is_trusted_sharer then 1 else 0 end) as trusted_shares,
        sum(case when is_suspected_sharer then 1 else 0 end) as suspected_shares,
        min(shared_at) as first_shared_at,
        max(shared_at) as last_shared_at

    from ranked
    group by root_share_id

),

final as (

    select
        -- ids
        sized.root_share_id,
        tops.platform,
        tops.is_root_observed,
        case when tops.is_root_observed then tops.account_key end as root_account_key,
        case when tops.is_root_observed then tops.share_type end as root_share_type,
        tops.content_id,

        -- size and shape
        cast(sized.cascade_size as {{ dbt.type_bigint() }}) as cascade_size,
        cast(sized.max_depth as integer) as max_depth,
        cast(sized.accounts as {{ dbt.type_bigint() }}) as accounts,
        cast(sized.reshares as {{ dbt.type_bigint() }}) as reshares,
        cast(sized.quotes as {{ dbt.type_bigint() }}) as quotes,
        cast(sized.replies as {{ dbt.type_bigint() }}) as replies,
        cast(sized.trusted_shares as {{ dbt.type_bigint() }}) as trusted_shares,
        cast(sized.suspected_shares as {{ dbt.type_bigint() }}) as suspected_shares,

        -- timing
        sized.first_shared_at,
        sized.last_shared_at,

        -- first trusted sharer
        first_trusted.share_id as first_trusted_share_id,
        first_trusted.account_key as first_trusted_account_key,
        first_trusted.shared_at as first_trusted_shared_at

    from sized
    inner join ranked as tops
        on sized.root_share_id = tops.root_share_id
        and tops.top_rank = 1
    left join ranked as first_trusted
        on sized.root_share_id = first_trusted.root_share_id
        and first_trusted.trusted_rank = 1

)

select * from final
