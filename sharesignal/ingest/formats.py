"""What each source delivers and how its records are recognised, declared as data and SQL.

A JSON export is recognised by its shape, not its file name, so a real export folder with
arbitrary names loads. Every line (NDJSON) or whole document (pretty-printed `.json`) is a
JSON value: an API response, one record, or an array of records. HTTP recorder captures
(`{"request_uri", "status", "body"}`) are unwrapped first. Then:

- an object whose keys match one of the source's `Response`s holds records in the lists
  it names (`data[]`, `includes.users[]`, `feed[]`...); a list may also be a single object
  (X `/2/tweets/:id` returns `data` as an object);
- any other object, or each element of an array, is a record, recognised by the keys of
  the source's `Record`s (a Mastodon Status has `account`, an Account has `acct`).

Before that, a unit of another format of the source (`Conversion`: X API v1.1 tweets, an
X archive's files) is rewritten as the response it amounts to.

SQL snippets see `keys` (the object's top-level keys, VARCHAR[]), `response` (the response
object as JSON) and `item` / `record` (one record as JSON).

CSV exports are recognised by their header: the export whose required columns are all
present; the file name only decides which export a broken header was meant to be.
"""

from __future__ import annotations

from dataclasses import dataclass

from sharesignal.ingest import structures as s


@dataclass(frozen=True)
class Record:
    """A kind of record and the raw table it loads into."""

    table: str
    what: str  # for reasons a person reads
    detect: str  # SQL over `keys`: true when an object is this kind of record
    structure: dict[str, s.Structure]
    # column -> SQL over `_record` (the record's JSON text) giving the column's value when
    # the record lacks it; the record as delivered is untouched (and `_extra` keeps it).
    fill: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RecordList:
    """Where a response holds records: a JSON path, and the table they load into."""

    path: tuple[str, ...]  # keys from the response to the list; () for the response itself
    table: str | None  # None: recognise each record by its keys
    reshape: str = "item"  # SQL over `item` and `response` giving the record
    included: bool = False  # X: the record came from `includes`


@dataclass(frozen=True)
class Response:
    """A kind of API response: an envelope around lists of records."""

    what: str
    detect: str  # SQL over `keys`
    lists: tuple[RecordList, ...]
    # SQL over `keys` and `response`: why the response holds nothing to load (an API error
    # response), else NULL
    error: str = "CAST(NULL AS VARCHAR)"


@dataclass(frozen=True)
class Conversion:
    """An older or other format of the source's exports, rewritten unit by unit into one of
    the source's responses before records are read (X API v1.1 tweets as a v2 page)."""

    what: str
    detect: str  # SQL over `value` (the unit's JSON text), `keys` and `is_array`
    convert: str  # SQL over `value` and `companion`: the unit as a response
    # SQL over `value` and `companion`: why the unit cannot be converted, else NULL
    error: str = "CAST(NULL AS VARCHAR)"


@dataclass(frozen=True)
class JsonExport:
    """A JSON source: NDJSON or whole documents, recognised by shape."""

    what: str
    records: tuple[Record, ...]
    responses: tuple[Response, ...] = ()
    conversions: tuple[Conversion, ...] = ()
    # A file of this name beside the landing file, whose text conversions see as `companion`
    # (NULL when there is none): an X archive's account.js names the author of its tweets.
    companion: str | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(record.table for record in self.records))

    def record_of(self, table: str) -> Record:
        return next(record for record in self.records if record.table == table)


@dataclass(frozen=True)
class CsvExport:
    """A CSV export with a header row; every column kept as VARCHAR."""

    pattern: str  # the usual file name (fnmatch, without `.gz`), for a header that fits none
    table: str
    columns: tuple[str, ...]
    # Columns loaded as NULL when a file lacks them (an org without these custom fields);
    # every other column is required.
    optional: frozenset[str] = frozenset()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.optional)


def _has(*keys: str) -> str:
    return "list_has_all(keys, [{}])".format(", ".join(f"'{k}'" for k in keys))


def _has_any(*keys: str) -> str:
    return "list_has_any(keys, [{}])".format(", ".join(f"'{k}'" for k in keys))


def _one_of(events: tuple[str, ...], keys: str = "keys") -> str:
    """SQL: the object has one key, one of `events`."""
    return "len({0}) = 1 AND list_has_any({0}, [{1}])".format(
        keys, ", ".join(f"'{e}'" for e in events)
    )


def _code(text: str) -> str:
    """SQL: an API's error code or title (`Not Found Error`, `InvalidRequest`), or a stand-in
    for anything else: error details name the ids asked for, and reasons leave raw."""
    return (
        f"CASE WHEN regexp_full_match({text}, '[A-Za-z][A-Za-z ]{{0,59}}') THEN {text} "
        "ELSE 'see raw._rejects' END"
    )


# --- X API v2 -----------------------------------------------------------------------------

# The compliance streams' events (GET /2/tweets/compliance/stream, /2/users/compliance/stream):
# `{"data": {"<event>": {"tweet" | "post": {id, author_id} | "user": {id}, "event_at"}}}`.
_X_EVENTS = (
    "delete",
    "drop",
    "undrop",
    "withheld",
    "tweet_edit",
    "scrub_geo",
    "user_delete",
    "user_undelete",
    "user_protect",
    "user_unprotect",
    "user_suspend",
    "user_unsuspend",
    "user_withheld",
    "user_profile_modification",
)
_EVENT = "json_keys(item)[1]"
_BODY = f"json_extract(item, '$.' || {_EVENT})"
_X_EVENT = f"""json_merge_patch({_BODY}, json_object(
    'event', {_EVENT},
    'post_id', coalesce({_BODY}->>'$.tweet.id', {_BODY}->>'$.post.id'),
    'user_id', coalesce({_BODY}->>'$.tweet.author_id', {_BODY}->>'$.post.author_id',
        {_BODY}->>'$.user.id'),
    'event_at', coalesce({_BODY}->>'$.event_at', {_BODY}->>'$.timestamp'),
    'tweet', NULL, 'post', NULL, 'user', NULL, 'timestamp', NULL))"""

# API v1.1 streams' status events: `{"delete": {"status": {id_str, user_id_str}, "timestamp_ms"}}`
# (and `status_withheld`, `scrub_geo`, `user_withheld` with their fields at the top).
_X_V1_EVENTS = ("delete", "status_withheld", "scrub_geo", "user_withheld")
_V1_MS = f"{_BODY}->>'$.timestamp_ms'"
_X_V1_EVENT = f"""json_merge_patch({_BODY}, json_object(
    'event', {_EVENT},
    'post_id', coalesce({_BODY}->>'$.status.id_str', {_BODY}->>'$.id_str'),
    'user_id', coalesce({_BODY}->>'$.status.user_id_str', {_BODY}->>'$.user_id_str'),
    'event_at', coalesce(strftime(make_timestamp(TRY_CAST({_V1_MS} AS BIGINT) * 1000),
        '%Y-%m-%dT%H:%M:%S.%gZ'), {_V1_MS}),
    'status', NULL, 'timestamp_ms', NULL))"""


# --- X API v1.1 and X archives, read as v2 ------------------------------------------------


# "Wed Oct 10 20:19:24 +0000 2018" as v2 writes it; left as delivered when it does not parse
# (the row rule then says so).
def _v1_time(text: str) -> str:
    return (
        f"coalesce(strftime(try_strptime({text}, '%a %b %d %H:%M:%S %z %Y') AT TIME ZONE 'UTC', "
        f"'%Y-%m-%dT%H:%M:%S.000Z'), {text})"
    )


# What an X archive writes before the JSON of each of its files (`window.YTD.tweets.part0 = `),
# dropped as a file is read.
ARCHIVE_PREFIX = "'^\\s*window\\.YTD\\.[A-Za-z_]+\\.part[0-9]+\\s*=\\s*'"
# The archive's owner: account.js is `window.YTD.account.part0 = [{"account": {...}}]`.
_ACCOUNT_JS = f"regexp_replace(companion, {ARCHIVE_PREFIX}, '')"
_OWNER = f"CASE WHEN json_valid({_ACCOUNT_JS}) THEN {_ACCOUNT_JS}->>'$[0].account.accountId' END"


def _v1_tweet(t: str) -> str:
    """SQL: the v1.1 Tweet `t` (JSON) as a v2 Tweet; an archive's tweets have no `user`, their
    author is the archive's owner."""
    entities = f"coalesce({t}->'$.extended_tweet.entities', {t}->'$.entities')"
    indexed = '"indices": ["INTEGER"]'
    mentions = (
        f"from_json({entities}->'$.user_mentions', "
        f'\'[{{"screen_name": "VARCHAR", "id_str": "VARCHAR", {indexed}}}]\')'
    )
    hashtags = f"from_json({entities}->'$.hashtags', '[{{\"text\": \"VARCHAR\", {indexed}}}]')"
    urls = (
        f'from_json({entities}->\'$.urls\', \'[{{"url": "VARCHAR", "expanded_url": '
        f'"VARCHAR", "display_url": "VARCHAR", {indexed}}}]\')'
    )
    references = f"""list_filter([
        {{'type': 'retweeted', 'id': {t}->>'$.retweeted_status.id_str'}},
        {{'type': 'quoted', 'id': coalesce({t}->>'$.quoted_status_id_str',
            {t}->>'$.quoted_status.id_str')}},
        {{'type': 'replied_to', 'id': {t}->>'$.in_reply_to_status_id_str'}}
    ], lambda r: r.id IS NOT NULL)"""
    return f"""json_object(
        'id', {t}->>'$.id_str',
        'text', coalesce({t}->>'$.extended_tweet.full_text', {t}->>'$.full_text',
            {t}->>'$.text'),
        'author_id', coalesce({t}->>'$.user.id_str', {_OWNER}),
        'created_at', {_v1_time(f"({t}->>'$.created_at')")},
        'lang', {t}->>'$.lang',
        'source', regexp_replace({t}->>'$.source', '<[^>]*>', '', 'g'),
        'in_reply_to_user_id', {t}->>'$.in_reply_to_user_id_str',
        'referenced_tweets', nullif({references}, []),
        'public_metrics', json_object(
            'retweet_count', {t}->'$.retweet_count', 'reply_count', {t}->'$.reply_count',
            'like_count', {t}->'$.favorite_count', 'quote_count', {t}->'$.quote_count'),
        'entities', json_object(
            'urls', list_transform({urls},
                lambda u: {{'start': u.indices[1], 'end': u.indices[2], 'url': u.url,
                    'expanded_url': u.expanded_url, 'display_url': u.display_url}}),
            'hashtags', list_transform({hashtags},
                lambda h: {{'start': h.indices[1], 'end': h.indices[2], 'tag': h.text}}),
            'mentions', list_transform({mentions},
                lambda m: {{'start': m.indices[1], 'end': m.indices[2], 'username': m.screen_name,
                    'id': m.id_str}})))"""


def _v1_user(u: str) -> str:
    """SQL: the v1.1 User `u` (JSON) as a v2 User."""
    return f"""json_object(
        'id', {u}->>'$.id_str', 'username', {u}->>'$.screen_name', 'name', {u}->>'$.name',
        'created_at', {_v1_time(f"({u}->>'$.created_at')")},
        'description', {u}->>'$.description', 'verified', {u}->'$.verified',
        'protected', {u}->'$.protected',
        'profile_image_url', coalesce({u}->>'$.profile_image_url_https',
            {u}->>'$.profile_image_url'),
        'url', {u}->>'$.url', 'location', {u}->>'$.location',
        'public_metrics', json_object(
            'followers_count', {u}->'$.followers_count',
            'following_count', {u}->'$.friends_count',
            'tweet_count', {u}->'$.statuses_count', 'listed_count', {u}->'$.listed_count',
            'like_count', {u}->'$.favourites_count'))"""


# A unit of v1.1 tweets: one Tweet (NDJSON of a stream or twarc v1), an array of them
# (statuses/user_timeline, statuses/retweets/:id, lookup), or an archive's tweets.js, an array
# of `{"tweet": {...}}` (tweet.js of older archives: the tweets themselves).
_V1_TWEET_KEYS = "list_has_all({0}, ['id_str']) AND list_has_any({0}, ['text', 'full_text'])"
_V1_DETECT = f"""({_V1_TWEET_KEYS.format("keys")} AND list_has_any(keys, ['user']))
    OR (is_array AND ({_V1_TWEET_KEYS.format("json_keys(value, '$[0]')")}
        OR json_keys(value, '$[0]') = ['tweet']))"""
_V1_TWEETS = """list_transform(
    CASE WHEN is_array THEN from_json(value, '["JSON"]') ELSE [value::JSON] END,
    lambda e: coalesce(e->'$.tweet', e))"""
_V1_NESTED = f"""list_filter(flatten(list_transform({_V1_TWEETS},
    lambda t: [t->'$.retweeted_status', t->'$.quoted_status'])), lambda t: t IS NOT NULL)"""
_V1_CONVERT = f"""json_object(
    'data', list_transform({_V1_TWEETS}, lambda t: {_v1_tweet("t")}),
    'includes', json_object(
        'tweets', list_distinct(list_transform({_V1_NESTED}, lambda t: {_v1_tweet("t")})),
        'users', list_distinct(list_transform(
            list_filter({_V1_TWEETS} || {_V1_NESTED}, lambda t: (t->'$.user') IS NOT NULL),
            lambda t: {_v1_user("t->'$.user'")}))))"""
_V1_ERROR = f"""CASE WHEN {_OWNER} IS NULL AND list_bool_or(list_transform({_V1_TWEETS},
        lambda t: (t->'$.user') IS NULL)) THEN
    'X archive tweets (tweets.js) without account.js beside them: their author, the '
    || 'archive''s owner, is unknown; land the archive''s account.js in the same folder, '
    || 'then re-run the partition'
END"""

# account.js of an X archive: the owner, as a v2 user lookup (email and phone stay out).
_ARCHIVE_ACCOUNT = """json_object('data', list_transform(from_json(value, '["JSON"]'),
    lambda e: json_object('id', e->>'$.account.accountId', 'username', e->>'$.account.username',
        'name', e->>'$.account.accountDisplayName', 'created_at', e->>'$.account.createdAt')))"""


_X = JsonExport(
    what="X API v2 responses (tweets or users), Tweet / User objects, compliance events, "
    "X API v1.1 tweets or tweets.js / account.js of an X archive",
    responses=(
        # before the v2 response, whose `data` it shares
        Response(
            what="an X compliance event",
            detect="keys = ['data'] AND " + _one_of(_X_EVENTS, "json_keys(response, '$.data')"),
            lists=(RecordList(("data",), "x_compliance_events", _X_EVENT),),
        ),
        Response(
            what="an X API v1.1 compliance event",
            detect=_one_of(_X_V1_EVENTS),
            lists=(RecordList((), "x_compliance_events", _X_V1_EVENT),),
        ),
        Response(
            what="an X API v2 response",
            detect=f"{_has_any('data', 'includes', 'meta', 'errors')} OR {_has('title', 'detail')}",
            # `data` holds tweets (search, timelines, lookups) or users (user lookups);
            # partial errors beside data (a deleted user) leave the rest usable.
            lists=(
                RecordList(("data",), None),
                RecordList(("includes", "tweets"), "x_posts", included=True),
                RecordList(("includes", "users"), "x_users", included=True),
            ),
            error=f"""CASE WHEN NOT {_has_any("data", "includes", "meta")} THEN format(
                'an X API error response ({{}}); fix the request, export again, then '
                || 're-run the partition',
                {_code("coalesce(response->>'$.title', response->>'$.errors[0].title')")})
            END""",
        ),
    ),
    conversions=(
        Conversion("X API v1.1 tweets or X archive tweets", _V1_DETECT, _V1_CONVERT, _V1_ERROR),
        Conversion(
            "an X archive's account.js",
            "is_array AND json_keys(value, '$[0]') = ['account']",
            _ARCHIVE_ACCOUNT,
        ),
    ),
    companion="account.js",
    records=(
        Record("x_posts", "an X API v2 Tweet", _has("id", "text"), s.X_TWEET),
        Record("x_users", "an X API v2 User", _has("id", "username"), s.X_USER),
        # only reached through the compliance events above
        Record("x_compliance_events", "an X compliance event", "false", s.X_COMPLIANCE_EVENT),
    ),
)

# --- Mastodon -----------------------------------------------------------------------------

_MASTODON = JsonExport(
    what="Mastodon API Status or Account objects (one, or an array)",
    responses=(
        Response(
            what="a Mastodon API error",
            detect=_has("error"),
            lists=(),
            error=f"""format('a Mastodon API error response ({{}}); fix the request, export '
                || 'again, then re-run the partition', {_code("response->>'$.error'")})""",
        ),
        # GET /api/v2/search
        Response(
            what="a Mastodon search result",
            detect=_has("accounts", "statuses"),
            lists=(
                RecordList(("accounts",), "mastodon_accounts"),
                RecordList(("statuses",), "mastodon_statuses"),
            ),
        ),
        # GET /api/v1/statuses/:id/context
        Response(
            what="a Mastodon status context",
            detect=_has("ancestors", "descendants"),
            lists=(
                RecordList(("ancestors",), "mastodon_statuses"),
                RecordList(("descendants",), "mastodon_statuses"),
            ),
        ),
    ),
    records=(
        Record("mastodon_statuses", "a Mastodon Status", _has("id", "account"), s.MASTODON_STATUS),
        Record("mastodon_accounts", "a Mastodon Account", _has("id", "acct"), s.MASTODON_ACCOUNT),
    ),
)

# --- Bluesky ------------------------------------------------------------------------------

# A repo record ({uri, cid, value}, from com.atproto.repo.getRecord / listRecords) shaped
# as a feed item: the post's author is the repo, the DID inside the at:// uri.
_RECORD_AS_FEED_ITEM = """json_object('post', json_object(
    'uri', item->'$.uri', 'cid', item->'$.cid',
    'author', json_object('did', split_part(item->>'$.uri', '/', 3)),
    'record', item->'$.value'))"""

_BLUESKY = JsonExport(
    what="Bluesky XRPC responses (feeds, profiles, reposted-by, records) or their items",
    responses=(
        Response(
            what="a Bluesky XRPC error",
            detect=_has("error"),
            lists=(),
            error=f"""format('a Bluesky XRPC error response ({{}}); fix the request, '
                || 'export again, then re-run the partition', {_code("response->>'$.error'")})""",
        ),
        # app.bsky.feed.getAuthorFeed / getTimeline / getFeed / getListFeed
        Response("a Bluesky feed", _has("feed"), (RecordList(("feed",), "bluesky_feed_items"),)),
        # app.bsky.actor.getProfiles
        Response(
            "Bluesky profiles", _has("profiles"), (RecordList(("profiles",), "bluesky_profiles"),)
        ),
        # app.bsky.feed.getPosts / searchPosts: bare PostViews, loaded as feed items
        Response(
            "Bluesky posts",
            _has("posts"),
            (RecordList(("posts",), "bluesky_feed_items", "json_object('post', item)"),),
        ),
        # app.bsky.feed.getRepostedBy: who reposted the post `uri`
        Response(
            "a Bluesky reposted-by list",
            _has("repostedBy"),
            (
                RecordList(
                    ("repostedBy",),
                    "bluesky_reposted_by",
                    "json_merge_patch(item, json_object("
                    "'uri', response->'$.uri', 'cid', response->'$.cid'))",
                ),
            ),
        ),
        # com.atproto.repo.listRecords / getRecord
        Response(
            "Bluesky repo records",
            _has("records"),
            (RecordList(("records",), "bluesky_feed_items", _RECORD_AS_FEED_ITEM),),
        ),
        Response(
            "a Bluesky repo record",
            _has("uri", "value"),
            (RecordList((), "bluesky_feed_items", _RECORD_AS_FEED_ITEM),),
        ),
    ),
    records=(
        Record("bluesky_feed_items", "a Bluesky feed item", _has("post"), s.BLUESKY_FEED_ITEM),
        # app.bsky.actor.getProfile: one ProfileViewDetailed
        Record("bluesky_profiles", "a Bluesky profile", _has("did", "handle"), s.BLUESKY_PROFILE),
        # only reached through getRepostedBy above
        Record("bluesky_reposted_by", "a Bluesky reposter", "false", s.BLUESKY_REPOSTED_BY),
    ),
)

# --- click log, GA4 -----------------------------------------------------------------------

_CLICKS = JsonExport(
    what="click-log records (bit.ly format)",
    records=(
        Record("clicks", "a click-log record", _has_any("_heartbeat_", "h", "u", "t"), s.CLICK),
    ),
)

_WEB_ANALYTICS = JsonExport(
    what="GA4 BigQuery export rows",
    records=(
        Record(
            "web_analytics_events",
            "a GA4 BigQuery export row",
            _has_any("event_name", "event_timestamp", "event_params"),
            s.GA4_EVENT,
            # dbt-ga4's base model replaces `event_date` (YYYYMMDD) by `event_date_dt`
            # (YYYY-MM-DD): the export's own form is filled in from it.
            fill=(("event_date", "replace(_record->>'$.event_date_dt', '-', '')"),),
        ),
    ),
)

_UTM_FIELDS = frozenset(
    {"UTM_Source__c", "UTM_Medium__c", "UTM_Campaign__c", "UTM_Content__c", "GA_Client_ID__c"}
)

FORMATS: dict[str, JsonExport | tuple[CsvExport, ...]] = {
    "x": _X,
    "mastodon": _MASTODON,
    "bluesky": _BLUESKY,
    "clicks": _CLICKS,
    "web_analytics": _WEB_ANALYTICS,
    "crm": (
        CsvExport("Lead*.csv", "crm_leads", s.CRM_LEAD_COLUMNS, optional=_UTM_FIELDS),
        CsvExport("Opportunit*.csv", "crm_opportunities", s.CRM_OPPORTUNITY_COLUMNS),
    ),
    "content": (CsvExport("*.csv", "content_catalog", s.CONTENT_CATALOG_COLUMNS),),
}


def tables_of(source: str) -> tuple[str, ...]:
    """The raw tables a source loads."""
    fmt = FORMATS[source]
    if isinstance(fmt, JsonExport):
        return fmt.tables
    return tuple(export.table for export in fmt)
