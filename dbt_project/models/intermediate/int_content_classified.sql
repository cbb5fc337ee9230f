-- Each catalog content item as an advertisement (promotion) or substantive content, with every
-- piece of evidence as its own column and the `content_factor` a share of it is weighed by.
--
-- Evidence:
--   * catalog type: the business itself lists the item as an `advertisement`. Decisive alone:
--     nobody knows better what the business paid to promote.
--   * paid UTM markers: links to the item (in shares, in the click log, in landing pages of web
--     sessions) tagged with a paid `utm_medium` (cpc, ppc, cpm, paid..., ads, display, banner,
--     sponsored, affiliate, retargeting).
--   * a promotional campaign: the item's campaign name says sale, offer, discount, deal, promo,
--     coupon, free trial, black friday or cyber monday.
--   * title cues, each its own column (sale, "% off", buy / shop now, limited or special offer,
--     discount / coupon / deal, free trial, sponsored / ad).
-- A listed advertisement is an advertisement. Otherwise it takes two independent kinds of
-- evidence (paid UTM, promotional campaign, title cues), or two different title cues: one
-- marker alone is not enough, because substantive articles are promoted with paid links and
-- belong to campaigns too, and a title may say "free" or "buy" innocently.
--
-- content_factor: 1 for substantive content. An advertisement is passed on less and compels
-- less: its shares are the business's own promotion echoed (often by paid amplification), not
-- an independent judgement that the content is worth someone's time, so each share of one
-- counts `advertisement_content_factor` (var, default 0.5: half a share; a transparent policy
-- choice, not a value fitted to any data).
{%- set paid_medium =
    '(^|[^a-z])(cpc|ppc|cpm|cpv|paid[a-z_-]*|ads?|display|banner|sponsored|affiliate'
    ~ '|retargeting)($|[^a-z])' %}
{%- set promotional_campaign =
    'sale|offer|discount|deal|promo|coupon|free[ _-]?trial|black[ _-]?friday'
    ~ '|cyber[ _-]?monday' %}
with

catalog as (

    select * from {{ ref('stg_content__catalog') }}

),

-- Links to catalog content with their UTM medium, from every place a link is seen.
shared_links as (

    select shared_url as url from {{ ref('stg_x__posts') }}
    union all
    select shared_url from {{ ref('stg_mastodon__statuses') }}
    union all
    select shared_url from {{ ref('stg_bluesky__feed_items') }}

),

tagged_links as (

    select
        'share' as touch,
        {{ canonical_url('url') }} as canonical_url,
        lower({{ url_query_param('url', "'utm_medium'") }}) as utm_medium
    from shared_links
    where url is not null

    union all

    select
        'click',
        {{ canonical_url('long_url') }},
        lower({{ url_query_param('long_url', "'utm_medium'") }})
    from {{ ref('stg_clicks__clicks') }}
    where long_url is not null

    union all

    select
        'session',
        {{ canonical_url('page_location') }},
        utm_medium
    from {{ ref('stg_web_analytics__events') }}
    where event_name = 'session_start'
        and page_location is not null

),

utm_markers as (

    select
        canonical_url,
        count(*) as tagged_touches,
        sum(
            case
                when regexp_matches(utm_medium, '{{ paid_medium }}') then 1
                else 0
            end
        ) as paid_utm_touches

    from tagged_links
    where utm_medium is not null
    group by canonical_url

),

cues as (

    select
        catalog.content_id,
        catalog.canonical_url,
        catalog.title,
        catalog.content_type,
        catalog.campaign,

        coalesce(catalog.content_type = 'advertisement', false) as is_catalog_advertisement,
        coalesce(utm_markers.tagged_touches, 0) as utm_tagged_touches,
        coalesce(utm_markers.paid_utm_touches, 0) as paid_utm_touches,
        coalesce(
            regexp_matches(lower(catalog.campaign), '{{ promotional_campaign }}'), false
        ) as is_promotional_campaign,

        -- title cues (case-insensitive, whole words)
        coalesce(regexp_matches(lower(catalog.title), '\b(sale|clearance)\b'), false)
            as title_cue_sale,
        coalesce(regexp_matches(lower(catalog.title), '\d+\s*%\s*off\b'), false)
            as title_cue_percent_off,
        coalesce(regexp_matches(lower(catalog.title), '\bbuy\b|\b(shop|order) now\b'), false)
            as title_cue_buy,
        coalesce(
            regexp_matches(
                lower(catalog.title),
                '\blimited[ -](time|offer)\b|\b(special|exclusive) offer\b|\boffer ends\b'
            ),
            false
        ) as title_cue_limited_offer,
        coalesce(
            regexp_matches(lower(catalog.title), '\b(discount|coupon|promo code|deals?)\b'), false
        ) as title_cue_discount,
        coalesce(
            regexp_matches(
                lower(catalog.title), '\bfree trial\b|\btry\b.*\bfree\b|\bfree for \d+ days\b'
            ),
            false
        ) as title_cue_free_trial,
        coalesce(
            regexp_matches(
                lower(catalog.title),
                '\b(sponsored|advertisement|promoted|paid partnership)\b|^ad:|\[ad\]'
            ),
            false
        ) as title_cue_sponsored

    from catalog
    left join utm_markers
        on catalog.canonical_url = utm_markers.canonical_url

),

counted as (

    select
        *,
        (case when title_cue_sale then 1 else 0 end)
        + (case when title_cue_percent_off then 1 else 0 end)
        + (case when title_cue_buy then 1 else 0 end)
        + (case when title_cue_limited_offer then 1 else 0 end)
        + (case when title_cue_discount then 1 else 0 end)
        + (case when title_cue_free_trial then 1 else 0 end)
        + (case when title_cue_sponsored then 1 else 0 end) as title_cue_count

    from cues

),

evidenced as (

    select
        *,
        paid_utm_touches > 0 as has_paid_utm,
        (case when paid_utm_touches > 0 then 1 else 0 end)
        + (case when is_promotional_campaign then 1 else 0 end)
        + (case when title_cue_count > 0 then 1 else 0 end) as marker_kinds

    from counted

),

classified as (

    select
        *,
        case
            when is_catalog_advertisement then 'catalog_type'
            when marker_kinds >= 2 or title_cue_count >= 2 then 'markers'
            else 'none'
        end as advertisement_basis

    from evidenced

),

final as (

    select
        -- ids
        cast(content_id as {{ dbt.type_string() }}) as content_id,
        cast(canonical_url as {{ dbt.type_string() }}) as canonical_url,

        -- class
        cast(
            case when advertisement_basis = 'none' then 'substantive' else 'advertisement' end
            as {{ dbt.type_string() }}
        ) as content_class,
        cast(advertisement_basis as {{ dbt.type_string() }}) as advertisement_basis,
        cast(
            case
                when advertisement_basis = 'none' then 1.0
                else {{ var('advertisement_content_factor') }}
            end as double
        ) as content_factor,

        -- evidence
        is_catalog_advertisement,
        cast(utm_tagged_touches as {{ dbt.type_bigint() }}) as utm_tagged_touches,
        cast(paid_utm_touches as {{ dbt.type_bigint() }}) as paid_utm_touches,
        has_paid_utm,
        is_promotional_campaign,
        title_cue_sale,
        title_cue_percent_off,
        title_cue_buy,
        title_cue_limited_offer,
        title_cue_discount,
        title_cue_free_trial,
        title_cue_sponsored,
        cast(title_cue_count as integer) as title_cue_count,
        cast(marker_kinds as integer) as marker_kinds

    from classified

)

select * from final
