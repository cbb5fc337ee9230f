"""What each source delivers: which files, in which format, into which raw tables.

NDJSON sources differ only in the structure of a line, what makes a parsed line
unusable, and how its records are unnested; that is all declared here as data and SQL.
The SQL of `JsonLines.records` reads `accepted(line_no, doc)`, the parsed lines that
passed every check, and returns `_line`, `_item` (plus `_included` for X) and `record`,
the struct whose fields become the raw table's columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sharesignal.ingest import structures as s


@dataclass(frozen=True)
class JsonLines:
    """An NDJSON export: one API response or one record per line."""

    pattern: str  # file name pattern (fnmatch, without a `.gz` suffix)
    what: str  # what one line is, for reasons a person reads
    opening: str  # the character a line must start with: `{` or `[`
    structure: s.Structure
    shape_error: str  # SQL over `doc`: NULL when the line is usable, else why it is not
    records: dict[str, str]  # raw table -> SQL unnesting `accepted` into its records


@dataclass(frozen=True)
class CsvExport:
    """A CSV export with a header row; every column kept as VARCHAR."""

    pattern: str
    table: str
    columns: tuple[str, ...]
    # Columns loaded as NULL when a file lacks them (an org without these custom fields);
    # every other column is required.
    optional: frozenset[str] = frozenset()


def _unnest(list_expr: str, extra: str = "") -> str:
    return (
        f"SELECT line_no AS _line, generate_subscripts({list_expr}, 1) - 1 AS _item{extra}, "
        f"unnest({list_expr}) AS record FROM accepted"
    )


_ONE_RECORD_PER_LINE = "SELECT line_no AS _line, 0 AS _item, doc AS record FROM accepted"

_X = JsonLines(
    pattern="*.jsonl",
    what="an X API v2 /2/tweets/search/recent response page (a JSON object)",
    opening="{",
    structure=s.X_SEARCH_PAGE,
    shape_error="""CASE
        WHEN doc.data IS NULL AND doc.includes IS NULL AND doc.meta IS NULL THEN
            'a JSON object without data, includes or meta: not an X API v2 search page '
            || '(an API error response?); land only /2/tweets/search/recent pages'
        WHEN len(list_filter(doc.data, lambda t: t.text IS NULL)) > 0 THEN
            'data[] holds items without text: a users lookup page, not a tweets search '
            || 'page; land only /2/tweets/search/recent pages'
    END""",
    records={
        "x_posts": _unnest("doc.data", ", false AS _included")
        + " UNION ALL "
        + _unnest("doc.includes.tweets", ", true AS _included"),
        "x_users": _unnest("doc.includes.users"),
    },
)

_MASTODON = JsonLines(
    pattern="*.jsonl",
    what="a Mastodon API page of statuses (a JSON array)",
    opening="[",
    structure=s.MASTODON_PAGE,
    shape_error="""CASE
        WHEN len(list_filter(doc, lambda st: st.account IS NULL)) > 0 THEN
            'array items without account: not Mastodon statuses (a page of accounts?); '
            || 'land only timeline/statuses pages'
    END""",
    records={"mastodon_statuses": _unnest("doc")},
)

_BLUESKY_FEED = JsonLines(
    pattern="feed-*.jsonl",
    what="an app.bsky.feed.getAuthorFeed response (a JSON object)",
    opening="{",
    structure=s.BLUESKY_FEED_PAGE,
    shape_error="""CASE WHEN doc.feed IS NULL THEN
        'no feed[]: not an app.bsky.feed.getAuthorFeed response; '
        || 'profile lookups belong in profiles-*.jsonl'
    END""",
    records={"bluesky_feed_items": _unnest("doc.feed")},
)

_BLUESKY_PROFILES = JsonLines(
    pattern="profiles-*.jsonl",
    what="an app.bsky.actor.getProfiles response (a JSON object)",
    opening="{",
    structure=s.BLUESKY_PROFILES_PAGE,
    shape_error="""CASE WHEN doc.profiles IS NULL THEN
        'no profiles[]: not an app.bsky.actor.getProfiles response; '
        || 'feed pages belong in feed-*.jsonl'
    END""",
    records={"bluesky_profiles": _unnest("doc.profiles")},
)

_CLICKS = JsonLines(
    pattern="*.jsonl",
    what="a click-log record (a JSON object)",
    opening="{",
    structure=s.CLICK,
    # Any object is a usable line: keys can be missing, heartbeats are kept.
    shape_error="CAST(NULL AS VARCHAR)",
    records={"clicks": _ONE_RECORD_PER_LINE},
)

_WEB_ANALYTICS = JsonLines(
    pattern="*.jsonl",
    what="a GA4 BigQuery export row (a JSON object)",
    opening="{",
    structure=s.GA4_EVENT,
    shape_error="""CASE WHEN doc.event_name IS NULL OR doc.event_timestamp IS NULL THEN
        'no event_name or event_timestamp: not a GA4 BigQuery export row'
    END""",
    records={"web_analytics_events": _ONE_RECORD_PER_LINE},
)

_UTM_FIELDS = frozenset(
    {"UTM_Source__c", "UTM_Medium__c", "UTM_Campaign__c", "UTM_Content__c", "GA_Client_ID__c"}
)

FORMATS: dict[str, tuple[JsonLines | CsvExport, ...]] = {
    "x": (_X,),
    "mastodon": (_MASTODON,),
    "bluesky": (_BLUESKY_FEED, _BLUESKY_PROFILES),
    "clicks": (_CLICKS,),
    "web_analytics": (_WEB_ANALYTICS,),
    "crm": (
        CsvExport("Lead.csv", "crm_leads", s.CRM_LEAD_COLUMNS, optional=_UTM_FIELDS),
        CsvExport("Opportunity.csv", "crm_opportunities", s.CRM_OPPORTUNITY_COLUMNS),
    ),
    "content": (CsvExport("catalog.csv", "content_catalog", s.CONTENT_CATALOG_COLUMNS),),
}


def tables_of(source: str) -> tuple[str, ...]:
    """The raw tables a source loads."""
    return tuple(
        table
        for fmt in FORMATS[source]
        for table in (fmt.records if isinstance(fmt, JsonLines) else (fmt.table,))
    )
