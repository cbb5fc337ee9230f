"""The JSON side of ingest (docs/ingestion.md): reasons that carry no identifier, X API v1.1
tweets and X archives read as the v2 tables, and X compliance events landed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sharesignal.config import REPO_ROOT
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
