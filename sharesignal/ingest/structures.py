"""The shapes ingest parses each export with, declared once.

A structure is a DuckDB type name, a dict of fields (a JSON object, a DuckDB STRUCT) or a
one-element list (a JSON array, a DuckDB LIST). The same declaration gives the
`from_json` structure that parses a record and the column types of the raw table, so the
two cannot drift apart. Declared fields a record lacks load as NULL. Top-level fields a
record carries that are not declared here are kept in the raw table's `_extra` JSON column
(and reported); undeclared keys inside a declared object are not copied (the landing
file keeps them) — declare them here to load them.
"""

from __future__ import annotations

import json
from typing import TypeAlias

Structure: TypeAlias = str | dict[str, "Structure"] | list["Structure"]

# --- X API v2 -----------------------------------------------------------------------------

X_TWEET: dict[str, Structure] = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "author_id": "VARCHAR",
    "created_at": "VARCHAR",
    "conversation_id": "VARCHAR",
    "lang": "VARCHAR",
    "source": "VARCHAR",
    "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR"}],
    "in_reply_to_user_id": "VARCHAR",
    "public_metrics": {
        "retweet_count": "BIGINT",
        "reply_count": "BIGINT",
        "like_count": "BIGINT",
        "quote_count": "BIGINT",
        "bookmark_count": "BIGINT",
        "impression_count": "BIGINT",
    },
    "entities": {
        "urls": [
            {
                "start": "INTEGER",
                "end": "INTEGER",
                "url": "VARCHAR",
                "expanded_url": "VARCHAR",
                "display_url": "VARCHAR",
            }
        ],
        "hashtags": [{"start": "INTEGER", "end": "INTEGER", "tag": "VARCHAR"}],
        "mentions": [
            {"start": "INTEGER", "end": "INTEGER", "username": "VARCHAR", "id": "VARCHAR"}
        ],
    },
}

X_USER: dict[str, Structure] = {
    "id": "VARCHAR",
    "username": "VARCHAR",
    "name": "VARCHAR",
    "created_at": "VARCHAR",
    "description": "VARCHAR",
    "verified": "BOOLEAN",
    "verified_type": "VARCHAR",
    "protected": "BOOLEAN",
    "profile_image_url": "VARCHAR",
    "url": "VARCHAR",
    "location": "VARCHAR",
    "public_metrics": {
        "followers_count": "BIGINT",
        "following_count": "BIGINT",
        "tweet_count": "BIGINT",
        "listed_count": "BIGINT",
        "like_count": "BIGINT",
        "media_count": "BIGINT",
    },
}

# An X compliance event (a post deleted, dropped, withheld or edited; an account deleted,
# protected, suspended...), flattened from the stream's `{"data": {"<event>": {...}}}` or
# v1.1's `{"delete": {"status": {...}}}`; the event's other fields are kept in `_extra`.
X_COMPLIANCE_EVENT: dict[str, Structure] = {
    "event": "VARCHAR",
    "post_id": "VARCHAR",
    "user_id": "VARCHAR",
    "event_at": "VARCHAR",
}

# --- Mastodon -----------------------------------------------------------------------------

MASTODON_ACCOUNT: dict[str, Structure] = {
    "id": "VARCHAR",
    "username": "VARCHAR",
    "acct": "VARCHAR",
    "display_name": "VARCHAR",
    "locked": "BOOLEAN",
    "bot": "BOOLEAN",
    "discoverable": "BOOLEAN",
    "group": "BOOLEAN",
    "created_at": "VARCHAR",
    "note": "VARCHAR",
    "url": "VARCHAR",
    "avatar": "VARCHAR",
    "header": "VARCHAR",
    "followers_count": "BIGINT",
    "following_count": "BIGINT",
    "statuses_count": "BIGINT",
    "last_status_at": "VARCHAR",
}


def _mastodon_status(reblog: Structure | None) -> dict[str, Structure]:
    # A reblog nests the full original status, which itself never carries a reblog.
    status: dict[str, Structure] = {
        "id": "VARCHAR",
        "created_at": "VARCHAR",
        "in_reply_to_id": "VARCHAR",
        "in_reply_to_account_id": "VARCHAR",
        "sensitive": "BOOLEAN",
        "spoiler_text": "VARCHAR",
        "visibility": "VARCHAR",
        "language": "VARCHAR",
        "uri": "VARCHAR",
        "url": "VARCHAR",
        "replies_count": "BIGINT",
        "reblogs_count": "BIGINT",
        "favourites_count": "BIGINT",
        "edited_at": "VARCHAR",
        "content": "VARCHAR",
    }
    if reblog is not None:
        status["reblog"] = reblog
    return status | {
        "application": {"name": "VARCHAR", "website": "VARCHAR"},
        "account": MASTODON_ACCOUNT,
        "media_attachments": [
            {"id": "VARCHAR", "type": "VARCHAR", "url": "VARCHAR", "description": "VARCHAR"}
        ],
        "mentions": [{"id": "VARCHAR", "username": "VARCHAR", "url": "VARCHAR", "acct": "VARCHAR"}],
        "tags": [{"name": "VARCHAR", "url": "VARCHAR"}],
        "card": {"url": "VARCHAR", "title": "VARCHAR", "description": "VARCHAR", "type": "VARCHAR"},
    }


MASTODON_STATUS = _mastodon_status(reblog=_mastodon_status(reblog=None))

# --- Bluesky ------------------------------------------------------------------------------

BLUESKY_LABELS: list[Structure] = [
    {"src": "VARCHAR", "uri": "VARCHAR", "val": "VARCHAR", "neg": "BOOLEAN", "cts": "VARCHAR"}
]

BLUESKY_PROFILE_BASIC: dict[str, Structure] = {
    "did": "VARCHAR",
    "handle": "VARCHAR",
    "displayName": "VARCHAR",
    "avatar": "VARCHAR",
    "labels": BLUESKY_LABELS,
    "createdAt": "VARCHAR",
}

# ProfileView: what lists of actors (getRepostedBy, getFollowers) show; no counts.
BLUESKY_PROFILE_VIEW: dict[str, Structure] = BLUESKY_PROFILE_BASIC | {
    "description": "VARCHAR",
    "indexedAt": "VARCHAR",
}

BLUESKY_STRONG_REF: dict[str, Structure] = {"uri": "VARCHAR", "cid": "VARCHAR"}

BLUESKY_POST_VIEW: dict[str, Structure] = {
    "uri": "VARCHAR",
    "cid": "VARCHAR",
    "author": BLUESKY_PROFILE_BASIC,
    "record": {
        "$type": "VARCHAR",
        "text": "VARCHAR",
        "createdAt": "VARCHAR",
        "langs": ["VARCHAR"],
        "reply": {"root": BLUESKY_STRONG_REF, "parent": BLUESKY_STRONG_REF},
        # app.bsky.embed.external, .record ({uri, cid}) or .recordWithMedia, whose quoted
        # post is one level deeper (record.record) beside its media.
        "embed": {
            "$type": "VARCHAR",
            "external": {"uri": "VARCHAR", "title": "VARCHAR", "description": "VARCHAR"},
            "record": BLUESKY_STRONG_REF | {"record": BLUESKY_STRONG_REF},
            "media": {
                "$type": "VARCHAR",
                "external": {"uri": "VARCHAR", "title": "VARCHAR", "description": "VARCHAR"},
            },
        },
        # Rich-text annotations: links (#link uri), mentions (#mention did), tags.
        "facets": [
            {
                "index": {"byteStart": "BIGINT", "byteEnd": "BIGINT"},
                "features": [
                    {"$type": "VARCHAR", "uri": "VARCHAR", "did": "VARCHAR", "tag": "VARCHAR"}
                ],
            }
        ],
    },
    "replyCount": "BIGINT",
    "repostCount": "BIGINT",
    "likeCount": "BIGINT",
    "quoteCount": "BIGINT",
    "indexedAt": "VARCHAR",
    "labels": BLUESKY_LABELS,
}

# The posts a reply hangs under, as the feed shows them (or a notFound/blocked stub).
BLUESKY_REPLY_PARENT: dict[str, Structure] = {
    "$type": "VARCHAR",
    "uri": "VARCHAR",
    "cid": "VARCHAR",
    "author": BLUESKY_PROFILE_BASIC,
}

BLUESKY_FEED_ITEM: dict[str, Structure] = {
    "post": BLUESKY_POST_VIEW,
    "reason": {"$type": "VARCHAR", "by": BLUESKY_PROFILE_BASIC, "indexedAt": "VARCHAR"},
    "reply": {"root": BLUESKY_REPLY_PARENT, "parent": BLUESKY_REPLY_PARENT},
}


BLUESKY_PROFILE: dict[str, Structure] = {
    "did": "VARCHAR",
    "handle": "VARCHAR",
    "displayName": "VARCHAR",
    "description": "VARCHAR",
    "avatar": "VARCHAR",
    "createdAt": "VARCHAR",
    "indexedAt": "VARCHAR",
    "followersCount": "BIGINT",
    "followsCount": "BIGINT",
    "postsCount": "BIGINT",
    "labels": BLUESKY_LABELS,
}

# One actor of an app.bsky.feed.getRepostedBy response, with the reposted post (the
# response's own `uri` and `cid`) beside the actor's fields.
BLUESKY_REPOSTED_BY: dict[str, Structure] = BLUESKY_STRONG_REF | BLUESKY_PROFILE_VIEW

# --- bit.ly click log ---------------------------------------------------------------------

CLICK: dict[str, Structure] = {
    "a": "VARCHAR",
    "c": "VARCHAR",
    "nk": "INTEGER",
    "tz": "VARCHAR",
    "gr": "VARCHAR",
    "g": "VARCHAR",
    "h": "VARCHAR",
    "l": "VARCHAR",
    "al": "VARCHAR",
    "hh": "VARCHAR",
    "r": "VARCHAR",
    "u": "VARCHAR",
    "t": "BIGINT",
    "hc": "BIGINT",
    "cy": "VARCHAR",
    "ll": ["DOUBLE"],
    "_heartbeat_": "BIGINT",
}

# --- GA4 BigQuery export ------------------------------------------------------------------

GA4_EVENT: dict[str, Structure] = {
    "event_date": "VARCHAR",
    "event_timestamp": "BIGINT",
    "event_name": "VARCHAR",
    "event_params": [
        {
            "key": "VARCHAR",
            "value": {
                "string_value": "VARCHAR",
                "int_value": "BIGINT",
                "float_value": "DOUBLE",
                "double_value": "DOUBLE",
            },
        }
    ],
    "event_previous_timestamp": "BIGINT",
    "event_bundle_sequence_id": "BIGINT",
    "user_id": "VARCHAR",
    "user_pseudo_id": "VARCHAR",
    "user_first_touch_timestamp": "BIGINT",
    "device": {
        "category": "VARCHAR",
        "mobile_brand_name": "VARCHAR",
        "operating_system": "VARCHAR",
        "operating_system_version": "VARCHAR",
        "language": "VARCHAR",
        "web_info": {"browser": "VARCHAR", "browser_version": "VARCHAR", "hostname": "VARCHAR"},
    },
    "geo": {
        "continent": "VARCHAR",
        "sub_continent": "VARCHAR",
        "country": "VARCHAR",
        "region": "VARCHAR",
        "city": "VARCHAR",
        "metro": "VARCHAR",
    },
    "traffic_source": {"name": "VARCHAR", "medium": "VARCHAR", "source": "VARCHAR"},
    "collected_traffic_source": {
        "manual_campaign_id": "VARCHAR",
        "manual_campaign_name": "VARCHAR",
        "manual_source": "VARCHAR",
        "manual_medium": "VARCHAR",
        "manual_term": "VARCHAR",
        "manual_content": "VARCHAR",
        "gclid": "VARCHAR",
    },
    "stream_id": "VARCHAR",
    "platform": "VARCHAR",
}

# --- CSV exports (every column VARCHAR, names exactly as in the header) ---------------------

CRM_LEAD_COLUMNS = (
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
)

CRM_OPPORTUNITY_COLUMNS = (
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
)

CONTENT_CATALOG_COLUMNS = ("url", "title", "content_type", "campaign", "published_at")


def json_structure(structure: Structure) -> str:
    """The structure as `from_json` takes it."""
    return json.dumps(structure)


def as_text(structure: dict[str, Structure]) -> dict[str, Structure]:
    """Only the non-text values outside lists, each read as VARCHAR: `from_json` turns a
    value it cannot convert into NULL, so comparing the two readings finds values of the
    wrong type."""
    text: dict[str, Structure] = {}
    for name, inner in structure.items():
        if isinstance(inner, dict):
            if nested := as_text(inner):
                text[name] = nested
        elif isinstance(inner, str) and inner != "VARCHAR":
            text[name] = "VARCHAR"
    return text


def typed_leaves(structure: dict[str, Structure], prefix: str = "") -> list[tuple[str, str]]:
    """(dotted path, type) of every non-text value reachable without entering a list."""
    leaves = []
    for name, inner in structure.items():
        path = f'{prefix}"{name}"'
        if isinstance(inner, dict):
            leaves += typed_leaves(inner, f"{path}.")
        elif isinstance(inner, str) and inner != "VARCHAR":
            leaves.append((path, inner))
    return leaves


def sql_type(structure: Structure) -> str:
    """The structure as a DuckDB column type."""
    if isinstance(structure, str):
        return structure
    if isinstance(structure, list):
        return f"{sql_type(structure[0])}[]"
    fields = ", ".join(f'"{name}" {sql_type(inner)}' for name, inner in structure.items())
    return f"STRUCT({fields})"
