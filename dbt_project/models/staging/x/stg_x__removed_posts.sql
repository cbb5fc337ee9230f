-- The posts X's compliance events take out of every model: deleted ones (for good), and
-- dropped ones until an undrop that came later. X's own answer to a user deleting an account
-- is the deletes of its posts (30 days later, unless it is restored): user events remove
-- nothing by themselves.
select post_id
from {{ ref('stg_x__compliance_events') }}
where post_id is not null and event in ('delete', 'drop', 'undrop')
group by post_id
having bool_or(event = 'delete')
    or arg_max(event, (event_at, _partition_date, _source_file, _line)) = 'drop'
