-- A returned row means the trust scorecard (seed trust_scorecard) cannot be applied as
-- written: it has not exactly one intercept (without one, every score would be NULL), or two
-- bins of a signal overlap (an account would add both).
with

scorecard as (

    select * from {{ ref('trust_scorecard') }}

),

bins as (

    select
        *,
        row_number() over (
            partition by signal order by lower_bound nulls first, upper_bound nulls last
        ) as bin
    from scorecard
    where signal <> 'intercept'

),

intercepts as (

    select 'intercept rows: ' || cast(count(*) as {{ dbt.type_string() }}) as problem
    from scorecard
    where signal = 'intercept'
    having count(*) <> 1

),

overlapping_bins as (

    select 'bins of ' || a.signal || ' overlap' as problem
    from bins as a
    inner join bins as b
        on a.signal = b.signal
        and a.bin < b.bin
        and (a.lower_bound is null or b.upper_bound is null or a.lower_bound < b.upper_bound)
        and (b.lower_bound is null or a.upper_bound is null or b.lower_bound < a.upper_bound)

)

select * from intercepts
union all
select * from overlapping_bins
