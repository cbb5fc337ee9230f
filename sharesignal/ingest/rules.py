"""Row-level checks of every raw table, declared once: what makes a record unusable.

Each `Rule` is SQL over the raw table's columns (plus `_extra`): a condition that rejects
the record, and the reason a person reads in `raw._rejects`. A record that breaks several
rules gets every reason. `Note`s do not reject; they are counted in the load log message.

Choices:
- A timestamp without a time zone (`2026-10-03T14:02:11`) is read as UTC, as every export
  in the export formats is UTC; it loads and the load log message counts such records.
- A timestamp more than a day after the load is rejected (a clock or export error); days
  that are legitimately in the future (an opportunity's CloseDate, a catalog entry's
  publication date) are not checked.
- Reasons name the field and what is wrong with it, never its value (a length, a JSON
  kind): they reach the load log, Dagster and reports; the value stays in raw._rejects.
- Negative counts are rejected; so is a value `from_json` could not read as its declared
  type (checked in prepare, from the record's text).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    condition: str  # SQL: true when the record must be rejected
    reason: str  # SQL text expression: what is wrong and what to do


@dataclass(frozen=True)
class Note:
    condition: str  # SQL: true when the record deserves a mention
    note: str  # what the count is of, in the load log message


_FIX = "fix the record at its source and re-deliver the file, then re-run the partition"


def _name(column: str) -> str:
    return column.replace('"', "")


def required(*columns: str) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            f"coalesce(trim(CAST({c} AS VARCHAR)), '') = ''",
            f"'{_name(c)} is missing: every record needs it; {_FIX}'",
        )
        for c in columns
    )


def not_negative(*columns: str) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            f"TRY_CAST({c} AS DOUBLE) < 0",
            f"'{_name(c)} is negative: a count or amount never is; {_FIX}'",
        )
        for c in columns
    )


def _future(column: str, parsed: str) -> Rule:
    return Rule(
        f"{parsed} > now() + INTERVAL 1 DAY",
        f"'{_name(column)} is more than a day after the load: a clock or export error; {_FIX}'",
    )


def iso_timestamp(column: str, *, future: bool = True) -> tuple[Rule, ...]:
    parsed = f"TRY_CAST({column} AS TIMESTAMPTZ)"
    unparsed = Rule(
        f"{column} IS NOT NULL AND {parsed} IS NULL",
        f"format('{_name(column)} is not a timestamp ({{}} characters); {_FIX}', length({column}))",
    )
    return (unparsed, _future(column, parsed)) if future else (unparsed,)


def iso_date(column: str) -> tuple[Rule, ...]:
    return (
        Rule(
            f"nullif({column}, '') IS NOT NULL AND TRY_CAST({column} AS DATE) IS NULL",
            f"format('{_name(column)} is not a date ({{}} characters); {_FIX}', length({column}))",
        ),
    )


def unix_timestamp(column: str, per_second: int) -> tuple[Rule, ...]:
    return (_future(column, f"try(to_timestamp({column} / {per_second}))"),)


def naive(*columns: str) -> Note:
    """Timestamps with a time of day but no zone (no `Z`, no `+hh:mm`)."""
    return Note(
        " OR ".join(f"regexp_matches({c}, '\\d[T ]\\d\\d:\\d\\d(:[0-9.]+)?$')" for c in columns),
        f"timestamps without a time zone, read as UTC ({', '.join(map(_name, columns))})",
    )


def _salesforce_id(column: str) -> Rule:
    return Rule(
        f"NOT regexp_full_match({column}, '[a-zA-Z0-9]{{15}}([a-zA-Z0-9]{{3}})?')",
        f"format('{_name(column)} is not a 15- or 18-character Salesforce id ({{}} characters); "
        f"{_FIX}', length({column}))",
    )


_SALESFORCE_STAMPS = ('"CreatedDate"', '"LastModifiedDate"', '"SystemModstamp"')

RULES: dict[str, tuple[Rule, ...]] = {
    "x_posts": (
        *required("id", "author_id", "created_at"),
        *iso_timestamp("created_at"),
        *not_negative(
            "public_metrics.retweet_count",
            "public_metrics.reply_count",
            "public_metrics.like_count",
            "public_metrics.quote_count",
        ),
    ),
    "x_users": (
        *required("id", "username"),
        *iso_timestamp("created_at"),
        *not_negative(
            "public_metrics.followers_count",
            "public_metrics.following_count",
            "public_metrics.tweet_count",
            "public_metrics.listed_count",
        ),
    ),
    "x_compliance_events": (
        *required("event", "event_at"),
        Rule(
            "post_id IS NULL AND user_id IS NULL",
            f"'a compliance event without the post or account it is about; {_FIX}'",
        ),
        *iso_timestamp("event_at"),
    ),
    "mastodon_statuses": (
        *required("id", "account.id", "created_at"),
        *iso_timestamp("created_at"),
        *not_negative("replies_count", "reblogs_count", "favourites_count"),
    ),
    "mastodon_accounts": (
        *required("id", "acct"),
        *iso_timestamp("created_at"),
        *not_negative("followers_count", "following_count", "statuses_count"),
    ),
    "bluesky_feed_items": (
        *required("post.uri", "post.author.did"),
        Rule(
            "post.record.\"$type\" <> 'app.bsky.feed.post'",
            "format('a {} record, not a post: only posts are loaded as feed items; deliver "
            "it elsewhere or remove it, then re-run the partition', CASE WHEN regexp_full_match("
            "post.record.\"$type\", '(app|chat)\\.bsky\\.[A-Za-z.]+|com\\.atproto\\.[A-Za-z.]+') "
            "THEN post.record.\"$type\" ELSE 'non-Bluesky' END)",
        ),
        Rule(
            "reason IS NOT NULL AND reason.by.did IS NULL",
            f"'a repost (reason) without reason.by.did: the reposter is unknown; {_FIX}'",
        ),
        *iso_timestamp('post.record."createdAt"'),
        *iso_timestamp('reason."indexedAt"'),
        *not_negative(
            'post."replyCount"', 'post."repostCount"', 'post."likeCount"', 'post."quoteCount"'
        ),
    ),
    "bluesky_profiles": (
        *required("did", "handle"),
        *iso_timestamp('"createdAt"'),
        *not_negative('"followersCount"', '"followsCount"', '"postsCount"'),
    ),
    "bluesky_reposted_by": (*required("uri", "did"),),
    "clicks": (
        Rule(
            "_heartbeat_ IS NULL AND (t IS NULL OR (h IS NULL AND u IS NULL))",
            f"'a click without its time (t) or link (h or u); {_FIX}'",
        ),
        *unix_timestamp("t", 1),
    ),
    "web_analytics_events": (
        *required("event_name", "event_timestamp"),
        *unix_timestamp("event_timestamp", 1_000_000),
    ),
    "crm_leads": (
        *required('"Id"', *_SALESFORCE_STAMPS),
        _salesforce_id('"Id"'),
        *(rule for stamp in _SALESFORCE_STAMPS for rule in iso_timestamp(stamp)),
        *iso_date('"ConvertedDate"'),
    ),
    "crm_opportunities": (
        *required('"Id"', *_SALESFORCE_STAMPS),
        _salesforce_id('"Id"'),
        *(rule for stamp in _SALESFORCE_STAMPS for rule in iso_timestamp(stamp)),
        Rule(
            'nullif("Amount", \'\') IS NOT NULL AND TRY_CAST("Amount" AS DECIMAL(18, 2)) IS NULL',
            f"format('Amount is not a number ({{}} characters); {_FIX}', length(\"Amount\"))",
        ),
        *not_negative('"Amount"'),
        *iso_date('"CloseDate"'),
    ),
    "content_catalog": (
        *required("url"),
        *iso_timestamp("published_at", future=False),
    ),
}

NOTES: dict[str, tuple[Note, ...]] = {
    "x_posts": (naive("created_at"),),
    "x_users": (naive("created_at"),),
    "mastodon_statuses": (naive("created_at"),),
    "mastodon_accounts": (naive("created_at"),),
    "bluesky_feed_items": (naive('post.record."createdAt"', 'reason."indexedAt"'),),
    "bluesky_profiles": (naive('"createdAt"', '"indexedAt"'),),
    "crm_leads": (naive(*_SALESFORCE_STAMPS),),
    "crm_opportunities": (naive(*_SALESFORCE_STAMPS),),
    "content_catalog": (naive("published_at"),),
}


def reason_sql(table: str, extra: tuple[Rule, ...] = ()) -> str:
    """SQL giving a record's reasons for rejection joined by '; ', or NULL."""
    rules = RULES.get(table, ()) + extra
    if not rules:
        return "CAST(NULL AS VARCHAR)"
    cases = ", ".join(f"CASE WHEN {r.condition} THEN {r.reason} END" for r in rules)
    return f"nullif(concat_ws('; ', {cases}), '')"
