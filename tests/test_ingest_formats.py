"""The JSON side of ingest (docs/ingestion.md): reasons that carry no identifier, X API v1.1
tweets and X archives read as the v2 tables, and X compliance events landed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from helpers import run_dbt, run_sharesignal

from sharesignal.config import REPO_ROOT, SOURCES
from sharesignal.ingest import ingest_partition

DAY = date(2026, 10, 3)
REAL = REPO_ROOT / "tests" / "fixtures" / "real"
# An X user id, as it would be in a real export.
USER_ID = "1021987654321098"


def land(landing: Path, source: str, name: str, content: bytes | str) -> Path:
    path = landing / source / DAY.isoformat() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def test_reasons_shown_outside_raw_carry_no_identifier(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    tweet = {"id": "1", "text": "hi", "author_id": "2", "created_at": "2026-10-03T10:00:00Z"}
    lines = [
        json.dumps(tweet),
        # truncated
        json.dumps({"data": [{"id": USER_ID, "text": "hi"}]})[:-3],
        # a bare JSON string
        json.dumps(USER_ID),
        # values of the wrong type and a timestamp that is not one
        json.dumps(tweet | {"created_at": USER_ID, "public_metrics": {"like_count": [USER_ID]}}),
        # an API error naming the user asked for
        json.dumps(
            {"errors": [{"title": "Not Found Error", "detail": f"Could not find user: {USER_ID}"}]}
        ),
        # a failed request recorded with its URI
        json.dumps(
            {
                "request_uri": f"https://api.x.com/2/users/{USER_ID}/tweets",
                "status": 404,
                "body": {},
            }
        ),
        # an object keyed by an id
        json.dumps({USER_ID: {"id": "1"}}),
    ]
    land(landing, "x", "page.jsonl", "\n".join(lines) + "\n")
    land(landing, "x", "ids.jsonl", f"{USER_ID},{USER_ID}\n")
    land(landing, "x", "page.html", f"<html>{USER_ID}</html>\n")
    leads = (REAL / "crm" / "Lead.csv").read_text(encoding="utf-8-sig")
    land(landing, "crm", "Lead.csv", leads.replace("00QEc00000BBaeXMAT", USER_ID, 1))

    loads = ingest_partition(con, "x", DAY, landing, "load-1")
    loads += ingest_partition(con, "crm", DAY, landing, "load-1")

    reasons = [r for (r,) in con.execute("SELECT reason FROM raw._rejects").fetchall()]
    messages = [m for (m,) in con.execute("SELECT message FROM raw._load_log").fetchall()]
    assert len(reasons) == 9
    assert [r for r in reasons + messages + [load.message for load in loads] if USER_ID in r] == []
    # the bytes stay in the rejects
    originals = con.execute(
        "SELECT count(*) FROM raw._rejects WHERE contains(original::VARCHAR, ?)", [USER_ID]
    ).fetchone()
    assert originals == (9,)
    assert any("created_at is not a timestamp (16 characters)" in r for r in reasons)
    assert any("like_count has the wrong type: a JSON array" in r for r in reasons)
    assert any("Not Found Error" in r for r in reasons)
    assert any("Salesforce id (16 characters)" in r for r in reasons)
    assert any("an object with keys [] (and 1 other keys)" in r for r in reasons)


# --- X API v1.1 tweets and X archives ---------------------------------------------------

# The retweeted post of a real GET statuses/retweets/:id response recorded by tweepy
# (tweepy/tweepy cassettes/testretweets.json, MIT, Copyright (c) 2013-2014 Joshua Roesslein),
# abridged (display fields left out, text and link shortened); the retweets around it keep
# that response's shape and ids, with stand-in retweeters.
V1_ORIGINAL = {
    "created_at": "Thu Nov 08 02:31:41 +0000 2012",
    "id": 266367358078169089,
    "id_str": "266367358078169089",
    "text": "RT @TwitterEng: Bolstering our infrastructure. http://t.co/uML86B6s",
    "source": '<a href="http://twitter.com" rel="nofollow">Twitter Web Client</a>',
    "in_reply_to_status_id_str": None,
    "user": {
        "id": 783214,
        "id_str": "783214",
        "name": "Twitter",
        "screen_name": "twitter",
        "created_at": "Tue Feb 20 14:35:54 +0000 2007",
        "followers_count": 33620556,
        "friends_count": 101,
        "listed_count": 86770,
        "favourites_count": 21,
        "statuses_count": 1845,
        "verified": True,
        "protected": False,
    },
    "retweet_count": 220,
    "favorite_count": 153,
    "entities": {
        "hashtags": [],
        "user_mentions": [
            {"screen_name": "TwitterEng", "id": 6844292, "id_str": "6844292", "indices": [3, 14]}
        ],
        "urls": [
            {
                "url": "http://t.co/uML86B6s",
                "expanded_url": "http://engineering.twitter.com/2012/11/bolstering.html",
                "display_url": "engineering.twitter.com/2012/11/bolste\u2026",
                "indices": [47, 67],
            }
        ],
    },
    "lang": "en",
}


def v1_retweet(retweet_id: str, user_id: str) -> dict:
    return {
        "created_at": "Wed Jul 09 00:08:39 +0000 2014",
        "id_str": retweet_id,
        "text": "RT @twitter: " + V1_ORIGINAL["text"],
        "source": '<a href="http://twitter.com/download/iphone">Twitter for iPhone</a>',
        "user": {"id_str": user_id, "screen_name": f"user{user_id}", "followers_count": 44},
        "retweeted_status": V1_ORIGINAL,
        "retweet_count": 220,
        "favorite_count": 0,
        "entities": {"hashtags": [], "user_mentions": [], "urls": []},
        "lang": "en",
    }


def posts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT _source_file, _included, id, author_id, created_at, referenced_tweets, "
        "public_metrics.like_count, entities.urls[1].expanded_url, source FROM raw.x_posts "
        "ORDER BY ALL"
    ).fetchall()


def test_x_api_v1_tweets_load_as_v2_posts_and_users(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    retweets = [
        v1_retweet("486663181901627392", "2390428970"),
        v1_retweet("486656886268112896", "2392623769"),
    ]
    # statuses/retweets (one array) and a stream or twarc v1 capture (a tweet per line)
    land(landing, "x", "retweets.json", json.dumps(retweets))
    land(landing, "x", "stream.jsonl", json.dumps(V1_ORIGINAL) + "\n")

    loads = ingest_partition(con, "x", DAY, landing, "load-1")

    assert [
        (f.source_file.split("/")[-1], f.status, f.rows_read, f.rows_loaded) for f in loads
    ] == [
        # 2 retweets, the original once in includes, 2 retweeters and the original's author
        ("retweets.json", "loaded", 6, 6),
        ("stream.jsonl", "loaded", 2, 2),
    ]
    original = (
        "266367358078169089",
        "783214",
        "2012-11-08T02:31:41.000Z",
        None,
        153,
        "http://engineering.twitter.com/2012/11/bolstering.html",
        "Twitter Web Client",
    )
    retweeted = [{"type": "retweeted", "id": "266367358078169089"}]
    rows = [(file.split("/")[-1], included, *rest) for file, included, *rest in posts(con)]
    assert rows == [
        (
            "retweets.json",
            False,
            "486656886268112896",
            "2392623769",
            "2014-07-09T00:08:39.000Z",
            retweeted,
            0,
            None,
            "Twitter for iPhone",
        ),
        (
            "retweets.json",
            False,
            "486663181901627392",
            "2390428970",
            "2014-07-09T00:08:39.000Z",
            retweeted,
            0,
            None,
            "Twitter for iPhone",
        ),
        ("retweets.json", True, *original),
        ("stream.jsonl", False, *original),
    ]
    users = con.execute(
        "SELECT DISTINCT id, username, created_at, public_metrics.following_count FROM raw.x_users "
        "ORDER BY id"
    ).fetchall()
    assert users == [
        ("2390428970", "user2390428970", None, None),
        ("2392623769", "user2392623769", None, None),
        ("783214", "twitter", "2007-02-20T14:35:54.000Z", 101),
    ]
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone() == (0,)


ARCHIVE_TWEETS = "window.YTD.tweets.part0 = " + json.dumps(
    [
        {
            "tweet": {
                "retweeted": False,
                "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
                "entities": {
                    "hashtags": [{"text": "dbt", "indices": ["9", "13"]}],
                    "user_mentions": [],
                    "urls": [
                        {
                            "url": "https://t.co/abc",
                            "expanded_url": "https://www.acme-analytics.example/guide/setup",
                            "display_url": "acme-analytics.example/guide/setup",
                            "indices": ["14", "37"],
                        }
                    ],
                },
                "favorite_count": "3",
                "id_str": "1600000000000000001",
                "retweet_count": "1",
                "id": "1600000000000000001",
                "created_at": "Wed Dec 07 12:00:00 +0000 2022",
                "full_text": "our guide #dbt https://t.co/abc",
                "lang": "en",
            }
        }
    ],
    indent=2,
)
ARCHIVE_ACCOUNT = "window.YTD.account.part0 = " + json.dumps(
    [
        {
            "account": {
                "email": "owner@acme-analytics.example",
                "createdVia": "web",
                "username": "acme",
                "accountId": "99887766",
                "createdAt": "2010-01-01T10:00:00.000Z",
                "accountDisplayName": "Acme",
            }
        }
    ],
    indent=2,
)


def test_an_x_archive_loads_its_tweets_as_posts_of_its_owner(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "x", "tweets.js", ARCHIVE_TWEETS)
    land(landing, "x", "account.js", ARCHIVE_ACCOUNT)

    loads = ingest_partition(con, "x", DAY, landing, "load-1")

    assert [(f.status, f.rows_loaded) for f in loads] == [("loaded", 1), ("loaded", 1)]
    assert con.execute(
        "SELECT id, author_id, created_at, public_metrics.like_count, entities.urls[1].start, "
        "entities.hashtags[1].tag, source FROM raw.x_posts"
    ).fetchall() == [
        (
            "1600000000000000001",
            "99887766",
            "2022-12-07T12:00:00.000Z",
            3,
            14,
            "dbt",
            "Twitter Web App",
        )
    ]
    # the owner as a user, without the archive's email
    assert con.execute(
        "SELECT id, username, name, created_at, _extra FROM raw.x_users"
    ).fetchall() == [("99887766", "acme", "Acme", "2010-01-01T10:00:00.000Z", None)]


def test_archive_tweets_without_their_account_are_rejected_saying_so(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "x", "tweets.js", ARCHIVE_TWEETS)

    [load] = ingest_partition(con, "x", DAY, landing, "load-1")

    assert (load.status, load.rows_read, load.rows_rejected) == ("rejected", 1, 1)
    [(reason,)] = con.execute("SELECT reason FROM raw._rejects").fetchall()
    assert reason.startswith("X archive tweets (tweets.js) without account.js beside them")
    assert con.execute("SELECT count(*) FROM raw.x_posts").fetchone() == (0,)


# --- X compliance events ------------------------------------------------------------------

COMPLIANCE_EVENTS = [
    # v2 post compliance stream, the documented payload
    {
        "data": {
            "delete": {
                "tweet": {"id": "601430178305220608", "author_id": "3198576760"},
                "event_at": "2022-12-23T12:34:56.789Z",
            }
        }
    },
    # as newer docs name it (post, timestamp), and an event with more fields
    {
        "data": {
            "drop": {"post": {"id": "7", "author_id": "8"}, "timestamp": "2026-10-02T10:00:00Z"}
        }
    },
    {
        "data": {
            "withheld": {
                "tweet": {"id": "9", "author_id": "8"},
                "withheld_in_countries": ["DE"],
                "event_at": "2026-10-02T10:00:00Z",
            }
        }
    },
    # v2 user compliance stream
    {"data": {"user_delete": {"user": {"id": "8"}, "event_at": "2026-10-02T10:00:00Z"}}},
    # v1.1 status delete
    {
        "delete": {
            "status": {"id": 1234, "id_str": "1234", "user_id": 3, "user_id_str": "3"},
            "timestamp_ms": "1481765563012",
        }
    },
]


def test_x_compliance_events_of_every_stream_land_in_their_raw_table(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "x", "compliance.jsonl", "".join(json.dumps(e) + "\n" for e in COMPLIANCE_EVENTS))

    [load] = ingest_partition(con, "x", DAY, landing, "load-1")

    assert (load.status, load.rows_read, load.rows_loaded) == ("loaded", 5, 5)
    rows = con.execute(
        "SELECT _line, event, post_id, user_id, event_at, _extra FROM raw.x_compliance_events "
        "ORDER BY _line"
    ).fetchall()
    assert rows == [
        (1, "delete", "601430178305220608", "3198576760", "2022-12-23T12:34:56.789Z", None),
        (2, "drop", "7", "8", "2026-10-02T10:00:00Z", None),
        (3, "withheld", "9", "8", "2026-10-02T10:00:00Z", '{"withheld_in_countries":["DE"]}'),
        (4, "user_delete", None, "8", "2026-10-02T10:00:00Z", None),
        (5, "delete", "1234", "3", "2016-12-15T01:32:43.012Z", None),
    ]
    assert con.execute("SELECT count(*) FROM raw.x_posts").fetchone() == (0,)


def _ingest(home: Path, day: date) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for source in SOURCES:
            ingest_partition(con, source, day, home / "landing", load_id=f"load-{day}")


def _run_dbt(home: Path, day: date) -> None:
    window = {"SHARESIGNAL_MIN_DATE": str(day), "SHARESIGNAL_MAX_DATE": str(day)}
    done = run_dbt(home, "run", env=window)
    assert done.returncode == 0, done.stdout[-5000:]


def _mart_rows_naming(con: duckdb.DuckDBPyConnection, post_id: str) -> dict[str, int]:
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
    ).fetchall()
    assert tables
    counts = {
        name: con.execute(
            f'SELECT count(*) FROM marts."{name}" AS t WHERE contains(t::VARCHAR, ?)', [post_id]
        ).fetchone()[0]
        for (name,) in tables
    }
    return {name: n for name, n in counts.items() if n}


def test_a_post_deleted_on_day_2_leaves_every_mart_and_its_deletion_is_kept(tmp_path: Path) -> None:
    first, second = date(2026, 10, 1), date(2026, 10, 2)
    home = tmp_path / "home"
    generated = run_sharesignal(
        home,
        "generate",
        "--start",
        str(first),
        "--days",
        "2",
        "--quiet",
        "--accounts",
        "120",
        "--shares",
        "500",
    )
    assert generated.returncode == 0, generated.stderr
    seeded = run_dbt(home, "seed")
    assert seeded.returncode == 0, seeded.stdout[-5000:]
    _ingest(home, first)
    _run_dbt(home, first)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        # an original post of day 1 with reshares, that no quote or reply points at (their
        # link to it stays: they are posts of their own)
        post_id, author_id, reshares = con.execute(
            """
            SELECT p.post_id, any_value(r.author_id), count(s.post_id)
            FROM staging.stg_x__posts p
            JOIN raw.x_posts r ON r.id = p.post_id
            JOIN staging.stg_x__posts s ON s.reshared_post_id = p.post_id
            WHERE p.share_type = 'original' AND p.post_id NOT IN (
                SELECT coalesce(quoted_post_id, replied_to_post_id) FROM staging.stg_x__posts
                WHERE coalesce(quoted_post_id, replied_to_post_id) IS NOT NULL)
            GROUP BY p.post_id ORDER BY count(s.post_id) DESC, p.post_id LIMIT 1
            """
        ).fetchone()
        assert reshares and _mart_rows_naming(con, post_id)
    deletion = {
        "data": {
            "delete": {
                "tweet": {"id": post_id, "author_id": author_id},
                "event_at": f"{second}T08:00:00.000Z",
            }
        }
    }
    land_at = home / "landing" / "x" / str(second) / "compliance.jsonl"
    land_at.write_text(json.dumps(deletion) + "\n")

    _ingest(home, second)
    _run_dbt(home, second)

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert _mart_rows_naming(con, post_id) == {}
        assert con.execute(
            "SELECT count(*) FROM staging.stg_x__posts WHERE ? IN (post_id, reshared_post_id)",
            [post_id],
        ).fetchone() == (0,)
        assert con.execute(
            "SELECT event, _partition_date FROM staging.stg_x__compliance_events WHERE post_id = ?",
            [post_id],
        ).fetchall() == [("delete", second)]
