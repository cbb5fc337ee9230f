"""Ingestion of landing files into raw.* (docs/ingestion.md), checked against real payloads,
and the dbt staging layer built on top of them."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sharesignal.config import DBT_PROJECT_DIR, REPO_ROOT
from sharesignal.ingest import FileLoad, ingest_partition

# Real captured payloads of public projects, vendored with their licences (SOURCES.md there);
# SHARESIGNAL_REAL_FIXTURES points the tests at another copy.
REAL = Path(os.environ.get("SHARESIGNAL_REAL_FIXTURES", REPO_ROOT / "tests" / "fixtures" / "real"))
assert REAL.is_dir(), f"real fixtures not found at {REAL}; set SHARESIGNAL_REAL_FIXTURES"
DAY = date(2026, 10, 3)
X_FIXTURES = sorted((REAL / "x_api_v2").glob("*.jsonl"))
CLICK_LOG = REAL / "clicks" / "usagov_bitly_clicks_2012-03-16.jsonl"
CATALOG = (
    "url,title,content_type,campaign,published_at\n"
    "https://www.acme-analytics.example/guide/setup,Setup guide,guide,launch,"
    "2026-09-15T09:00:00Z\n"
    "HTTPS://WWW.ACME-ANALYTICS.EXAMPLE/ads/spring/?x=1,Spring sale,advertisement,,"
    "2026-09-16T09:00:00Z\n"
)


def land(landing: Path, source: str, name: str, content: bytes | str) -> Path:
    path = landing / source / DAY.isoformat() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def body(fixture: str) -> object:
    """The API body inside a recorder capture ({request_uri, status, body})."""
    return json.loads((REAL / fixture).read_text())["body"]


def table(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def assert_balanced(results: list[FileLoad]) -> None:
    for result in results:
        assert result.rows_read == result.rows_loaded + result.rows_rejected, result


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def x_records(page: dict) -> tuple[int, int]:
    """(posts, users) of an X API v2 page: `data` holds tweets, or users for a user lookup;
    `includes` holds both."""
    data = page.get("data", [])
    tweets = sum("text" in record for record in data)
    includes = page.get("includes", {})
    posts = tweets + len(includes.get("tweets", []))
    return posts, len(data) - tweets + len(includes.get("users", []))


@pytest.mark.parametrize("fixture", X_FIXTURES, ids=lambda p: p.name)
def test_real_x_pages_load_every_post_and_user(fixture: Path, con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "x", fixture.name, fixture.read_bytes())
    pages = [json.loads(line) for line in fixture.read_text().splitlines()]
    posts = sum(x_records(p)[0] for p in pages)
    users = sum(x_records(p)[1] for p in pages)

    [result] = ingest_partition(con, "x", DAY, landing, "load-1")

    assert_balanced([result])
    assert (result.rows_read, result.rows_loaded, result.status) == (
        posts + users,
        posts + users,
        "loaded",
    )
    assert table(con, "SELECT count(*) FROM raw.x_posts") == [(posts,)]
    assert table(con, "SELECT count(*) FROM raw.x_users") == [(users,)]
    assert table(con, "SELECT count(*) FROM raw.x_posts WHERE id IS NULL OR author_id IS NULL") == [
        (0,)
    ]
    log = table(con, "SELECT rows_read, rows_loaded, rows_rejected, status FROM raw._load_log")
    assert log == [(result.rows_read, result.rows_loaded, result.rows_rejected, result.status)]
    assert table(con, "SELECT count(*) FROM raw._rejects") == [(0,)]


def test_x_retweet_keeps_reference_to_the_original(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "x", "posts-0001.jsonl", (REAL / "x_api_v2" / "two_tweets.jsonl").read_bytes())
    ingest_partition(con, "x", DAY, landing, "load-1")
    rows = table(
        con,
        "SELECT id, referenced_tweets[1].type, referenced_tweets[1].id, _included, _line, _item "
        "FROM raw.x_posts ORDER BY _included",
    )
    assert rows == [
        ("1394735776701816833", "retweeted", "1391677057810288641", False, 1, 0),
        ("1391677057810288641", None, None, True, 1, 0),
    ]


def test_real_click_log_loads_clicks_and_heartbeats(con, tmp_path: Path) -> None:
    fixture = CLICK_LOG
    lines = [json.loads(line) for line in fixture.read_text().splitlines()]
    heartbeats = sum("_heartbeat_" in line for line in lines)
    landing = tmp_path / "landing"
    land(landing, "clicks", "clicks-0001.jsonl", fixture.read_bytes())

    [result] = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (
        len(lines),
        len(lines),
        0,
    )
    assert heartbeats > 0
    assert table(con, "SELECT count(*), count(_heartbeat_), count(h) FROM raw.clicks") == [
        (len(lines), heartbeats, sum("h" in line for line in lines))
    ]
    first = lines[0]
    assert table(con, "SELECT h, u, t, ll FROM raw.clicks WHERE _line = 1") == [
        (first["h"], first["u"], first["t"], first["ll"])
    ]


def test_real_crm_exports_load_with_column_drift(con, tmp_path: Path) -> None:
    """The real Salesforce exports carry many more columns than our layout and lack the
    UTM custom fields: extra columns are ignored, absent optional ones load as NULL."""
    landing = tmp_path / "landing"
    for name in ("Lead.csv", "Opportunity.csv"):
        land(landing, "crm", name, (REAL / "crm" / name).read_bytes())

    results = ingest_partition(con, "crm", DAY, landing, "load-1")

    assert_balanced(results)
    assert [(r.source_file, r.status, r.rows_loaded) for r in results] == [
        ("crm/2026-10-03/Lead.csv", "loaded", 60),
        ("crm/2026-10-03/Opportunity.csv", "loaded", 50),
    ]
    assert "UTM_Source__c" in results[0].message and "MasterRecordId" in results[0].message
    assert table(
        con, 'SELECT "Id", "SystemModstamp", "UTM_Source__c" FROM raw.crm_leads WHERE _line = 1'
    ) == [("00QEc00000BBaeXMAT", "2024-01-22T20:36:47.000+0000", None)]
    assert table(con, 'SELECT count(DISTINCT "Id") FROM raw.crm_opportunities') == [(50,)]


def test_csv_missing_required_column_rejects_the_file(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    good = land(landing, "content", "catalog.csv", CATALOG)
    broken = CATALOG.replace("content_type,", "kind,", 1)
    land(landing, "content", "catalog.csv", broken)

    [result] = ingest_partition(con, "content", DAY, landing, "load-1")

    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "rejected",
        2,
        0,
        2,
    )
    assert "content_type" in result.message and "catalog.csv" in result.message
    assert table(con, "SELECT line, original FROM raw._rejects") == [(None, good.read_bytes())]
    assert table(con, "SELECT count(*) FROM raw.content_catalog") == [(0,)]


def test_rerunning_a_partition_leaves_identical_tables(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "clicks", "clicks-0001.jsonl", '{"h":"a","t":1}\n{"h":"b"\n{"_heartbeat_":2}\n')
    land(landing, "clicks", "clicks-0002.jsonl", '{"h":"c","t":3}\n')

    def snapshot() -> tuple[list[tuple], list[tuple]]:
        rows = table(con, "SELECT * EXCLUDE (_load_id) FROM raw.clicks ORDER BY ALL")
        rejects = table(con, "SELECT * EXCLUDE (load_id) FROM raw._rejects ORDER BY ALL")
        return rows, rejects

    ingest_partition(con, "clicks", DAY, landing, "load-1")
    first = snapshot()
    ingest_partition(con, "clicks", DAY, landing, "load-2")

    assert snapshot() == first
    assert len(first[0]) == 3 and len(first[1]) == 1
    assert table(con, "SELECT DISTINCT _load_id FROM raw.clicks") == [("load-2",)]
    assert table(con, "SELECT load_id, count(*) FROM raw._load_log GROUP BY 1 ORDER BY 1") == [
        ("load-1", 2),
        ("load-2", 2),
    ]


def test_files_prepared_at_once_load_as_if_one_at_a_time(tmp_path: Path) -> None:
    """A partition's files are prepared on as many cursors as DuckDB has threads; the raw
    tables, rejects and load log come out as with one thread, in file and line order."""
    landing = tmp_path / "landing"
    pages = [line for fixture in X_FIXTURES for line in fixture.read_text().splitlines()]
    for number, page in enumerate(pages, start=1):
        land(landing, "x", f"posts-{number:04d}.jsonl", f"{page}\n{page[: len(page) // 2]}\n")
    land(landing, "x", "posts-9999.jsonl", f"{pages[0]}\n{pages[0][: len(pages[0]) // 2]}\n")

    def loaded_with(threads: int) -> list[list[tuple]]:
        with duckdb.connect(str(tmp_path / f"threads-{threads}.duckdb")) as con:
            con.execute(f"SET threads = {threads}")
            ingest_partition(con, "x", DAY, landing, "load-1")
            return [
                table(con, f"SELECT * FROM {name}")  # physical order, not sorted
                for name in ("raw.x_posts", "raw.x_users", "raw._rejects")
            ] + [table(con, "SELECT * EXCLUDE (loaded_at) FROM raw._load_log ORDER BY ALL")]

    one, two = loaded_with(1), loaded_with(2)

    assert len(pages) >= 4
    assert two == one
    posts, users, rejects, log = two
    assert [(row[2], row[3]) for row in posts] == sorted((row[2], row[3]) for row in posts)
    assert len(rejects) == len(pages) and users
    assert [row[8] for row in log] == ["partial"] * len(pages) + ["duplicate"]


def test_a_warehouse_from_an_older_version_gets_the_new_columns(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "clicks", "clicks-0001.jsonl", '{"h":"a","t":1}\n')
    ingest_partition(con, "clicks", DAY, landing, "load-1")
    con.execute("ALTER TABLE raw.clicks DROP COLUMN _extra")
    con.execute("ALTER TABLE raw._load_log DROP COLUMN new_fields")

    land(landing, "clicks", "clicks-0001.jsonl", '{"h":"a","t":1,"new":2}\n')
    ingest_partition(con, "clicks", DAY, landing, "load-2")

    assert table(con, "SELECT _extra FROM raw.clicks") == [('{"new":2}',)]
    assert table(con, "SELECT new_fields FROM raw._load_log WHERE load_id = 'load-2'") == [
        (["clicks.new"],)
    ]


def test_truncated_line_is_rejected_and_the_rest_loads(con, tmp_path: Path) -> None:
    pages = (REAL / "x_api_v2" / "two_tweets.jsonl").read_text().splitlines()
    good = pages[0]
    records = sum(x_records(json.loads(good)))
    truncated = good[: len(good) // 2]
    landing = tmp_path / "landing"
    land(landing, "x", "posts-0001.jsonl", "\n".join([good, truncated, good]) + "\n")

    [result] = ingest_partition(con, "x", DAY, landing, "load-1")

    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "partial",
        2 * records + 1,
        2 * records,
        1,
    )
    [(line, reason, original)] = table(con, "SELECT line, reason, original FROM raw._rejects")
    assert line == 2
    assert original == truncated.encode()
    assert "not valid JSON" in reason
    assert table(con, "SELECT DISTINCT _line FROM raw.x_posts ORDER BY 1") == [(1,), (3,)]


def test_gzip_loads_the_same_as_plain(tmp_path: Path) -> None:
    fixture = CLICK_LOG
    contents = {}
    for name, data in (
        ("clicks-0001.jsonl", fixture.read_bytes()),
        ("clicks-0001.jsonl.gz", gzip.compress(fixture.read_bytes())),
    ):
        landing = tmp_path / name / "landing"
        land(landing, "clicks", name, data)
        with duckdb.connect(str(tmp_path / name / "w.duckdb")) as con:
            [result] = ingest_partition(con, "clicks", DAY, landing, "load-1")
            assert result.status == "loaded"
            contents[name] = table(
                con, "SELECT * EXCLUDE (_source_file) FROM raw.clicks ORDER BY _line"
            )
    assert contents["clicks-0001.jsonl"] == contents["clicks-0001.jsonl.gz"]
    assert len(contents["clicks-0001.jsonl"]) == 1800


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("clicks-0001.jsonl", b"", "is empty"),
        ("clicks-0001.jsonl", b"a,b\n1,2\n", "not JSON"),
        ("clicks-0001.jsonl.gz", gzip.compress(CLICK_LOG.read_bytes())[:5000], "cannot be read"),
        ("notes.txt", b"<html><body>Rate limit exceeded</body></html>\n", "HTML page"),
    ],
    ids=["empty", "not-json", "truncated-gzip", "html-page"],
)
def test_whole_file_failures_are_one_reject_naming_the_file(
    name: str, content: bytes, reason: str, con, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    land(landing, "clicks", name, content)

    [result] = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert result.status == "rejected" and result.rows_loaded == 0
    assert_balanced([result])
    assert reason in result.message and name in result.message
    assert table(con, "SELECT line, original, reason FROM raw._rejects") == [
        (None, content, result.message)
    ]


def test_files_are_recognised_by_shape_not_name(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    feed = body("bluesky/f_autfeed__0.json")
    # A feed in a file named like profiles, with a line of the wrong shape and a blank line.
    land(landing, "bluesky", "profiles-0001.jsonl", f"{json.dumps(feed)}\n[1, 2]\n\n")
    land(landing, "bluesky", "export (1).txt", json.dumps(body("bluesky/a_profile__0.json")))

    export, feed_load = ingest_partition(con, "bluesky", DAY, landing, "load-1")

    assert (feed_load.status, feed_load.rows_loaded, feed_load.rows_rejected) == (
        "partial",
        len(feed["feed"]),
        2,
    )
    assert (export.status, export.rows_loaded) == ("loaded", 1)
    reasons = table(con, "SELECT source_file, line, item, reason FROM raw._rejects ORDER BY ALL")
    assert [(f, line, item) for f, line, item, _ in reasons] == [
        ("bluesky/2026-10-03/profiles-0001.jsonl", 2, 0),
        ("bluesky/2026-10-03/profiles-0001.jsonl", 2, 1),
    ]
    assert all("a JSON number where Bluesky" in reason for *_, reason in reasons)
    assert table(con, "SELECT count(*) FROM raw.bluesky_feed_items") == [(len(feed["feed"]),)]
    assert table(con, "SELECT handle FROM raw.bluesky_profiles") == [("chriskenny.bsky.social",)]


def load_real_fixtures(home: Path) -> None:
    """A warehouse holding every real fixture, each as the source delivers it."""
    landing = home / "landing"
    for fixture in X_FIXTURES:
        land(landing, "x", fixture.name, fixture.read_bytes())
    statuses = body("mastodon/get_account_statuses_limit__0.json")
    status = body("mastodon/get_status_default__0.json")
    # The real page holds no reblog; a reblog of the real status is derived from it the way
    # Mastodon shapes one: own id and account, empty content, the original nested.
    reblog = status | {"id": "1", "content": "", "card": None, "reblog": status}
    land(
        landing,
        "mastodon",
        "statuses-0001.jsonl",
        f"{json.dumps(statuses)}\n{json.dumps([status, reblog])}\n",
    )
    land(
        landing, "bluesky", "feed-0001.jsonl", json.dumps(body("bluesky/f_autfeed__0.json")) + "\n"
    )
    land(
        landing,
        "bluesky",
        "profiles-0001.jsonl",
        json.dumps(body("bluesky/a_profile__0.json")) + "\n",
    )
    # Lookups as the HTTP recorder captured them, under their own names.
    for fixture in (
        "mastodon/get_account_default__0.json",
        "mastodon/get_reblogged_by_default__0.json",
        "bluesky/f_reposts__0.json",
        "bluesky/r_post_repost__0.json",
    ):
        source, name = fixture.split("/")
        land(landing, source, name, (REAL / fixture).read_bytes())
    land(landing, "clicks", "clicks-0001.jsonl.gz", gzip.compress(CLICK_LOG.read_bytes()))
    event = json.loads((REAL / "web_analytics" / "ga4_export_row_velir.json").read_text())
    land(landing, "web_analytics", "events-0001.jsonl", json.dumps(event) + "\n")
    for name in ("Lead.csv", "Opportunity.csv"):
        land(landing, "crm", name, (REAL / "crm" / name).read_bytes())
    land(landing, "content", "catalog.csv", CATALOG)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for source in ("x", "mastodon", "bluesky", "clicks", "web_analytics", "crm", "content"):
            assert_balanced(ingest_partition(con, source, DAY, landing, "load-1"))


def test_dbt_staging_builds_on_real_fixtures(tmp_path: Path) -> None:
    load_real_fixtures(tmp_path)
    dbt = REPO_ROOT / ".venv" / "bin" / "dbt"
    completed = subprocess.run(
        [
            str(dbt),
            "build",
            "--select",
            "staging",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=os.environ | {"SHARESIGNAL_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-5000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert table(
            con, "SELECT share_type, count(*) FROM staging.stg_x__posts GROUP BY 1 ORDER BY 1"
        )
        assert table(
            con,
            "SELECT reshared_post_id, shared_url FROM staging.stg_mastodon__statuses "
            "WHERE share_type = 'reshare'",
        ) == [
            (
                "114620457512351116",
                "https://r-consortium.org/posts/r-consortium-awards-first-round-of-2025-isc-grants/"
                "#bridging-worlds-enhancing-r-igraph-with-c-core-innovations",
            )
        ]
        assert table(con, "SELECT canonical_url FROM staging.stg_content__catalog ORDER BY 1") == [
            ("https://www.acme-analytics.example/ads/spring",),
            ("https://www.acme-analytics.example/guide/setup",),
        ]
        assert table(con, "SELECT count(*) FROM staging.stg_clicks__clicks") == [(1800 - 54,)]
        accounts = {
            account["id"]
            for account in [body("mastodon/get_account_default__0.json")]
            + body("mastodon/get_reblogged_by_default__0.json")
        }
        assert table(con, "SELECT count(*) FROM staging.stg_mastodon__accounts_looked_up") == [
            (len(accounts),)
        ]
        reposters = body("bluesky/f_reposts__0.json")["repostedBy"]
        assert table(con, "SELECT count(*) FROM staging.stg_bluesky__reposted_by") == [
            (len(reposters),)
        ]
