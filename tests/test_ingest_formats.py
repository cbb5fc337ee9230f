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
