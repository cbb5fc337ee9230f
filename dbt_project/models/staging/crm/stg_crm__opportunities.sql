with

source as (

    select * from {{ source('crm', 'crm_opportunities') }}

),

renamed as (

    select
        ----------  ids
        "Id" as opportunity_id,
        nullif("AccountId", '') as account_id,
        nullif("CampaignId", '') as campaign_id,

        ---------- strings
        "Name" as opportunity_name,
        "StageName" as stage_name,
        nullif("Type", '') as opportunity_type,
        nullif("LeadSource", '') as lead_source,

        ---------- numerics
        try_cast("Amount" as decimal(18, 2)) as amount,
        try_cast("Probability" as double) as probability,

        ---------- booleans
        coalesce(lower("IsClosed") in ('true', '1'), false) as is_closed,
        coalesce(lower("IsWon") in ('true', '1'), false) as is_won,

        ---------- dates and timestamps
        try_cast("CloseDate" as date) as close_date,
        try_cast("CreatedDate" as timestamptz) at time zone 'UTC' as created_at,
        try_cast("LastModifiedDate" as timestamptz) at time zone 'UTC' as last_modified_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where "Id" is not null
    -- the latest version of an opportunity wins; one whose latest version is deleted is
    -- dropped (it must not count as pipeline or revenue)
    qualify row_number() over (
        partition by "Id"
        order by try_cast("SystemModstamp" as timestamptz) desc nulls last,
            _partition_date desc, _source_file desc, _line desc
    ) = 1
    and not coalesce(lower("IsDeleted") in ('true', '1'), false)

)

select * from renamed
