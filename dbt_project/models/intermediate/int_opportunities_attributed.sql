-- CRM opportunities with the content of the lead converted into them. Several leads can be
-- converted into one opportunity; the earliest lead counts, so no opportunity counts twice.
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

converting_leads as (

    select
        lead_id,
        converted_opportunity_id,
        content_id,
        row_number() over (
            partition by converted_opportunity_id
            order by created_at, lead_id
        ) as lead_rank

    from {{ ref('int_leads_attributed') }}
    where converted_opportunity_id is not null

),

final as (

    select
        opportunities.opportunity_id,
        converting_leads.lead_id,
        converting_leads.content_id,
        opportunities.is_won,
        opportunities.amount,
        opportunities.created_at,
        cast(opportunities.created_at as date) as created_date,
        opportunities.close_date

    from opportunities
    left join converting_leads
        on opportunities.opportunity_id = converting_leads.converted_opportunity_id
        and converting_leads.lead_rank = 1

)

select * from final
