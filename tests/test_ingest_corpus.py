"""Ingestion against broken exports and every real captured payload: good rows load, bad
rows and files land in raw._rejects with file, line, reason and original bytes, and every
file's accounting balances (read = loaded + rejected)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from test_ingest import DAY, REAL, land, table

from sharesignal.ingest import ingest_partition


def click(h: str = "abc", t: int = 1791100000, **more: object) -> str:
    return json.dumps({"h": h, "u": f"https://www.acme-analytics.example/{h}", "t": t} | more)


def clicks(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def status(**changes: object) -> dict:
    account = {"id": "7", "acct": "ana", "username": "ana", "bot": False, "followers_count": 3}
    return {
        "id": "1",
        "created_at": "2026-10-03T14:02:11.123Z",
        "content": "<p>hi</p>",
        "reblogs_count": 0,
        "account": account,
    } | changes


def tweet(**changes: object) -> dict:
    return {
        "id": "11",
        "text": "hello",
        "author_id": "5",
        "created_at": "2026-10-03T14:02:11.000Z",
        "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 2},
    } | changes


def page(*tweets: dict) -> str:
    return json.dumps({"data": list(tweets), "meta": {"result_count": len(tweets)}})


def lines(*docs: object) -> bytes:
    return ("\n".join(d if isinstance(d, str) else json.dumps(d) for d in docs) + "\n").encode()


LEAD_HEADER = (
    "Id,IsDeleted,LastName,FirstName,Name,Company,Email,Phone,LeadSource,Status,IsConverted,"
    "ConvertedDate,ConvertedAccountId,ConvertedOpportunityId,CreatedDate,LastModifiedDate,"
    "SystemModstamp"
)


def lead(lead_id: str = "00Q000000000001AAA", created: str = "2026-10-03T14:02:11.000+0000") -> str:
    return (
        f'"{lead_id}","false","Doe","Jo","Jo Doe","Acme","jo@example.com","","Web","Open",'
        f'"false","","","","{created}","{created}","{created}"'
    )


OPPORTUNITY = (
    "Id,IsDeleted,AccountId,Name,StageName,Amount,Probability,CloseDate,Type,LeadSource,"
    "IsClosed,IsWon,CampaignId,CreatedDate,LastModifiedDate,SystemModstamp\n"
    "006000000000001AAA,false,001000000000001AAA,Deal,Prospecting,{amount},10,2027-01-31,"
    "New,Web,false,false,,2026-10-03T14:02:11.000+0000,2026-10-03T14:02:11.000+0000,"
    "2026-10-03T14:02:11.000+0000\n"
)
CATALOG = (
    "url,title,content_type,campaign,published_at\n"
    "https://www.acme-analytics.example/guide/setup,Setup guide,guide,launch,"
    "2026-09-15T09:00:00Z\n"
    "https://www.acme-analytics.example/ads/spring,Spring sale,advertisement,,"
    "2026-09-16T09:00:00Z\n"
)
GA4_ROW = {
    "event_date": "20261003",
    "event_timestamp": "1791000000000000",
    "event_name": "page_view",
    "event_params": [{"key": "ga_session_id", "value": {"int_value": "1791000000"}}],
    "user_pseudo_id": "1.2",
}
PRETTY_STATUSES = json.dumps([status(), status(id="2")], indent=2)
TRUNCATED_DOCUMENT = PRETTY_STATUSES[: len(PRETTY_STATUSES) // 2]
TEN_MB_CLICK = click(u="https://www.acme-analytics.example/?q=" + "x" * 10_000_000)


@dataclass(frozen=True)
class Case:
    source: str
    name: str
    content: bytes
    loaded: int
    rejected: int
    reason: str  # in the load log message, or in every reject's reason when records fail


CASES = {
    "truncated-json-line": Case(
        "clicks", "c.jsonl", clicks(click("a"), click("b")[:20], click("c")), 2, 1, "not valid JSON"
    ),
    "invalid-utf8-line": Case(
        "clicks",
        "c.jsonl",
        clicks(click("a"), '{"h": "caf\xe9"}', click("c")).replace(b"caf\xc3\xa9", b"caf\xe9"),
        2,
        1,
        "not UTF-8",
    ),
    "utf16-file": Case(
        # three lines: the byte order mark's, the second's, and the NUL after the last newline
        "clicks",
        "c.jsonl",
        clicks(click("a"), click("b")).decode().encode("utf-16"),
        0,
        3,
        "UTF-16",
    ),
    "wrong-delimiter": Case(
        "crm",
        "Lead.csv",
        (LEAD_HEADER + "\n" + lead()).replace(",", ";").encode(),
        0,
        1,
        "not comma-delimited",
    ),
    "missing-required-column": Case(
        "crm",
        "Opportunity.csv",
        OPPORTUNITY.format(amount=5).replace("StageName", "Stage").encode(),
        0,
        1,
        "StageName",
    ),
    "renamed-column": Case(
        "content",
        "catalog.csv",
        CATALOG.replace("content_type", "type", 1).encode(),
        0,
        2,
        "content_type",
    ),
    "extra-column": Case(
        "content",
        "catalog.csv",
        CATALOG.replace("\n", ",x\n").replace("d_at,x", "d_at,author").encode(),
        2,
        0,
        "new fields kept in _extra: content_catalog.author",
    ),
    "csv-too-many-fields": Case(
        "content",
        "catalog.csv",
        (CATALOG + "a,b,c,d,e,f\n").encode(),
        2,
        1,
        "well-formed CSV",
    ),
    "csv-invalid-utf8-record": Case(
        "content",
        "catalog.csv",
        CATALOG.encode() + b"https://x.example/a,Caf\xe9,guide,,\n",
        2,
        1,
        "well-formed CSV",
    ),
    "csv-header-only": Case(
        "content", "catalog.csv", CATALOG.splitlines()[0].encode(), 0, 0, "0 records"
    ),
    "salesforce-bad-id": Case(
        "crm",
        "Lead.csv",
        (LEAD_HEADER + "\n" + lead("00Q12") + "\n" + lead()).encode(),
        1,
        1,
        "Salesforce id",
    ),
    "amount-not-a-number": Case(
        "crm", "Opportunity.csv", OPPORTUNITY.format(amount="lots").encode(), 0, 1, "not a number"
    ),
    "negative-amount": Case(
        "crm", "Opportunity.csv", OPPORTUNITY.format(amount="-5").encode(), 0, 1, "negative"
    ),
    "salesforce-created-in-future": Case(
        "crm",
        "Lead.csv",
        (LEAD_HEADER + "\n" + lead(created="2999-01-01T00:00:00.000+0000")).encode(),
        0,
        1,
        "more than a day after the load",
    ),
    "wrong-type": Case(
        "mastodon",
        "s.json",
        lines([status(reblogs_count="many"), status(id="2")]),
        1,
        1,
        "wrong type",
    ),
    "empty-file": Case("clicks", "c.jsonl", b"", 0, 0, "empty"),
    "blank-lines-only": Case("clicks", "c.jsonl", b"\n\n  \n", 0, 0, "empty"),
    "zero-byte-gz": Case("clicks", "c.jsonl.gz", b"", 0, 0, "cannot be read"),
    "corrupt-gz": Case(
        "clicks",
        "c.jsonl.gz",
        gzip.compress(clicks(*[click(str(i)) for i in range(500)]))[:300],
        0,
        0,
        "cannot be read",
    ),
    "gz-of-good-lines": Case(
        "clicks", "c.jsonl.gz", gzip.compress(clicks(click("a"))), 1, 0, "1 records"
    ),
    "timestamp-without-zone": Case(
        "mastodon",
        "s.json",
        lines([status(created_at="2026-10-03T14:02:11")]),
        1,
        0,
        "without a time zone, read as UTC",
    ),
    "timestamp-in-future": Case(
        "x",
        "p.jsonl",
        lines(page(tweet(), tweet(id="12", created_at="2999-01-01T00:00:00.000Z"))),
        1,
        1,
        "more than a day after the load",
    ),
    "timestamp-unparseable": Case(
        "x", "p.jsonl", lines(page(tweet(created_at="yesterday"))), 0, 1, "not a timestamp"
    ),
    "click-in-future": Case(
        "clicks", "c.jsonl", clicks(click(t=32503680000)), 0, 1, "after the load"
    ),
    "negative-count": Case(
        "bluesky",
        "p.json",
        lines({"profiles": [{"did": "d:1", "handle": "a.b", "followersCount": -5}]}),
        0,
        1,
        "negative",
    ),
    "missing-required-field": Case(
        "x",
        "p.jsonl",
        lines(page(tweet(), {k: v for k, v in tweet(id="12").items() if k != "author_id"})),
        1,
        1,
        "author_id is missing",
    ),
    "click-without-time": Case(
        "clicks", "c.jsonl", clicks('{"h": "a"}', click("b")), 1, 1, "without its time"
    ),
    "ten-mb-line": Case("clicks", "c.jsonl", clicks(TEN_MB_CLICK, click("b")), 2, 0, "2 records"),
    "html-error-page": Case(
        "x",
        "p.json",
        b"<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n",
        0,
        2,
        "HTML page",
    ),
    "csv-in-a-json-source": Case("clicks", "c.jsonl", b"a,b\n1,2\n", 0, 2, "not JSON"),
    "truncated-pretty-document": Case(
        "mastodon",
        "s.json",
        TRUNCATED_DOCUMENT.encode(),
        0,
        len(TRUNCATED_DOCUMENT.splitlines()),
        "not JSON",
    ),
    "array-of-non-objects": Case("clicks", "c.jsonl", clicks("[1, 2]", click("a")), 1, 2, "a JSON"),
    "x-api-error-response": Case(
        "x",
        "p.jsonl",
        lines(
            {"errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}]},
            page(tweet()),
        ),
        1,
        1,
        "X API error response",
    ),
    "mastodon-error-response": Case(
        "mastodon", "a.json", lines({"error": "Record not found"}), 0, 1, "Mastodon API error"
    ),
    "bluesky-error-response": Case(
        "bluesky",
        "p.json",
        lines({"error": "InvalidRequest", "message": "Profile not found"}),
        0,
        1,
        "Bluesky XRPC error",
    ),
    "recorded-http-404": Case(
        "mastodon",
        "s.json",
        lines(
            {
                "request_uri": "https://x.example/api/v1/statuses/1",
                "status": 404,
                "body": {"error": "x"},
            }
        ),
        0,
        1,
        "status 404",
    ),
    "unknown-object": Case("mastodon", "s.json", lines({"foo": 1}, [status()]), 1, 1, "none of"),
    "responses-in-an-array": Case(
        "x", "p.jsonl", lines([json.loads(page(tweet()))]), 0, 1, "none of"
    ),
    "bluesky-like-record": Case(
        "bluesky",
        "r.json",
        lines(
            {
                "records": [
                    {
                        "uri": "at://did:plc:a/app.bsky.feed.like/1",
                        "cid": "c",
                        "value": {
                            "$type": "app.bsky.feed.like",
                            "createdAt": "2026-10-03T00:00:00Z",
                        },
                    }
                ]
            }
        ),
        0,
        1,
        "not a post",
    ),
    "bluesky-repost-without-reposter": Case(
        "bluesky",
        "f.json",
        lines(
            {
                "feed": [
                    {
                        "post": {
                            "uri": "at://did:plc:a/app.bsky.feed.post/1",
                            "author": {"did": "did:plc:a"},
                        },
                        "reason": {"$type": "app.bsky.feed.defs#reasonRepost"},
                    }
                ]
            }
        ),
        0,
        1,
        "reposter is unknown",
    ),
    "crlf-and-bom": Case(
        "clicks",
        "c.jsonl",
        b"\xef\xbb\xbf" + clicks(click("a"), click("b")).replace(b"\n", b"\r\n"),
        2,
        0,
        "2 records",
    ),
    "ga4-int64-as-strings": Case("web_analytics", "e.json", lines(GA4_ROW), 1, 0, "1 records"),
    "ga4-without-event-name": Case(
        "web_analytics",
        "e.json",
        lines({k: v for k, v in GA4_ROW.items() if k != "event_name"}),
        0,
        1,
        "event_name is missing",
    ),
}


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_broken_export(case: Case, con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, case.source, case.name, case.content)

    [result] = ingest_partition(con, case.source, DAY, landing, "load-1")

    assert (result.rows_loaded, result.rows_rejected) == (case.loaded, case.rejected), result
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    log = table(con, "SELECT rows_read, rows_loaded, rows_rejected, message FROM raw._load_log")
    assert log == [(result.rows_read, result.rows_loaded, result.rows_rejected, result.message)]
    rejects = table(con, "SELECT source_file, line, reason, original FROM raw._rejects")
    loaded_rows = sum(
        table(con, f"SELECT count(*) FROM raw.{name}")[0][0]
        for (name,) in table(
            con,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
            "AND table_name NOT LIKE '\\_%' ESCAPE '\\'",
        )
    )
    assert loaded_rows == case.loaded
    if any(line is None for _, line, _, _ in rejects):
        # A whole-file failure: one line naming the file and the problem, the file kept.
        assert case.name in result.message and "\n" not in result.message
        assert case.reason in result.message
        assert rejects == [(f"{case.source}/{DAY}/{case.name}", None, result.message, case.content)]
    elif case.rejected:
        assert len(rejects) == case.rejected
        assert all(case.reason in reason for _, _, reason, _ in rejects), rejects
        assert all(line is not None for _, line, _, _ in rejects)
    else:
        assert case.reason in result.message and not rejects


def test_bad_line_keeps_its_exact_bytes_and_place(con, tmp_path: Path) -> None:
    bad = b'{"h": "caf\xe9", "t": 1}'
    landing = tmp_path / "landing"
    land(
        landing, "clicks", "c.jsonl", clicks(click("a")) + b"\n" + bad + b"\n" + clicks(click("c"))
    )

    ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert table(con, "SELECT line, original FROM raw._rejects") == [(3, bad)]
    assert table(con, "SELECT _line, h FROM raw.clicks ORDER BY 1") == [(1, "a"), (4, "c")]


def test_one_bad_record_does_not_drop_its_page(con, tmp_path: Path) -> None:
    records = [tweet(id=str(i)) for i in range(100)]
    records[41] = tweet(id="41", public_metrics={"like_count": -1})
    landing = tmp_path / "landing"
    land(landing, "x", "p.jsonl", lines(page(*records)))

    [result] = ingest_partition(con, "x", DAY, landing, "load-1")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (100, 99, 1)
    [(line, item, original)] = table(con, "SELECT line, item, original FROM raw._rejects")
    assert (line, item) == (1, 41)
    assert json.loads(original) == records[41]


def test_same_file_under_another_name_adds_nothing(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    content = clicks(click("a"), click("b"))
    land(landing, "clicks", "clicks-0001.jsonl", content)

    ingest_partition(con, "clicks", DAY, landing, "load-1")
    once = table(con, "SELECT * EXCLUDE (_load_id) FROM raw.clicks ORDER BY ALL")
    land(landing, "clicks", "clicks-0001 (copy).jsonl.gz", gzip.compress(content))
    land(landing, "clicks", "resent.jsonl", content)
    results = ingest_partition(con, "clicks", DAY, landing, "load-2")

    assert table(con, "SELECT * EXCLUDE (_load_id) FROM raw.clicks ORDER BY ALL") == once
    by_name = {r.source_file.rsplit("/", 1)[1]: r for r in results}
    original = f"clicks/{DAY}/clicks-0001.jsonl"
    assert by_name["clicks-0001.jsonl"].status == "loaded"
    for name in ("clicks-0001 (copy).jsonl.gz", "resent.jsonl"):
        assert by_name[name].status == "duplicate"
        assert f"duplicate of {original}" in by_name[name].message
        assert (by_name[name].rows_read, by_name[name].rows_loaded) == (0, 0)


def test_same_file_in_two_partitions_loads_once(con, tmp_path: Path) -> None:
    from datetime import timedelta

    landing = tmp_path / "landing"
    content = clicks(click("a"))
    land(landing, "clicks", "c.jsonl", content)
    later = landing / "clicks" / (DAY + timedelta(days=1)).isoformat()
    later.mkdir(parents=True)
    (later / "again.jsonl").write_bytes(content)

    for _ in range(2):  # re-running either partition changes nothing
        ingest_partition(con, "clicks", DAY, landing, "load-1")
        [second] = ingest_partition(con, "clicks", DAY + timedelta(days=1), landing, "load-2")
        assert second.status == "duplicate" and f"clicks/{DAY}/c.jsonl" in second.message
        assert table(con, "SELECT _partition_date, h FROM raw.clicks") == [(DAY, "a")]


def test_duplicate_records_across_files_are_kept_per_delivery(con, tmp_path: Path) -> None:
    """Two different files that share a record: raw keeps every delivery with its
    lineage; staging deduplicates on the natural key (the staging models)."""
    landing = tmp_path / "landing"
    land(landing, "x", "a.jsonl", lines(page(tweet(id="1"), tweet(id="2"))))
    land(landing, "x", "b.jsonl", lines(page(tweet(id="2"), tweet(id="3"))))

    results = ingest_partition(con, "x", DAY, landing, "load-1")

    assert [r.rows_loaded for r in results] == [2, 2]
    assert table(con, "SELECT id, count(*) FROM raw.x_posts GROUP BY 1 ORDER BY 1") == [
        ("1", 1),
        ("2", 2),
        ("3", 1),
    ]


def test_new_fields_are_kept_and_reported(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "mastodon", "s.json", lines([status(quote={"id": "9"}, poll=None)]))

    [result] = ingest_partition(con, "mastodon", DAY, landing, "load-1")

    assert result.new_fields == ("mastodon_statuses.poll", "mastodon_statuses.quote")
    assert "mastodon_statuses.quote" in result.message
    assert table(con, "SELECT _extra FROM raw.mastodon_statuses") == [
        ('{"quote":{"id":"9"},"poll":null}',)
    ]
    assert table(con, "SELECT new_fields FROM raw._load_log") == [(list(result.new_fields),)]


def test_pretty_printed_documents_and_recorder_captures_load(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "mastodon", "pretty.json", PRETTY_STATUSES)
    captured = {
        "request_uri": "https://x.example/api/v1/statuses/3",
        "status": 200,
        "body": status(id="3"),
    }
    land(landing, "mastodon", "captured.json", json.dumps(captured, indent=1))

    results = ingest_partition(con, "mastodon", DAY, landing, "load-1")

    assert [(r.rows_loaded, r.rows_rejected) for r in results] == [(1, 0), (2, 0)]
    assert table(con, "SELECT id, _line, _item FROM raw.mastodon_statuses ORDER BY 1") == [
        ("1", 1, 0),
        ("2", 1, 1),
        ("3", 1, 0),
    ]


# --- every real captured payload ------------------------------------------------------------

REAL_FILES = sorted(
    path
    for path in REAL.rglob("*")
    if path.is_file() and path.suffix in {".json", ".jsonl", ".csv"}
)
SOURCE_OF_FOLDER = {
    "x_api_v2": "x",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "clicks": "clicks",
    "web_analytics": "web_analytics",
    "crm": "crm",
}


def _json_values(path: Path) -> list[object]:
    """Every JSON value of a file: one per line, or the whole document; captures unwrapped."""
    text = path.read_text()
    try:
        values = [json.loads(text)]
    except json.JSONDecodeError:
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [v["body"] if isinstance(v, dict) and "body" in v else v for v in values]


def expected_records(source: str, path: Path) -> dict[str, int]:
    """Records per raw table, counted independently of the ingest code."""
    counts: dict[str, int] = {}

    def add(name: str, n: int = 1) -> None:
        counts[name] = counts.get(name, 0) + n

    if path.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        add({"Lead.csv": "crm_leads", "Opportunity.csv": "crm_opportunities"}[path.name], len(rows))
        return counts
    for value in _json_values(path):
        items = value if isinstance(value, list) else [value]
        for doc in items:
            if source == "x":
                data = doc.get("data", [])
                for record in data if isinstance(data, list) else [data]:
                    add("x_posts" if "text" in record else "x_users")
                add("x_posts", len(doc.get("includes", {}).get("tweets", [])))
                add("x_users", len(doc.get("includes", {}).get("users", [])))
            elif source == "mastodon":
                add("mastodon_statuses" if "account" in doc else "mastodon_accounts")
            elif source == "bluesky":
                if "feed" in doc:
                    add("bluesky_feed_items", len(doc["feed"]))
                elif "profiles" in doc:
                    add("bluesky_profiles", len(doc["profiles"]))
                elif "repostedBy" in doc:
                    add("bluesky_reposted_by", len(doc["repostedBy"]))
                elif "value" in doc:
                    add("bluesky_feed_items")
            elif source == "clicks":
                add("clicks")
            elif source == "web_analytics":
                add("web_analytics_events")
    return counts


def _loads(path: Path) -> bool:
    # Campaign and CampaignMember exports and the GA4 source-category list are real files
    # of those services, but no source of ours: they must be rejected, clearly.
    return path.name not in {"Campaign.csv", "CampaignMember.csv", "ga4_source_categories.csv"}


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_payload(path: Path, con, tmp_path: Path) -> None:
    source = SOURCE_OF_FOLDER[path.parent.name]
    landing = tmp_path / "landing"
    land(landing, source, path.name, path.read_bytes())

    [result] = ingest_partition(con, source, DAY, landing, "load-1")

    assert result.rows_read == result.rows_loaded + result.rows_rejected
    if not _loads(path):
        assert result.status == "rejected" and path.name in result.message
        assert table(con, "SELECT line, original FROM raw._rejects") == [(None, path.read_bytes())]
        return
    expected = expected_records(source, path)
    assert (result.status, result.rows_read, result.rows_loaded) == (
        "loaded",
        sum(expected.values()),
        sum(expected.values()),
    ), result.message
    for name, count in expected.items():
        assert table(con, f"SELECT count(*) FROM raw.{name}") == [(count,)], name


def test_ga4_row_of_dbt_ga4_loads_with_int64_strings_and_event_date(con, tmp_path: Path) -> None:
    fixture = REAL / "web_analytics" / "ga4_export_row_velir.json"
    row = json.loads(fixture.read_text())
    landing = tmp_path / "landing"
    land(landing, "web_analytics", fixture.name, fixture.read_bytes())

    ingest_partition(con, "web_analytics", DAY, landing, "load-1")

    session = next(p for p in row["event_params"] if p["key"] == "ga_session_id")
    assert table(
        con,
        "SELECT event_date, event_timestamp, list_filter(event_params, "
        "lambda p: p.key = 'ga_session_id')[1].value.int_value, _extra->>'$.event_date_dt' "
        "FROM raw.web_analytics_events",
    ) == [
        (
            row["event_date_dt"].replace("-", ""),
            int(row["event_timestamp"]),
            int(session["value"]["int_value"]),
            row["event_date_dt"],
        )
    ]
