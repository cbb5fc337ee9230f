"""Click log of the short-link service, GA4 BigQuery export rows, Salesforce CSV
exports and the content catalog snapshot."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from sharesignal.generate import vocab
from sharesignal.generate.files import day_folder, json_string, json_text, ts, write_lines
from sharesignal.generate.world import DAY_US, Window

SF_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"
HEARTBEAT_EVERY_US = 15 * 60 * 1_000_000
STREAM_ID = "4184473921"
LEAD_COLUMNS = [
    "Id",
    "IsDeleted",
    "LastName",
    "FirstName",
    "Name",
    "Company",
    "Email",
    "Phone",
    "LeadSource",
    "Status",
    "IsConverted",
    "ConvertedDate",
    "ConvertedAccountId",
    "ConvertedOpportunityId",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "UTM_Source__c",
    "UTM_Medium__c",
    "UTM_Campaign__c",
    "UTM_Content__c",
    "GA_Client_ID__c",
]
OPPORTUNITY_COLUMNS = [
    "Id",
    "IsDeleted",
    "AccountId",
    "Name",
    "StageName",
    "Amount",
    "Probability",
    "CloseDate",
    "Type",
    "LeadSource",
    "IsClosed",
    "IsWon",
    "CampaignId",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
]


def _table(rows: tuple[tuple, ...], names: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=names, orient="row").with_row_index("idx")


PLACES = _table(
    vocab.PLACES,
    ["country_code", "country", "continent", "region_code", "region", "city", "tz", "lat", "lon"],
)
DEVICES = _table(vocab.DEVICES, ["ua", "category", "os", "browser"])


def _days(window: Window) -> list[date]:
    return [window.start + timedelta(days=i) for i in range(window.days)]


def _day_of(column: str) -> pl.Expr:
    return pl.from_epoch(column, time_unit="us").dt.date().alias("day")


def write_clicks(
    rng: np.random.Generator,
    clicks: pl.DataFrame,
    window: Window,
    landing_dir: Path,
    rows_per_file: int,
    advance: Callable[[], None],
) -> dict[str, int]:
    n = clicks.height
    clicks = clicks.with_columns(
        idx=pl.col("place_idx").cast(pl.UInt32),
        device=pl.col("device_idx").fill_null(0).cast(pl.UInt32),
    ).join(PLACES, on="idx", how="left")
    clicks = clicks.join(DEVICES.select(device="idx", ua="ua"), on="device", how="left")
    located = pl.Series(rng.random(n) < 0.95)
    click = pl.struct(
        a=pl.coalesce("user_agent", "ua"),
        c=pl.when(located).then("country_code"),
        nk=pl.Series(rng.integers(0, 2, n)),
        tz=pl.when(located).then("tz"),
        gr=pl.when(located).then("region_code"),
        g="link_hash",
        h="link_hash",
        l=pl.lit("acmeanalytics"),
        al=pl.when(pl.Series(rng.random(n) < 0.9)).then(pl.lit("en-US,en;q=0.9")),
        hh=pl.lit(vocab.SHORT_DOMAIN),
        r="referrer",
        u="long_url",
        t=pl.col("click_us") // 1_000_000,
        hc=pl.col("link_created_us") // 1_000_000,
        cy=pl.when(located).then("city"),
        ll=pl.when(located).then(pl.concat_list("lat", "lon")),
    )
    lines = clicks.select(
        _day_of("click_us"),
        t=pl.col("click_us"),
        line=json_text(click, ["c", "tz", "gr", "al", "cy", "ll"]),
    )
    # The service writes a heartbeat line on a fixed beat, between the clicks.
    beats = np.arange(window.start_us, window.end_us, HEARTBEAT_EVERY_US)
    heartbeats = pl.DataFrame({"t": beats}).select(
        _day_of("t"),
        "t",
        line=pl.concat_str(
            pl.lit('{"_heartbeat_":'), (pl.col("t") // 1_000_000).cast(pl.String), pl.lit("}")
        ),
    )
    return _write_daily(
        pl.concat([lines, heartbeats]).sort("t", "line"),
        landing_dir,
        "clicks",
        "clicks",
        rows_per_file,
        advance,
    )


def _write_daily(
    lines: pl.DataFrame,
    landing_dir: Path,
    source: str,
    stem: str,
    rows_per_file: int,
    advance: Callable[[], None],
) -> dict[str, int]:
    files = rows = 0
    for (day,), today in lines.partition_by("day", maintain_order=True, as_dict=True).items():
        today = today.with_columns(file_no=pl.int_range(pl.len()) // rows_per_file + 1)
        written = write_lines(today, day_folder(landing_dir, source, day), stem)
        files += written[0]
        rows += written[1]
        advance()
    return {"files": files, "rows": rows}


def _param(key: str, value: pl.Expr, kind: str) -> pl.Expr:
    """One GA4 event parameter as JSON: the value in the slot of its type, the others
    null. Null when the value is null, so the parameter is left out."""
    text = json_string(value) if kind == "string_value" else value.cast(pl.String)
    slots = [
        f'"{slot}":' + ("{}" if slot == kind else "null")
        for slot in ("string_value", "int_value", "float_value", "double_value")
    ]
    before, after = ",".join(slots).split("{}")
    return pl.concat_str(
        pl.lit(f'{{"key":"{key}","value":{{{before}'), text, pl.lit(f"{after}}}}}")
    )


def _members(obj: pl.Expr) -> pl.Expr:
    """A JSON object's members without the surrounding braces, to splice into another."""
    return obj.str.slice(1, obj.str.len_chars() - 2)


def write_web_analytics(
    rng: np.random.Generator,
    sessions: pl.DataFrame,
    catalog: pl.DataFrame,
    window: Window,
    landing_dir: Path,
    rows_per_file: int,
    advance: Callable[[], None],
) -> dict[str, int]:
    """GA4 events per session: session_start and page_view on the landing page (with
    first_visit for new users), user_engagement, and generate_lead on the form."""
    titles = catalog.select(content_url="url", title="title")
    sessions = sessions.join(
        titles,
        left_on=pl.col("landing_url").str.replace(r"\?.*$", ""),
        right_on="content_url",
        how="left",
    )
    n = sessions.height
    sessions = (
        sessions.with_columns(
            idx=pl.col("place_idx").cast(pl.UInt32),
            device=pl.col("device_idx").cast(pl.UInt32),
            engagement_ms=pl.Series(rng.integers(2_000, 240_000, n)),
            page_title=pl.coalesce(
                pl.concat_str("title", pl.lit(f" | {vocab.BRAND}")), pl.lit(vocab.BRAND)
            ),
            page_referrer=pl.when(pl.col("referrer") == "direct").then(None).otherwise("referrer"),
            first_touch_source=pl.coalesce("first_touch_source", "utm_source"),
            first_touch_medium=pl.coalesce("first_touch_medium", "utm_medium"),
            first_touch_campaign=pl.coalesce("first_touch_campaign", "utm_campaign"),
        )
        .join(PLACES, on="idx", how="left")
        .join(DEVICES.rename({"idx": "device"}), on="device", how="left")
    )
    referrer_source = pl.col("page_referrer").str.extract(r"https?://(?:www\.)?([^/]+)")
    sessions = sessions.with_columns(
        first_touch_source=pl.coalesce("first_touch_source", referrer_source, pl.lit("(direct)")),
        first_touch_medium=pl.coalesce(
            "first_touch_medium",
            pl.when(pl.col("channel") == "organic_search").then(pl.lit("organic")),
            pl.lit("(none)"),
        ),
    )
    # Everything about the user and session is encoded once per session.
    user = pl.struct(
        user_pseudo_id="user_pseudo_id",
        user_id=pl.lit(None, dtype=pl.String),
        user_first_touch_timestamp=pl.col("session_us").min().over("user_pseudo_id"),
        device=pl.struct(
            category="category",
            operating_system="os",
            web_info=pl.struct(
                browser="browser", hostname=pl.lit(vocab.SITE.removeprefix("https://"))
            ),
        ),
        geo=pl.struct(continent="continent", country="country", region="region", city="city"),
        traffic_source=pl.struct(
            name=pl.coalesce("first_touch_campaign", pl.lit("(direct)")),
            medium="first_touch_medium",
            source="first_touch_source",
        ),
    )
    collected = pl.struct(
        manual_source="utm_source",
        manual_medium="utm_medium",
        manual_campaign_name="utm_campaign",
        manual_content="utm_content",
        gclid=pl.lit(None, dtype=pl.String),
    )
    sessions = sessions.select(
        "session_us",
        "lead_us",
        "lead_in_session",
        "ga_session_number",
        "engagement_ms",
        "landing_url",
        user_json=_members(user.struct.json_encode()),
        collected_json=pl.when(pl.col("utm_source").is_not_null())
        .then(collected.struct.json_encode())
        .otherwise(pl.lit("null")),
        session_params=pl.concat_str(
            _param("ga_session_id", pl.col("ga_session_id"), "int_value"),
            _param("ga_session_number", pl.col("ga_session_number"), "int_value"),
            separator=",",
        ),
        page_params=pl.concat_str(
            _param("page_referrer", pl.col("page_referrer"), "string_value"),
            _param("page_title", pl.col("page_title"), "string_value"),
            separator=",",
            ignore_nulls=True,
        ),
    )
    step = 1_000  # microseconds between events of one moment
    landing = pl.col("session_us")
    demo = pl.lit(vocab.SITE + "/demo")
    events = pl.concat(
        [
            sessions.with_columns(name=pl.lit("session_start"), event_us=landing, utm=True),
            sessions.filter(pl.col("ga_session_number") == 1).with_columns(
                name=pl.lit("first_visit"), event_us=landing + step, utm=True
            ),
            sessions.with_columns(name=pl.lit("page_view"), event_us=landing + 2 * step, utm=True),
            sessions.with_columns(
                name=pl.lit("user_engagement"),
                event_us=landing + pl.col("engagement_ms") * 1_000,
                utm=False,
            ),
            sessions.filter("lead_in_session").with_columns(
                name=pl.lit("generate_lead"),
                event_us=pl.col("lead_us"),
                utm=False,
                landing_url=demo,
            ),
        ]
    )
    # Events after the last export date belong to an export that does not exist yet.
    events = events.filter(pl.col("event_us") < window.end_us).sort("event_us", "user_json", "name")
    params = pl.concat_str(
        "session_params",
        _param("page_location", pl.col("landing_url"), "string_value"),
        "page_params",
        _param(
            "engagement_time_msec",
            pl.when(pl.col("name") == "user_engagement").then("engagement_ms"),
            "int_value",
        ),
        separator=",",
        ignore_nulls=True,
    )
    line = pl.concat_str(
        pl.lit('{"event_date":"'),
        pl.from_epoch("event_us", time_unit="us").dt.strftime("%Y%m%d"),
        pl.lit('","event_timestamp":'),
        pl.col("event_us").cast(pl.String),
        pl.lit(',"event_name":"'),
        "name",
        pl.lit('","event_params":['),
        params,
        pl.lit("],"),
        "user_json",
        pl.lit(',"collected_traffic_source":'),
        pl.when("utm").then("collected_json").otherwise(pl.lit("null")),
        pl.lit(f',"stream_id":"{STREAM_ID}","platform":"WEB"}}'),
    )
    lines = events.select(_day_of("event_us"), line=line)
    return _write_daily(lines, landing_dir, "web_analytics", "events", rows_per_file, advance)


def _bool(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr).then(pl.lit("true")).otherwise(pl.lit("false"))


def _csv(frame: pl.DataFrame, path: Path) -> None:
    """Salesforce export CSV: UTF-8 with BOM, comma, quotes where needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_bom=True, line_terminator="\n")
    path.write_bytes(buffer.getvalue())


def write_crm(
    leads: pl.DataFrame,
    opportunities: pl.DataFrame,
    window: Window,
    landing_dir: Path,
    advance: Callable[[], None],
) -> dict[str, dict[str, int]]:
    """Every day's Lead.csv and Opportunity.csv hold the records created or modified that
    day (a day without changes still gets a file with just the header)."""
    converted = pl.col("is_converted")
    lead_rows = leads.select(
        _day_of("modified_us"),
        Id="lead_id",
        IsDeleted=pl.lit("false"),
        LastName="last_name",
        FirstName="first_name",
        Name=pl.concat_str("first_name", pl.lit(" "), "last_name"),
        Company="company",
        Email="email",
        Phone="phone",
        LeadSource="lead_source",
        Status="status",
        IsConverted=_bool(converted),
        ConvertedDate=pl.when(converted).then(ts("modified_us", "%Y-%m-%d")),
        ConvertedAccountId=pl.when(converted).then("account_id"),
        ConvertedOpportunityId=pl.when(converted).then("opportunity_id"),
        CreatedDate=ts("created_us", SF_TIME),
        LastModifiedDate=ts("modified_us", SF_TIME),
        SystemModstamp=ts("modified_us", SF_TIME),
        UTM_Source__c="utm_source",
        UTM_Medium__c="utm_medium",
        UTM_Campaign__c="utm_campaign",
        UTM_Content__c="utm_content",
        GA_Client_ID__c="ga_client_id",
    )
    campaign_ids = pl.DataFrame({"utm_campaign": list(vocab.CAMPAIGNS)}).with_columns(
        campaign_id=pl.concat_str(
            pl.lit("701Ec00000"), pl.int_range(pl.len()).cast(pl.String).str.zfill(5), pl.lit("AAA")
        )
    )
    closed = pl.col("stage_name").str.starts_with("Closed")
    amount = pl.concat_str(
        (pl.col("amount_cents") // 100).cast(pl.String),
        pl.lit("."),
        (pl.col("amount_cents") % 100).cast(pl.String).str.zfill(2),
    )
    opportunity_rows = (
        opportunities.join(campaign_ids, on="utm_campaign", how="left")
        .sort("modified_us", "opportunity_id")
        .select(
            _day_of("modified_us"),
            Id="opportunity_id",
            IsDeleted=pl.lit("false"),
            AccountId="account_id",
            Name=pl.concat_str("company", pl.lit(" - Acme Analytics Platform")),
            StageName="stage_name",
            Amount=amount,
            Probability=pl.col("probability").cast(pl.String),
            CloseDate=ts("close_date_us", "%Y-%m-%d"),
            Type=pl.lit("New Business"),
            LeadSource="lead_source",
            IsClosed=_bool(closed),
            IsWon=_bool(pl.col("stage_name") == "Closed Won"),
            CampaignId="campaign_id",
            CreatedDate=ts("created_us", SF_TIME),
            LastModifiedDate=ts("modified_us", SF_TIME),
            SystemModstamp=ts("modified_us", SF_TIME),
        )
    )
    totals = {"Lead": [0, 0], "Opportunity": [0, 0]}
    for day in _days(window):
        for name, rows, columns in (
            ("Lead", lead_rows, LEAD_COLUMNS),
            ("Opportunity", opportunity_rows, OPPORTUNITY_COLUMNS),
        ):
            today = rows.filter(pl.col("day") == day).select(columns)
            _csv(today, day_folder(landing_dir, "crm", day) / f"{name}.csv")
            totals[name][0] += 1
            totals[name][1] += today.height
        advance()
    return {
        "leads": {"files": totals["Lead"][0], "rows": totals["Lead"][1]},
        "opportunities": {"files": totals["Opportunity"][0], "rows": totals["Opportunity"][1]},
    }


def write_catalog(
    catalog: pl.DataFrame, window: Window, landing_dir: Path, advance: Callable[[], None]
) -> dict[str, int]:
    """The full catalog as it stood at the end of each export date."""
    rows = catalog.sort("published_us", "content_idx").select(
        "published_us",
        url="url",
        title="title",
        content_type="content_type",
        campaign="campaign",
        published_at=ts("published_us", "%Y-%m-%dT%H:%M:%SZ"),
    )
    files = written = 0
    for day in _days(window):
        end_of_day = window.start_us + ((day - window.start).days + 1) * DAY_US
        today = rows.filter(pl.col("published_us") < end_of_day).drop("published_us")
        path = day_folder(landing_dir, "content", day) / "catalog.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        today.write_csv(path, line_terminator="\n")
        files += 1
        written += today.height
        advance()
    return {"files": files, "rows": written}
