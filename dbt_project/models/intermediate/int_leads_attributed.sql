-- CRM leads with the content that brought them: the lead's GA client id is the web user, and
-- that user's first session that landed on catalog content names the content.
with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

first_content_sessions as (

    select
        user_pseudo_id,
        content_id,
        row_number() over (
            partition by user_pseudo_id
            order by session_started_at, session_key
        ) as session_rank

    from {{ ref('int_sessions') }}
    where content_id is not null

),

final as (

    select
        leads.lead_id,
        leads.converted_opportunity_id,
        first_content_sessions.content_id,
        leads.created_at,
        cast(leads.created_at as date) as lead_date

    from leads
    left join first_content_sessions
        on leads.ga_client_id = first_content_sessions.user_pseudo_id
        and first_content_sessions.session_rank = 1

)

select * from final
