"""The freshness gate judges an export by the posts it holds, not by its folder's date: an
account timeline (statuses across many days, dropped in one date folder) publishes (issue
16, point 14), and the view the gate reads (int_share_exports_newest_post) follows raw. That
stale marts still block is tested in test_data_quality.py and test_planted_defects.py."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from helpers import run_sharesignal

# Its tests share a module-scoped fixture: xdist runs them on one worker, which builds it once.
pytestmark = pytest.mark.xdist_group("freshness")

FIXTURES = Path(__file__).parent / "fixtures" / "real"
# Months after the newest post of either timeline (June 2025); the first partition by default.
EXPORT_DATE = "2026-10-01"


def body(name: str) -> object:
    """The payload of a recorded API response (`body`), or the file as it is."""
    recorded = json.loads((FIXTURES / name).read_text())
    return recorded.get("body", recorded)


TIMELINES = {
    # A Mastodon account's statuses, September 2024 to June 2025; a Bluesky author feed,
    # March 2024 to May 2025, with reposts.
    "mastodon": body("mastodon/get_account_statuses_limit__0.json"),
    "bluesky": body("bluesky/f_autfeed__0.json"),
}
NEWEST = "select newest_post_date from intermediate.int_share_exports_newest_post"


@pytest.fixture(scope="module")
def timelines_home(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A home whose only exports are the two timelines, in one date folder, backfilled."""
    home = tmp_path_factory.mktemp("timelines")
    for source, payload in TIMELINES.items():
        folder = home / "landing" / source / EXPORT_DATE
        folder.mkdir(parents=True)
        (folder / "timeline.jsonl").write_text(json.dumps(payload) + "\n")
    result = run_sharesignal(home, "backfill", "--start", EXPORT_DATE, "--end", EXPORT_DATE)
    return home, result


def newest_post_in(payloads: dict[str, object]) -> date:
    """By hand: the newest status, and the newest Bluesky feed item by its repost time when
    it is a repost, in UTC."""
    times = [status["created_at"] for status in payloads["mastodon"]]
    for item in payloads["bluesky"]["feed"]:
        reason = item.get("reason") or {}
        repost = reason.get("$type") == "app.bsky.feed.defs#reasonRepost"
        times.append(reason["indexedAt"] if repost else item["post"]["record"]["createdAt"])
    parsed = [datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(UTC) for t in times]
    return max(parsed).date()


def test_account_timelines_in_one_date_folder_publish(timelines_home) -> None:
    home, result = timelines_home

    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout
    with duckdb.connect(str(home / "serving" / "marts.duckdb"), read_only=True) as con:
        newest, days = con.execute(
            "select max(share_date), count(distinct share_date) from fct_shares"
        ).fetchone()
    assert str(newest) < "2025-07-01"
    assert days > 10


def test_the_gate_reads_the_newest_post_of_raw_by_its_own_time(timelines_home) -> None:
    home, _ = timelines_home
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(NEWEST).fetchone() == (newest_post_in(TIMELINES),)


def test_a_post_x_deleted_sets_no_date_for_the_gate(timelines_home) -> None:
    home, _ = timelines_home
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("BEGIN")
        con.execute(
            "insert into raw.x_posts (id, created_at) values ('9', '2026-09-30T23:30:00-02:00')"
        )
        # The view follows raw at once: no dbt run between a load and the gate can hide it.
        assert con.execute(NEWEST).fetchone() == (date(2026, 10, 1),)
        con.execute("insert into raw.x_compliance_events (event, post_id) values ('delete', '9')")
        assert con.execute(NEWEST).fetchone() == (newest_post_in(TIMELINES),)
        con.execute("ROLLBACK")
