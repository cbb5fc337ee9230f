"""Publishing swaps the serving file atomically and leaves the last good version on failure."""

from pathlib import Path

import duckdb
import pytest

from sharesignal.publish import publish_marts


def make_warehouse(path: Path, shares: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fct_shares AS SELECT range AS share_id FROM range(?)", [shares])
    con.execute("CREATE TABLE marts.dim_content AS SELECT 1 AS content_id")
    con.close()


def published_rows(serving: Path, table: str) -> int:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_publish_copies_the_marts_and_reports_row_counts(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)

    counts = publish_marts(warehouse, serving, "marts", ["fct_shares", "dim_content"])

    assert counts == {"fct_shares": 5, "dim_content": 1}
    assert published_rows(serving, "fct_shares") == 5
    assert list(serving.parent.iterdir()) == [serving]


def test_a_new_publication_replaces_the_old_one(tmp_path):
    serving = tmp_path / "serving" / "marts.duckdb"
    make_warehouse(tmp_path / "v1.duckdb", shares=5)
    make_warehouse(tmp_path / "v2.duckdb", shares=8)

    publish_marts(tmp_path / "v1.duckdb", serving, "marts", ["fct_shares"])
    publish_marts(tmp_path / "v2.duckdb", serving, "marts", ["fct_shares"])

    assert published_rows(serving, "fct_shares") == 8


def test_a_failed_publication_keeps_the_last_good_version_and_leaves_no_temp_file(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"])

    with pytest.raises(duckdb.CatalogException):
        publish_marts(warehouse, serving, "marts", ["fct_shares", "no_such_mart"])

    assert published_rows(serving, "fct_shares") == 5
    assert list(serving.parent.iterdir()) == [serving]
