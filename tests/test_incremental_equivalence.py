"""The models that are incremental hold what a full rebuild from raw holds, mart by mart and
row for row: after daily runs out of order, and after a partition is loaded again from a
corrected export. The staging tables are incremental by raw partition (the per-record work of
the large sources is done once per export date, and the latest version of a post is picked
again only where a day touched it); `int_share_facts` derives again only the shares a day's
changes can reach, and every model after it reads those facts. And a run changes nothing
outside what it must."""

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from helpers import run_dbt, run_sharesignal

from sharesignal.config import SOURCES, load_settings
from sharesignal.ingest import ingest_partition
from sharesignal.pseudonym_key import set_pseudonym_key

# Its tests share a module-scoped fixture: xdist runs them on one worker, which builds it once.
pytestmark = pytest.mark.xdist_group("incremental_equivalence")

FIRST_DAY, DAYS = date(2026, 10, 1), 3
DAY = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
BY_PARTITION = (
    "stg_web_analytics__events",
    "stg_x__post_versions",
    "stg_mastodon__status_versions",
    "stg_bluesky__feed_item_versions",
)
LATEST = ("stg_x__posts", "stg_mastodon__statuses", "stg_bluesky__feed_items")
INCREMENTAL = BY_PARTITION + LATEST


def ingest(home: Path, days: list[date]) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for source in SOURCES:
            for day in days:
                ingest_partition(con, source, day, home / "landing", load_id="test")


def dbt_run(home: Path, days: tuple[date, date] | None, *select: str) -> None:
    """Build the models (`select`, or all with the seeds) over the window `days` (first, last),
    as a Dagster run over those partitions would; None: a plain build over all history. Data
    tests are left out: this module compares what the models hold."""
    window = {}
    if days is not None:
        window = {"SHARESIGNAL_MIN_DATE": str(days[0]), "SHARESIGNAL_MAX_DATE": str(days[1])}
    selection = ("--select", *select) if select else ()
    excluded = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    done = run_dbt(home, "build", *selection, *excluded, env=window)
    assert done.returncode == 0, done.stdout + done.stderr


SCHEMAS = ("staging", "intermediate", "marts")


def relations(home: Path, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, list[tuple]]:
    """Every row of every table and view of `schemas`, sorted (the views read with the key dbt
    had)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        set_pseudonym_key(con, load_settings().pseudonym_key)
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in (select unnest(?)) order by 1",
            [list(schemas)],
        ).fetchall()
        return {
            name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
            for (name,) in names
        }


def same_rows(left: list[tuple], right: list[tuple]) -> bool:
    """Equal row for row, floating-point values within 1e-9 relative (sums over other row
    orders differ in the last bits)."""
    if len(left) != len(right):
        return False
    for row, other in zip(left, right, strict=True):
        for value, expected in zip(row, other, strict=True):
            if isinstance(value, float) and isinstance(expected, float):
                if value != pytest.approx(expected, rel=1e-9, nan_ok=True):
                    return False
            elif value != expected:
                return False
    return True


def drop_last_line(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))


def planted_tweet(number: int, at: str, text: str, retweeted: str | None = None) -> dict:
    record = {"id": f"99{number:017d}", "author_id": f"88{number:016d}", "created_at": at}
    if retweeted is None:
        return {**record, "text": text, "conversation_id": record["id"]}
    return {
        **record,
        "text": f"RT @planted: {text}",
        "conversation_id": record["id"],
        "referenced_tweets": [{"type": "retweeted", "id": retweeted}],
    }


def planted_share_id(number: int) -> str:
    return f"x:{planted_tweet(number, '', '')['id']}"


def prepend_page(landing: Path, day: date, tweets: list[dict]) -> None:
    """`tweets` as the first page of the day's X export."""
    ids = sorted(t["id"] for t in tweets)
    page = {
        "data": tweets,
        "meta": {"result_count": len(tweets), "newest_id": ids[-1], "oldest_id": ids[0]},
    }
    path = sorted((landing / "x" / str(day)).glob("posts-*.jsonl"))[0]
    path.write_text(json.dumps(page) + "\n" + path.read_text())


def plant_burst_across_midnight(landing: Path) -> None:
    """Five accounts reshare one X post within 45 seconds across midnight, two on the first
    day and three on the second: neither day's export alone holds a burst (at least 5
    accounts within 60 seconds), both together do."""
    text = "Planted: a post five accounts reshare across midnight"
    original = planted_tweet(1, f"{DAY[0]}T23:59:30.000Z", text)
    first = [original] + [
        planted_tweet(n, f"{DAY[0]}T23:59:{seconds}.000Z", text, original["id"])
        for n, seconds in ((2, 40), (3, 50))
    ]
    second = [
        planted_tweet(n, f"{DAY[1]}T00:00:{seconds}.000Z", text, original["id"])
        for n, seconds in ((4, "05"), (5, "15"), (6, "25"))
    ]
    prepend_page(landing, DAY[0], first)
    prepend_page(landing, DAY[1], second)


def plant_burst_before_a_late_reshare(landing: Path) -> None:
    """Five accounts reshare a post on the second day 80 to 40 seconds before midnight (a
    burst), and a sixth reshares it 5 seconds into the third day (in no burst window of five).
    The third day's run counts again the burst's last two shares, whose burst window opened
    more than a window before the late reshare, and names the burst by its first share, which
    that run does not count again."""
    text = "Planted: a post resharing slows down before midnight"
    original = planted_tweet(10, f"{DAY[1]}T23:58:00.000Z", text)
    times = ("23:58:40", "23:58:50", "23:59:00", "23:59:10", "23:59:20")
    burst = [
        planted_tweet(n, f"{DAY[1]}T{at}.000Z", text, original["id"])
        for n, at in enumerate(times, start=11)
    ]
    prepend_page(landing, DAY[1], [original, *burst])
    late = planted_tweet(16, f"{DAY[2]}T00:00:05.000Z", text, original["id"])
    prepend_page(landing, DAY[2], [late])


def plant_words_across_midnight(landing: Path) -> None:
    """Three accounts post the same words, two on the second day (100 and 50 seconds before
    midnight) and one 5 seconds into the third: only the middle post has three accounts'
    posts within 60 seconds of it (co-posted, the threshold 3), and only once the third day
    is in. The third day's run must count the second day's middle post again, over a post
    more than a window away from the third day's."""
    text = "Planted: words three accounts post around midnight"
    prepend_page(
        landing,
        DAY[1],
        [
            planted_tweet(7, f"{DAY[1]}T23:58:20.000Z", text),
            planted_tweet(8, f"{DAY[1]}T23:59:10.000Z", text),
        ],
    )
    prepend_page(landing, DAY[2], [planted_tweet(9, f"{DAY[2]}T00:00:05.000Z", text)])


def raw_rows_of(home: Path, table: str, day: date) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        query = f"select count(*) from raw.{table} where _partition_date = ?"
        return con.execute(query, [day]).fetchone()[0]


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> Path:
    """A home staged by daily runs out of order, then with day 2 loaded again from a corrected
    export with fewer records."""
    home = tmp_path_factory.mktemp("daily")
    generated = run_sharesignal(
        home, "generate", "--start", str(FIRST_DAY), "--days", str(DAYS), "--quiet"
    )
    assert generated.returncode == 0, generated.stderr
    plant_burst_across_midnight(home / "landing")
    plant_words_across_midnight(home / "landing")
    plant_burst_before_a_late_reshare(home / "landing")

    for day in (DAY[1], DAY[0], DAY[2]):
        ingest(home, [day])
        dbt_run(home, (day, day))

    landing = home / "landing"
    before = {t: raw_rows_of(home, t, DAY[1]) for t in ("x_posts", "web_analytics_events")}
    for source, pattern in (("x", "posts-*.jsonl"), ("web_analytics", "events-*.jsonl")):
        corrected = sorted((landing / source / str(DAY[1])).glob(pattern))
        assert corrected, f"no {pattern} file of {DAY[1]} to correct"
        for path in corrected:
            drop_last_line(path)
    ingest(home, [DAY[1]])
    for table, rows in before.items():
        assert raw_rows_of(home, table, DAY[1]) < rows, f"the corrected export changed {table}"
    dbt_run(home, (DAY[1], DAY[1]))
    return home


def copy_of(home: Path, target: Path) -> Path:
    target.mkdir()
    shutil.copy(home / "warehouse.duckdb", target / "warehouse.duckdb")
    return target


def test_daily_runs_and_a_reloaded_partition_build_what_a_full_rebuild_builds(daily, tmp_path):
    # The same raw tables, built in one plain run.
    rebuilt = copy_of(daily, tmp_path / "rebuilt")
    with duckdb.connect(str(rebuilt / "warehouse.duckdb")) as con:
        for schema in SCHEMAS:
            con.execute(f"drop schema {schema} cascade")
    dbt_run(rebuilt, None)

    with duckdb.connect(str(daily / "warehouse.duckdb"), read_only=True) as con:
        spanning = con.execute(
            "select count(*) from (select post_id from staging.stg_x__post_versions"
            " group by post_id having count(distinct _partition_date) > 1)"
        ).fetchone()[0]
        across_midnight = con.execute(
            "select count(*) from (select burst_id from intermediate.int_share_facts"
            " where burst_id is not null group by burst_id having count(distinct share_date) > 1)"
        ).fetchone()[0]
        planted = dict(
            con.execute(
                "select share_id, (in_coordinated_burst, is_co_posted_text, burst_id)"
                " from intermediate.int_share_facts where share_id in (select unnest(?))",
                [[planted_share_id(n) for n in range(7, 17)]],
            ).fetchall()
        )
    assert spanning, "some posts have versions of several export dates (a run must re-pick them)"
    assert across_midnight, "some burst has shares of two days (runs of both days must join it)"
    # What the planted words and late reshare are for (their docstrings): the middle post alone
    # co-posted; the five reshares before midnight one burst, the late one in none.
    assert [planted[planted_share_id(n)][1] for n in (7, 8, 9)] == [False, True, False]
    burst = [planted[planted_share_id(n)] for n in range(11, 17)]
    assert [in_burst for in_burst, _, _ in burst] == [True] * 5 + [False]
    assert len({burst_id for _, _, burst_id in burst[:5]}) == 1

    daily_rows, rebuilt_rows = relations(daily), relations(rebuilt)
    assert daily_rows.keys() == rebuilt_rows.keys()
    assert {f"staging.{name}" for name in INCREMENTAL} | {"intermediate.int_share_facts"} <= (
        daily_rows.keys()
    )
    assert any(name.startswith("marts.") for name in daily_rows)
    different = [name for name in daily_rows if not same_rows(daily_rows[name], rebuilt_rows[name])]
    assert different == []
    assert all(daily_rows[f"staging.{name}"] for name in INCREMENTAL), "incremental, no rows"


def test_a_run_derives_again_only_the_shares_a_change_can_reach(daily, tmp_path):
    """A share changed behind dbt's back (in staging, outside the run's window), and a fact of
    two other shares overwritten in the facts table: the run derives the changed share again
    and its chain's tree (its parent's fact is put right), and keeps what it holds of a share
    the change cannot reach (a rebuild from all of its input would put that right too)."""
    probe = copy_of(daily, tmp_path / "probe")
    warehouse = str(probe / "warehouse.duckdb")
    facts = "intermediate.int_share_facts"
    with duckdb.connect(warehouse) as con:
        changed, parent, root = con.execute(
            f"select share_id, parent_share_id, root_share_id from {facts}"
            " where platform = 'x' and parent_share_id is not null order by share_id limit 1"
        ).fetchone()
        tree = f"select {{0}} from {facts} where root_share_id = ? and {{0}} is not null"
        (unrelated,) = con.execute(
            f"select share_id from {facts} where root_share_id != ?"
            f" and (burst_key is null or burst_key not in ({tree.format('burst_key')}))"
            " and (text_fingerprint is null"
            f" or text_fingerprint not in ({tree.format('text_fingerprint')}))"
            " order by share_id limit 1",
            [root, root, root],
        ).fetchone()
        latency = f"select reaction_latency_seconds from {facts} where share_id = ?"
        (parent_latency,) = con.execute(latency, [parent]).fetchone()
        con.execute(
            f"update {facts} set reaction_latency_seconds = 12345 where share_id in (?, ?)",
            [parent, unrelated],
        )
        con.execute(
            "update staging.stg_x__posts set text_length = coalesce(text_length, 0) + 1"
            " where 'x:' || post_id = ?",
            [changed],
        )
        (text_length,) = con.execute(
            "select text_length from staging.stg_x__posts where 'x:' || post_id = ?", [changed]
        ).fetchone()

    dbt_run(probe, (DAY[2], DAY[2]), "int_share_inputs", "int_share_facts")

    with duckdb.connect(warehouse, read_only=True) as con:
        assert con.execute(latency, [parent]).fetchone() == (parent_latency,)
        assert con.execute(latency, [unrelated]).fetchone() == (12345,)
        held = f"select text_length from {facts} where share_id = ?"
        assert con.execute(held, [changed]).fetchone() == (text_length,)


def test_a_run_leaves_the_partitions_outside_its_window_alone(daily, tmp_path):
    """Day 1's rows deleted behind dbt's back from what a staging table is built from: a run
    over day 3 keeps day 1's staged rows as they were (a table rebuilt from all of its input
    would lose them). First from raw (the tables staged from raw), then from the versions
    tables (the latest-version tables)."""
    probe = copy_of(daily, tmp_path / "probe")
    warehouse = str(probe / "warehouse.duckdb")

    def day_one_rows() -> dict[str, list[tuple]]:
        with duckdb.connect(warehouse, read_only=True) as con:
            query = "select * from staging.{} where _partition_date = ?"
            return {
                name: sorted(con.execute(query.format(name), [DAY[0]]).fetchall(), key=repr)
                for name in INCREMENTAL
            }

    def delete_day_one(schema: str, tables: list[str]) -> None:
        with duckdb.connect(warehouse) as con:
            for table in tables:
                con.execute(f"delete from {schema}.{table} where _partition_date = ?", [DAY[0]])

    staged = day_one_rows()
    assert all(staged.values()), "every incremental table holds rows of day 1"
    with duckdb.connect(warehouse, read_only=True) as con:
        raw_tables = con.execute(
            "select table_name from information_schema.columns"
            " where table_schema = 'raw' and column_name = '_partition_date'"
        ).fetchall()
    delete_day_one("raw", [table for (table,) in raw_tables])
    dbt_run(probe, (DAY[2], DAY[2]), "staging")
    assert day_one_rows() == staged

    delete_day_one("staging", [name for name in BY_PARTITION if name.endswith("_versions")])
    dbt_run(probe, (DAY[2], DAY[2]), "staging")
    after = day_one_rows()
    assert {name: after[name] for name in LATEST} == {name: staged[name] for name in LATEST}
