"""The freshness gate judges an export by the posts it holds, not by its folder's date: an
account timeline (statuses across many days, dropped in one date folder) publishes (issue
16, point 14). That stale marts still block is tested in test_data_quality.py and
test_planted_defects.py."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from helpers import run_sharesignal

FIXTURES = Path(__file__).parent / "fixtures" / "real"
# Months after the newest post of either timeline (June 2025); the first partition by default.
EXPORT_DATE = "2026-10-01"


def body(name: str) -> object:
    """The payload of a recorded API response (`body`), or the file as it is."""
    recorded = json.loads((FIXTURES / name).read_text())
    return recorded.get("body", recorded)


def test_account_timelines_in_one_date_folder_publish(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    timelines = {
        # A Mastodon account's statuses, September 2024 to June 2025; a Bluesky author feed,
        # March 2024 to May 2025.
        "mastodon": body("mastodon/get_account_statuses_limit__0.json"),
        "bluesky": body("bluesky/f_autfeed__0.json"),
    }
    for source, payload in timelines.items():
        folder = landing / source / EXPORT_DATE
        folder.mkdir(parents=True)
        (folder / "timeline.jsonl").write_text(json.dumps(payload) + "\n")

    result = run_sharesignal(tmp_path, "backfill", "--start", EXPORT_DATE, "--end", EXPORT_DATE)

    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout
    with duckdb.connect(str(tmp_path / "serving" / "marts.duckdb"), read_only=True) as con:
        newest, days = con.execute(
            "select max(share_date), count(distinct share_date) from fct_shares"
        ).fetchone()
    assert str(newest) < "2025-07-01"
    assert days > 10
