-- What a share is, whatever we think of its account: one row per share with its place in its
-- chain, its link and words, how soon it followed the post it reacts to, and whether it took
-- part in a coordinated burst or co-posted its words. `int_shares_unioned` and
-- `int_shares_timed` are its columns; trust is joined to these facts later, so a change in an
-- account's trust reaches all its shares without deriving them again.
--
-- Incremental: a run compares `int_share_inputs` with the inputs this table was built from,
-- and derives again only the shares a change can reach (a full refresh derives all; the two
-- are equal row for row, tests/test_incremental_equivalence.py):
--   * a share new, changed or gone, and every share of its chain's tree as the table holds it
--     (an ancestor that appears, changes or goes changes the root and depth below it), and of
--     a tree whose missing root it is; chains that reached the hop limit always;
--   * every share of a burst key, or post of words (text fingerprint), that one of those had
--     before or has now, within a window of it: whether a share sat in a burst, or co-posted
--     its words, depends only on the shares within a window of it (so a share across
--     midnight, or days late, joins the burst it belongs to); and every member of a burst of
--     such a key, since a burst may grow, merge or split. A burst is named by its key and its
--     first member, so it keeps its id whatever comes before it.
-- The settings the facts depend on are kept in `_built_with`: changed vars derive all again.
-- One model rather than one per fact, because each step must know what the previous one
-- changed: about 500 lines, a third of them finding what a run must derive and count again.
--
-- Chains: a reshare, quote or reply references the post it reacts to (`referenced_share_id`);
-- that post is the `parent_share_id` when it is in the warehouse. Following parents up (a
-- recursive walk, bounded at `max_chain_depth` hops so a malformed cycle cannot loop) gives
-- the topmost share the warehouse holds; when that share itself references a post the
-- warehouse does not hold, the chain's root is that referenced post (the farthest the data
-- shows), so reshares of one missing post still share a root.
--
-- Reaction latency: seconds from the parent share to this share. On X a retweet of a retweet
-- references the original, so for reshares this is the time since the original.
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
{%- set max_chain_depth = 50 %}
{%- set window_seconds = var('burst_window_seconds') %}
{%- set min_accounts = var('burst_min_accounts') %}
{%- set co_post_min_accounts = var('co_post_min_accounts') %}
{#- burst_ids: a burst was named by its number within its key before it was named by its first
    member: a table built then is derived again. #}
{%- set built_with = 'max_chain_depth=' ~ max_chain_depth ~ ' burst_window_seconds=' ~ window_seconds
    ~ ' burst_min_accounts=' ~ min_accounts ~ ' co_post_min_accounts=' ~ co_post_min_accounts
    ~ ' burst_ids=first_member' %}
{%- set inputs = [
    'platform', 'post_id', 'account_key', 'account_id', 'referenced_share_id', 'share_type',
    'posted_url', 'text_fingerprint', 'text_length', 'shared_at',
] %}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='share_id',
    on_schema_change='fail',
    post_hook=["{{ delete_shares_gone() }}"],
) }}
with recursive

inputs as (

    select * from {{ ref('int_share_inputs') }}

),

{% if is_incremental() %}
held as (

    select * from {{ this }}

),

-- Shares new, changed or gone since the table was built: one hash of each share's inputs
-- against the hash it was derived from (two narrow columns rather than every input twice).
changed as (

    select
        coalesce(current_inputs.share_id, held.share_id) as share_id,
        held.root_share_id as held_root_share_id

    from (
        select share_id, {{ inputs_hash(inputs) }} as _inputs_hash from inputs
    ) as current_inputs
    full outer join held
        on current_inputs.share_id = held.share_id
    where current_inputs.share_id is null
        or held.share_id is null
        or held._built_with != '{{ built_with }}'
        or current_inputs._inputs_hash != held._inputs_hash

),

changed_trees as (

    select held_root_share_id as root_share_id from changed where held_root_share_id is not null
    union
    select share_id from changed

),

-- The shares whose chain a change can reach: their place is derived again.
replaced as (

    select share_id from changed
    union
    select share_id from held
    where root_share_id in (select root_share_id from changed_trees)
        or chain_depth >= {{ max_chain_depth }}

),

starts as (

    select *, {{ inputs_hash(inputs) }} as _inputs_hash
    from inputs
    where share_id in (select share_id from replaced)

),
{% else %}
starts as (

    select *, {{ inputs_hash(inputs) }} as _inputs_hash from inputs

),
{% endif %}

-- Walk up: one row per share and ancestor in the warehouse (hops = 0 is the share itself).
ancestry as (

    select
        share_id,
        share_id as ancestor_share_id,
        referenced_share_id as next_share_id,
        0 as hops

    from starts

    union all

    select
        ancestry.share_id,
        parents.share_id,
        parents.referenced_share_id,
        ancestry.hops + 1

    from ancestry
    inner join inputs as parents
        on ancestry.next_share_id = parents.share_id
    where ancestry.hops < {{ max_chain_depth }}

),

topmost as (

    select
        share_id,
        ancestor_share_id as topmost_share_id,
        hops

    from ancestry
    qualify row_number() over (partition by share_id order by hops desc) = 1

),

placed as (

    select
        starts.*,
        parents.share_id as parent_share_id,
        -- the topmost share held, or the post it references when that one is not held
        coalesce(tops.referenced_share_id, tops.share_id) as root_share_id,
        tops.referenced_share_id is null as is_root_observed,
        cast(
            topmost.hops + case when tops.referenced_share_id is null then 0 else 1 end
            as integer
        ) as chain_depth,
        {{ canonical_url('starts.posted_url') }} as shared_url

    from starts
    inner join topmost
        on starts.share_id = topmost.share_id
    inner join inputs as tops
        on topmost.topmost_share_id = tops.share_id
    left join inputs as parents
        on starts.referenced_share_id = parents.share_id

),

keyed as (

    select
        *,
        case
            when share_type in ('reshare', 'quote')
                then {{ dbt.concat(["'root:'", "root_share_id"]) }}
            when share_type = 'original' and shared_url is not null
                then {{ dbt.concat(["'url:'", "shared_url"]) }}
        end as burst_key

    from placed

),

-- Every share as it is now: derived again above, or as the table holds it.
{% set placed_columns = inputs + [
    'share_id', 'parent_share_id', 'root_share_id', 'is_root_observed', 'chain_depth',
    'shared_url', 'burst_key', '_inputs_hash',
] %}
shares as (

    select
        {{ placed_columns | join(', ') }},
        true as is_placed,
        cast(null as {{ dbt.type_string() }}) as held_burst_id,
        cast(null as boolean) as held_is_co_posted_text
    from keyed
    {% if is_incremental() %}
    union all
    select
        {{ placed_columns | join(', ') }},
        false,
        burst_id,
        is_co_posted_text
    from held
    where share_id not in (select share_id from replaced)
    {% endif %}

),

-- The shares counted for bursts (`candidates`, by burst key) and for co-posting (`authored`,
-- by words, in the account's own posts only). A share without a time is in no window (in a
-- window frame, rows without a time would all be each other's peers).
--
-- Incremental: a share is in a burst, or co-posted its words, by the shares of its key, or
-- posts of its words, within a window of it. So the run takes the keys and words of the shares
-- placed again, as they were and as they are, and when (`touched_*`); counts again the shares
-- within a window of those times (`is_recounted`), over the shares within two windows.
{%- for selection, touched, column, counted in [
    ('candidates', 'touched_keys', 'burst_key', 'true'),
    ('authored', 'touched_texts', 'text_fingerprint',
     "share_type in ('original', 'quote', 'reply')"),
] %}
{% if is_incremental() %}
{{ touched }} as (

    select
        {{ column }},
        {{ dbt.dateadd('second', -2 * window_seconds, 'min(shared_at)') }} as counted_from,
        {{ dbt.dateadd('second', -window_seconds, 'min(shared_at)') }} as recounted_from,
        {{ dbt.dateadd('second', window_seconds, 'max(shared_at)') }} as recounted_to,
        {{ dbt.dateadd('second', 2 * window_seconds, 'max(shared_at)') }} as counted_to

    from (
        select {{ column }}, share_type, shared_at from keyed
        union all
        select {{ column }}, share_type, shared_at from held
        where share_id in (select share_id from replaced)
    ) as touched
    where {{ counted }}
        and {{ column }} is not null
        and shared_at is not null
    group by {{ column }}

),
{% endif %}

{{ selection }} as (

    select
        shares.share_id,
        shares.account_key,
        shares.{{ column }},
        shares.shared_at,
        {% if is_incremental() %}
        shares.shared_at between {{ touched }}.recounted_from and {{ touched }}.recounted_to
        {% else %}
        true
        {% endif %} as is_recounted

    from shares
    {% if is_incremental() %}
    inner join {{ touched }}
        on shares.{{ column }} = {{ touched }}.{{ column }}
        and shares.shared_at between {{ touched }}.counted_from and {{ touched }}.counted_to
    {% endif %}
    where {{ counted }}
        and shares.{{ column }} is not null
        and shares.shared_at is not null

),
{% endfor %}

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
-- The shares counted only as neighbours have not all of theirs here: a share of a touched key
-- farther from the run's changes keeps the burst membership the table holds.
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
    ) as held_windows
    where burst_windows_holding > 0
        and is_recounted

    {% if is_incremental() %}
    union all

    select
        shares.share_id,
        shares.burst_key,
        shares.shared_at

    from shares
    inner join touched_keys
        on shares.burst_key = touched_keys.burst_key
    where shares.held_burst_id is not null
        and shares.shared_at not between touched_keys.recounted_from and touched_keys.recounted_to
    {% endif %}

),

-- Members of one key more than a window apart start a new burst (gaps and islands), named by
-- its key and its first member, so a burst keeps its id whatever came before it.
episodes as (

    select
        share_id,
        {{ dbt.hash(dbt.concat(["burst_key", "'#'", "first_share_id"])) }} as burst_id

    from (
        select
            *,
            first_value(share_id) over (
                partition by burst_key, burst_number order by shared_at, share_id
            ) as first_share_id
        from (
            select
                *,
                sum(starts_burst) over (
                    partition by burst_key order by shared_at, share_id rows unbounded preceding
                ) as burst_number
            from (
                select
                    *,
                    case
                        when lag(shared_at) over (
                            partition by burst_key order by shared_at, share_id
                        ) >= {{ dbt.dateadd('second', -window_seconds, 'shared_at') }}
                        then 0
                        else 1
                    end as starts_burst
                from members
            ) as flagged
        ) as numbered
    ) as named

),

-- Every share counted again, with its burst or NULL, and every member of a touched key (its
-- burst may have grown, merged or split).
bursts as (

    select
        candidates.share_id,
        episodes.burst_id

    from candidates
    left join episodes
        on candidates.share_id = episodes.share_id
    where candidates.is_recounted

    {% if is_incremental() %}
    union all

    select
        episodes.share_id,
        episodes.burst_id

    from episodes
    where episodes.share_id not in (
        select share_id from candidates where is_recounted
    )
    {% endif %}

),

-- The accounts that posted the same words within a window either side, the post's own
-- included (so at least one other account is needed, whatever the threshold).
co_posted as (

    select
        share_id,
        accounts_nearby >= greatest({{ co_post_min_accounts }}, 2) as is_co_posted_text

    from (
        select
            share_id,
            is_recounted,
            count(distinct account_key) over (
                partition by text_fingerprint
                order by shared_at
                range between interval {{ window_seconds }} second preceding
                    and interval {{ window_seconds }} second following
            ) as accounts_nearby
        from authored
    ) as counted
    -- the posts counted only as neighbours have not all of theirs here
    where is_recounted

),

-- The shares this run derives: every one placed again, and every one of a key or of words
-- whose windows it counted again.
derived as (

    select share_id from keyed
    {% if is_incremental() %}
    union
    select share_id from bursts
    union
    select share_id from co_posted
    {% endif %}

),

-- A share placed again, or counted again in its key's or words' windows, takes what was
-- counted; any other share of this run keeps what the table holds for the fact not counted.
timing as (

    select
        shares.*,
        case
            when shares.is_placed or bursts.share_id is not null then bursts.burst_id
            else shares.held_burst_id
        end as burst_id,
        case
            when shares.is_placed or co_posted.share_id is not null
                then coalesce(co_posted.is_co_posted_text, false)
            else shares.held_is_co_posted_text
        end as is_co_posted_text

    from shares
    inner join derived
        on shares.share_id = derived.share_id
    left join bursts
        on shares.share_id = bursts.share_id
    left join co_posted
        on shares.share_id = co_posted.share_id

),

final as (

    select
        -- ids
        timing.share_id,
        timing.platform,
        timing.post_id,
        timing.account_key,
        timing.account_id,
        timing.referenced_share_id,
        timing.parent_share_id,
        timing.root_share_id,
        timing.burst_key,
        timing.burst_id,

        -- strings
        timing.share_type,
        timing.posted_url,
        timing.shared_url,
        timing.text_fingerprint,

        -- numerics
        timing.text_length,
        timing.chain_depth,
        cast(
            case
                when parents.shared_at is not null
                    then greatest({{ dbt.datediff('parents.shared_at', 'timing.shared_at', 'second') }}, 0)
            end as double
        ) as reaction_latency_seconds,

        -- booleans
        timing.is_root_observed,
        timing.burst_id is not null as in_coordinated_burst,
        timing.is_co_posted_text,

        -- timestamps
        timing.shared_at,
        cast(timing.shared_at as date) as share_date,
        parents.shared_at as parent_shared_at,

        -- what the facts were derived from and with
        timing._inputs_hash,
        cast('{{ built_with }}' as {{ dbt.type_string() }}) as _built_with

    from timing
    left join shares as parents
        on timing.parent_share_id = parents.share_id

)

select * from final
