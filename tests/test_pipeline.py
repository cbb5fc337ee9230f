"""End to end on real components: generated exports → DuckDB → dbt → GX gates → serving file."""

import os
import shutil
from pathlib import Path

import duckdb
from conftest import FIRST_DAY, LAST_DAY
from helpers import copy_home, run_dbt

MARTS = (
    "fct_shares",
    "dim_accounts",
    "dim_content",
    "mart_content_performance",
    "mart_amplification_audit",
    "fct_attributed_opportunities",
    "mart_share_funnel",
    "mart_campaign_comparison",
)


def serving_counts(home: Path) -> dict[str, int]:
    con = duckdb.connect(str(home / "serving" / "marts.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in MARTS}
    finally:
        con.close()


def test_a_backfill_flows_from_landing_files_to_the_serving_file(published_home):
    con = duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True)
    try:
        log = con.execute(
            "select count(*), sum(rows_read), sum(rows_loaded + rows_rejected) from raw._load_log"
        ).fetchone()
        partitions = con.execute(
            "select distinct _partition_date from raw.x_posts order by 1"
        ).fetchall()
        marts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in MARTS}
    finally:
        con.close()

    files, read, accounted = log
    assert files >= 2 * 7, "every source's files of both days are in the load log"
    assert read == accounted
    assert partitions == [(FIRST_DAY,), (LAST_DAY,)]
    assert serving_counts(published_home) == marts
    # Two days are too short for a share to become an opportunity: every other mart has rows.
    assert all(n > 0 for t, n in marts.items() if t != "fct_attributed_opportunities"), marts


def test_a_backfill_writes_nothing_to_stderr(published_home):
    """No library's warning, and no leaked semaphore reported as the command ends without
    Python's teardown (sharesignal.cli.exit_without_teardown)."""
    assert (published_home / "backfill.stderr").read_text() == ""


def test_a_corrupted_mart_fails_its_check_and_nothing_is_published(
    published_home, tmp_path, monkeypatch
):
    # On a copy: the published home is shared by every test module.
    published_home = copy_home(published_home, tmp_path / "home")
    before = serving_counts(published_home)
    serving_file = published_home / "serving" / "marts.duckdb"
    published_at = serving_file.stat().st_mtime_ns
    report = os.readlink(published_home / "serving" / "report")
    con = duckdb.connect(str(published_home / "warehouse.duckdb"))
    con.execute(
        "update marts.fct_shares set trust_weight = 3.0 where share_id in "
        "(select share_id from marts.fct_shares limit 1)"
    )
    con.execute("insert into marts.dim_content select * from marts.dim_content limit 1")
    con.close()

    monkeypatch.setenv("SHARESIGNAL_HOME", str(published_home))
    from orchestration.definitions import defs
    from orchestration.resources import Warehouse

    result = defs.resolve_job_def("audit_and_publish").execute_in_process(
        resources={"warehouse": Warehouse(path=str(published_home / "warehouse.duckdb"))},
        raise_on_error=False,
    )

    failed = {e.asset_key.path[-1] for e in result.get_asset_check_evaluations() if not e.passed}
    assert not result.success
    assert failed == {"fct_shares", "dim_content"}
    assert serving_file.stat().st_mtime_ns == published_at
    assert serving_counts(published_home) == before
    # Nothing published, so no new report either: the last good one stays.
    assert os.readlink(published_home / "serving" / "report") == report


def test_a_null_in_a_not_null_mart_column_fails_the_build_and_keeps_the_mart(
    published_home, tmp_path
):
    """A mart's not-null columns are constraints of its contract, which DuckDB enforces as the
    mart is written: the mart's build fails, naming the column, and the mart keeps the rows
    of its last good build."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(published_home / "warehouse.duckdb", home / "warehouse.duckdb")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute(
        "update intermediate.int_content_classified set content_factor = null "
        "where content_id in (select content_id from intermediate.int_content_classified limit 1)"
    )
    before = con.execute("select count(*) from marts.dim_content").fetchone()[0]
    con.close()

    build = run_dbt(home, "run", "--select", "dim_content")

    assert build.returncode != 0
    assert "NOT NULL constraint failed" in build.stdout
    assert "content_factor" in build.stdout
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.dim_content").fetchone()[0] == before
        assert con.execute(
            "select count(*) from marts.dim_content where content_factor is null"
        ).fetchone() == (0,)
    finally:
        con.close()
