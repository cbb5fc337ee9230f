with

source as (

    select
        *,
        nullif(trim("Email"), '') as email_address,
        nullif("GA_Client_ID__c", '') as client_id,
        -- a lead's conversion cannot be undone in Salesforce: a later-stamped version that
        -- lacks it (an edit saved out of order) keeps the conversion of an earlier one
        max(nullif("ConvertedOpportunityId", '')) over (partition by "Id")
            as any_converted_opportunity_id,
        max(try_cast("ConvertedDate" as date)) over (partition by "Id") as any_converted_date
    from {{ source('crm', 'crm_leads') }}

),

renamed as (

    select
        ----------  ids
        "Id" as lead_id,
        coalesce(nullif("ConvertedOpportunityId", ''), any_converted_opportunity_id)
            as converted_opportunity_id,
        -- the GA client id of the lead's browser, as pseudonymous as stg_web_analytics__events'
        -- user_pseudo_id so the two still join
        {{ pseudonymize('client_id') }} as ga_client_id,

        ---------- strings
        "Status" as status,
        nullif("LeadSource", '') as lead_source,
        "Company" as company,
        -- names, email and phone identify the person: only the email's pseudonym stays,
        -- to tell leads of one person apart from leads of many
        {{ pseudonymize('lower(email_address)') }} as email,
        nullif("UTM_Source__c", '') as utm_source,
        nullif("UTM_Medium__c", '') as utm_medium,
        nullif("UTM_Campaign__c", '') as utm_campaign,
        nullif("UTM_Content__c", '') as utm_content,

        ---------- booleans
        coalesce(lower("IsConverted") in ('true', '1'), false)
            or any_converted_opportunity_id is not null as is_converted,

        ---------- dates and timestamps
        coalesce(try_cast("ConvertedDate" as date), any_converted_date) as converted_date,
        try_cast("CreatedDate" as timestamptz) at time zone 'UTC' as created_at,
        try_cast("LastModifiedDate" as timestamptz) at time zone 'UTC' as last_modified_at,

        ---------- lineage
        _source_file,
        _line,
        _load_id

    from source
    where "Id" is not null
    -- the latest version of a lead wins; a lead whose latest version is deleted is dropped
    qualify row_number() over (
        partition by "Id"
        order by try_cast("SystemModstamp" as timestamptz) desc nulls last,
            _partition_date desc, _source_file desc, _line desc
    ) = 1
    and not coalesce(lower("IsDeleted") in ('true', '1'), false)

)

select * from renamed
