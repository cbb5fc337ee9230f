"""Publishing swaps the serving file and its Parquet copies atomically, keeps the previous
versions, records the publication and carries the dbt docs; a failure leaves the last good
version untouched."""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sharesignal.publish import Publication, SuiteOutcome, publish_marts


def make_warehouse(path: Path, shares: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fct_shares AS SELECT range AS share_id FROM range(?)", [shares])
    con.execute("CREATE TABLE marts.dim_content AS SELECT 1 AS content_id, 'ad' AS kind")
    con.close()


def make_manifest(path: Path) -> Path:
    nodes = {
        "model.sharesignal.fct_shares": {
            "resource_type": "model",
            "name": "fct_shares",
            "description": "One row per share, with the trust weight's parts.",
            "columns": {
                "share_id": {"name": "share_id", "description": "`<platform>:<post_id>`."},
                "documented_but_absent": {"name": "x", "description": "not in the table"},
            },
        },
        "model.sharesignal.dim_content": {
            "resource_type": "model",
            "name": "dim_content",
            "description": "One catalog item: it's an ad or substantive.",
            "columns": {"kind": {"name": "kind", "description": ""}},
        },
        "test.sharesignal.unique_fct_shares": {"resource_type": "test", "name": "fct_shares"},
    }
    path.write_text(json.dumps({"nodes": nodes}))
    return path


def query(serving: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def published_rows(serving: Path, table: str) -> int:
    return query(serving, f"SELECT count(*) FROM {table}")[0][0]


def serving_tree(serving_dir: Path) -> dict[str, tuple]:
    """Every entry under the serving folder, with what identifies its content."""
    tree = {}
    for entry in sorted(serving_dir.rglob("*")):
        name = str(entry.relative_to(serving_dir))
        if entry.is_symlink():
            tree[name] = ("link", str(entry.readlink()))
        elif entry.is_file():
            stat = entry.stat()
            tree[name] = ("file", stat.st_ino, stat.st_size, stat.st_mtime_ns)
        else:
            tree[name] = ("dir",)
    return tree


def test_publish_copies_the_marts_and_reports_row_counts(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)

    counts = publish_marts(warehouse, serving, "marts", ["fct_shares", "dim_content"])

    assert counts == {"fct_shares": 5, "dim_content": 1}
    assert published_rows(serving, "fct_shares") == 5
    parquet = serving.parent / "parquet"
    assert parquet.is_symlink()
    # The first publication replaces nothing: no versions yet, and no temporary files.
    assert sorted(p.name for p in serving.parent.iterdir()) == sorted(
        ["marts.duckdb", "parquet", str(parquet.readlink())]
    )


def test_the_published_marts_keep_their_not_null_columns(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fct_shares (share_id VARCHAR NOT NULL, content_id VARCHAR)")
    con.execute("INSERT INTO marts.fct_shares VALUES ('x:1', NULL), ('x:2', 'c1')")
    con.close()

    publish_marts(warehouse, serving, "marts", ["fct_shares"])

    nullable = query(
        serving,
        "SELECT column_name, is_nullable FROM duckdb_columns() "
        "WHERE table_name = 'fct_shares' ORDER BY column_index",
    )
    assert nullable == [("share_id", False), ("content_id", True)]
    assert published_rows(serving, "fct_shares") == 2


def test_a_new_publication_replaces_the_old_one(tmp_path):
    serving = tmp_path / "serving" / "marts.duckdb"
    make_warehouse(tmp_path / "v1.duckdb", shares=5)
    make_warehouse(tmp_path / "v2.duckdb", shares=8)

    publish_marts(tmp_path / "v1.duckdb", serving, "marts", ["fct_shares"])
    publish_marts(tmp_path / "v2.duckdb", serving, "marts", ["fct_shares"])

    assert published_rows(serving, "fct_shares") == 8


def test_previous_versions_are_kept_and_pruned_to_the_newest_n(tmp_path):
    serving = tmp_path / "serving" / "marts.duckdb"
    for shares in range(1, 7):  # six publications, of 1 … 6 shares
        make_warehouse(tmp_path / f"v{shares}.duckdb", shares=shares)
        publish_marts(
            tmp_path / f"v{shares}.duckdb", serving, "marts", ["fct_shares"], keep_versions=3
        )

    versions = sorted((serving.parent / "versions").iterdir())
    assert [v.name.startswith("marts-") and v.suffix == ".duckdb" for v in versions] == [True] * 3
    # The three files replaced last, oldest first: publications 3, 4 and 5.
    assert [published_rows(v, "fct_shares") for v in versions] == [3, 4, 5]
    assert published_rows(serving, "fct_shares") == 6

    make_warehouse(tmp_path / "v7.duckdb", shares=7)
    publish_marts(tmp_path / "v7.duckdb", serving, "marts", ["fct_shares"], keep_versions=1)
    versions = sorted((serving.parent / "versions").iterdir())
    assert [published_rows(v, "fct_shares") for v in versions] == [6]


def test_the_publication_table_records_when_what_and_which_code(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publication = Publication(
        first_partition=date(2026, 10, 5),
        last_partition=date(2026, 10, 6),
        suites=[SuiteOutcome("fct_shares", True, 12), SuiteOutcome("dim_content", True, None)],
        code_version="0123abc",
    )

    publish_marts(
        warehouse, serving, "marts", ["fct_shares", "dim_content"], publication=publication
    )

    [row] = query(
        serving,
        "SELECT published_at IS NOT NULL, first_partition, last_partition, suite_results, "
        "row_counts, code_version, parquet_folder FROM _publication",
    )
    published, first, last, suites, row_counts, code, folder = row
    assert published
    assert (first, last, code) == (date(2026, 10, 5), date(2026, 10, 6), "0123abc")
    assert suites == [
        {"mart": "fct_shares", "passed": True, "expectations_evaluated": 12},
        {"mart": "dim_content", "passed": True, "expectations_evaluated": None},
    ]
    assert row_counts == {"fct_shares": 5, "dim_content": 1}
    assert (serving.parent / "parquet").readlink() == Path(folder)


def test_without_a_publication_the_code_version_is_still_recorded(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=2)

    publish_marts(warehouse, serving, "marts", ["fct_shares"])

    [(code,)] = query(serving, "SELECT code_version FROM _publication")
    assert code  # the git commit of this checkout, or the package version


def test_parquet_copies_hold_one_file_per_mart_with_the_same_rows(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"])
    make_warehouse(tmp_path / "v2.duckdb", shares=9)

    counts = publish_marts(tmp_path / "v2.duckdb", serving, "marts", ["fct_shares", "dim_content"])

    parquet = serving.parent / "parquet"
    assert sorted(p.name for p in parquet.iterdir()) == [
        "dim_content.parquet",
        "fct_shares.parquet",
    ]
    con = duckdb.connect()
    in_files = {
        p.stem: con.execute("SELECT count(*) FROM read_parquet(?)", [str(p)]).fetchone()[0]
        for p in parquet.iterdir()
    }
    assert in_files == counts == {"fct_shares": 9, "dim_content": 1}


def test_old_parquet_folders_are_removed_but_the_one_just_replaced(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    folders = []
    for _ in range(3):
        publish_marts(warehouse, serving, "marts", ["fct_shares"])
        folders.append((serving.parent / "parquet").readlink().name)

    assert sorted(p.name for p in serving.parent.glob("parquet-*")) == sorted(folders[1:])


def test_tables_and_columns_carry_the_dbt_descriptions(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    manifest = make_manifest(tmp_path / "manifest.json")

    publish_marts(
        warehouse, serving, "marts", ["fct_shares", "dim_content"], manifest_path=manifest
    )

    tables = dict(query(serving, "SELECT table_name, comment FROM duckdb_tables()"))
    assert tables["fct_shares"] == "One row per share, with the trust weight's parts."
    assert tables["dim_content"] == "One catalog item: it's an ad or substantive."
    assert tables["_publication"]
    columns = {
        (t, c): comment
        for t, c, comment in query(
            serving, "SELECT table_name, column_name, comment FROM duckdb_columns()"
        )
    }
    assert columns["fct_shares", "share_id"] == "`<platform>:<post_id>`."
    assert columns["dim_content", "kind"] is None  # an empty description is no comment


def test_the_real_dbt_docs_become_comments(tmp_path):
    manifest = Path(__file__).resolve().parent.parent / "dbt_project" / "target" / "manifest.json"
    if not manifest.exists():
        pytest.skip("no dbt manifest: run `make` (or dbt parse) first")
    [node] = [
        n
        for n in json.loads(manifest.read_text())["nodes"].values()
        if n["resource_type"] == "model" and n["name"] == "fct_shares"
    ]
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=1)

    publish_marts(warehouse, serving, "marts", ["fct_shares"], manifest_path=manifest)

    [(table_comment,)] = query(
        serving, "SELECT comment FROM duckdb_tables() WHERE table_name = 'fct_shares'"
    )
    [(column_comment,)] = query(
        serving,
        "SELECT comment FROM duckdb_columns() "
        "WHERE table_name = 'fct_shares' AND column_name = 'share_id'",
    )
    assert table_comment == node["description"].strip()
    assert column_comment == node["columns"]["share_id"]["description"].strip()


def test_a_failed_publication_leaves_the_last_good_version_untouched_and_no_temp_files(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"])
    publish_marts(warehouse, serving, "marts", ["fct_shares"])  # so that a version exists
    before = serving_tree(serving.parent)
    assert any(name.startswith("versions/") for name in before)

    with pytest.raises(duckdb.CatalogException):
        publish_marts(warehouse, serving, "marts", ["fct_shares", "no_such_mart"])

    assert serving_tree(serving.parent) == before
    assert published_rows(serving, "fct_shares") == 5


def test_a_bad_manifest_fails_before_anything_is_swapped(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"])
    before = serving_tree(serving.parent)
    (tmp_path / "manifest.json").write_text("{not json")

    with pytest.raises(json.JSONDecodeError):
        publish_marts(
            warehouse, serving, "marts", ["fct_shares"], manifest_path=tmp_path / "manifest.json"
        )

    assert serving_tree(serving.parent) == before
