-- Every share with how soon it followed the post it reacts to and whether it took part in a
-- coordinated burst.
--
-- Reaction latency: seconds from the parent share (the post reshared, quoted or replied to,
-- when the warehouse holds it) to this share. On X a retweet of a retweet references the
-- original, so for reshares this is the time since the original.
--
-- Coordinated burst (after the synchronised-action signals of DeBot, Chavoshi et al. 2016,
-- RTbust, Mazza et al. 2019, and coordinated link sharing, Giglietto et al. 2020): at least
-- `burst_min_accounts` (var, default 5) distinct accounts amplifying the same thing within
-- `burst_window_seconds` (var, default 60). "The same thing" is the burst key:
--   * a reshare or quote: its chain's root (`root:<root_share_id>`);
--   * an original post with a link: the canonical link (`url:<shared_url>`, on any platform).
-- A share is in a burst when some window of `burst_window_seconds` that holds it holds
-- shares of its key by at least `burst_min_accounts` distinct accounts. Overlapping or
-- touching windows of one key form one burst, identified by `burst_id`.
--
-- Co-posted text (co-tweeting, Keller et al. 2020, "Political Astroturfing on Twitter: How
-- to Coordinate a Disinformation Campaign", Political Communication): a post in the
-- account's own words (original, quote, reply) whose exact text (`text_fingerprint`) at
-- least `co_post_min_accounts` (var, default 3) distinct accounts, itself included, posted
-- within `burst_window_seconds` of it. The same words hours apart are common among people
-- (share buttons prefill the title), and two people may answer "great point" in the same
-- minute; three or more accounts with the same words within a minute are a script.
{%- set window_seconds = var('burst_window_seconds') %}
{%- set min_accounts = var('burst_min_accounts') %}
{%- set co_post_min_accounts = var('co_post_min_accounts') %}
with

shares as (

    select * from {{ ref('int_shares_unioned') }}

),

keyed as (

    select
        share_id,
        account_key,
        shared_at,
        case
            when share_type in ('reshare', 'quote')
                then {{ dbt.concat(["'root:'", "root_share_id"]) }}
            when share_type = 'original' and shared_url is not null
                then {{ dbt.concat(["'url:'", "shared_url"]) }}
        end as burst_key

    from shares

),

-- A share without a time is in no window (in a window frame, rows without a time would all be
-- each other's peers).
candidates as (

    select * from keyed where burst_key is not null and shared_at is not null

),

-- Every candidate opens a window [shared_at, shared_at + window]; count its accounts. A frame
-- over the key's shares in time order rather than a self-join: one root or link can hold
-- thousands of shares, and pairing each with every other is quadratic.
windows as (

    select
        *,
        count(distinct account_key) over (
            partition by burst_key
            order by shared_at
            range between current row and interval {{ window_seconds }} second following
        ) as window_accounts

    from candidates

),

-- A share is in a burst when a burst window holds it: one opened at most a window earlier.
members as (

    select
        share_id,
        burst_key,
        shared_at

    from (
        select
            *,
            count(case when window_accounts >= {{ min_accounts }} then 1 end) over (
                partition by burst_key
                order by shared_at
                range between interval {{ window_seconds }} second preceding and current row
            ) as burst_windows_holding
        from windows
    ) as held
    where burst_windows_holding > 0

),

-- Members of one key more than a window apart start a new burst (gaps and islands).
episodes as (

    select
        *,
        sum(starts_burst) over (
            partition by burst_key order by shared_at, share_id rows unbounded preceding
        ) as burst_number

    from (
        select
            *,
            case
                when lag(shared_at) over (partition by burst_key order by shared_at, share_id)
                    >= {{ dbt.dateadd('second', -window_seconds, 'shared_at') }}
                then 0
                else 1
            end as starts_burst
        from members
    ) as flagged

),

authored as (

    select share_id, account_key, text_fingerprint, shared_at
    from shares
    where share_type in ('original', 'quote', 'reply')
        and text_fingerprint is not null
        and shared_at is not null

),

-- The accounts that posted the same words within a window either side, the post's own
-- included (so at least one other account is needed, whatever the threshold).
co_posted as (

    select
        share_id

    from (
        select
            share_id,
            count(distinct account_key) over (
                partition by text_fingerprint
                order by shared_at
                range between interval {{ window_seconds }} second preceding
                    and interval {{ window_seconds }} second following
            ) as accounts_nearby
        from authored
    ) as counted
    where accounts_nearby >= greatest({{ co_post_min_accounts }}, 2)

),

bursts as (

    select
        share_id,
        {{ dbt.hash(dbt.concat(["burst_key", "'#'", "cast(burst_number as " ~ dbt.type_string() ~ ")"])) }}
            as burst_id

    from episodes

),

final as (

    select
        -- ids
        shares.share_id,
        shares.account_key,
        shares.platform,
        shares.share_type,
        shares.parent_share_id,
        shares.root_share_id,
        keyed.burst_key,
        bursts.burst_id,

        -- timestamps
        shares.shared_at,
        parents.shared_at as parent_shared_at,

        -- numerics
        cast(
            case
                when parents.shared_at is not null
                    then greatest({{ dbt.datediff('parents.shared_at', 'shares.shared_at', 'second') }}, 0)
            end as double
        ) as reaction_latency_seconds,

        -- booleans
        bursts.burst_id is not null as in_coordinated_burst,
        co_posted.share_id is not null as is_co_posted_text

    from shares
    inner join keyed
        on shares.share_id = keyed.share_id
    left join shares as parents
        on shares.parent_share_id = parents.share_id
    left join bursts
        on shares.share_id = bursts.share_id
    left join co_posted
        on shares.share_id = co_posted.share_id

)

select * from final
