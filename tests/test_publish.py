"""Publishing swaps the serving file and its Parquet copies atomically, keeps the previous
versions, records the publication and carries the dbt docs; a failure leaves the last good
version untouched."""

import json
import signal
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from helpers import no_gates

from sharesignal.publish import GateFailed, Publication, SuiteOutcome, publish_marts
from sharesignal.serving import parquet_files


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

    counts = publish_marts(
        warehouse, serving, "marts", ["fct_shares", "dim_content"], audit=no_gates
    )

    assert counts == {"fct_shares": 5, "dim_content": 1}
    assert published_rows(serving, "fct_shares") == 5
    parquet = serving.parent / "parquet"
    [folder] = [p.name for p in parquet.iterdir() if p.is_dir()]
    # The first publication replaces nothing: no versions yet, and no temporary files.
    assert sorted(p.name for p in serving.parent.iterdir()) == ["marts.duckdb", "parquet"]
    assert sorted(p.name for p in parquet.iterdir()) == sorted(["current.json", folder])


def test_the_published_marts_keep_their_not_null_columns(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fct_shares (share_id VARCHAR NOT NULL, content_id VARCHAR)")
    con.execute("INSERT INTO marts.fct_shares VALUES ('x:1', NULL), ('x:2', 'c1')")
    con.close()

    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)

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

    publish_marts(tmp_path / "v1.duckdb", serving, "marts", ["fct_shares"], audit=no_gates)
    publish_marts(tmp_path / "v2.duckdb", serving, "marts", ["fct_shares"], audit=no_gates)

    assert published_rows(serving, "fct_shares") == 8


def test_previous_versions_are_kept_and_pruned_to_the_newest_n(tmp_path):
    serving = tmp_path / "serving" / "marts.duckdb"
    for shares in range(1, 7):  # six publications, of 1 … 6 shares
        make_warehouse(tmp_path / f"v{shares}.duckdb", shares=shares)
        publish_marts(
            tmp_path / f"v{shares}.duckdb",
            serving,
            "marts",
            ["fct_shares"],
            keep_versions=3,
            audit=no_gates,
        )

    versions = sorted((serving.parent / "versions").iterdir())
    assert [v.name.startswith("marts-") and v.suffix == ".duckdb" for v in versions] == [True] * 3
    # The three files replaced last, oldest first: publications 3, 4 and 5.
    assert [published_rows(v, "fct_shares") for v in versions] == [3, 4, 5]
    assert published_rows(serving, "fct_shares") == 6

    make_warehouse(tmp_path / "v7.duckdb", shares=7)
    publish_marts(
        tmp_path / "v7.duckdb", serving, "marts", ["fct_shares"], keep_versions=1, audit=no_gates
    )
    versions = sorted((serving.parent / "versions").iterdir())
    assert [published_rows(v, "fct_shares") for v in versions] == [6]


def test_the_publication_table_records_when_what_and_which_code(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publication = Publication(
        first_partition=date(2026, 10, 5), last_partition=date(2026, 10, 6), code_version="0123abc"
    )
    outcomes = [SuiteOutcome("fct_shares", True, 12), SuiteOutcome("dim_content", True, None)]

    publish_marts(
        warehouse,
        serving,
        "marts",
        ["fct_shares", "dim_content"],
        publication=publication,
        audit=lambda candidate: outcomes,
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
    manifest = json.loads((serving.parent / "parquet" / "current.json").read_text())
    assert folder == f"parquet/{manifest['folder']}"


def test_without_a_publication_the_code_version_is_still_recorded(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=2)

    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)

    [(code,)] = query(serving, "SELECT code_version FROM _publication")
    assert code  # the git commit of this checkout, or the package version


def test_parquet_copies_hold_one_file_per_mart_with_the_same_rows(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)
    make_warehouse(tmp_path / "v2.duckdb", shares=9)

    counts = publish_marts(
        tmp_path / "v2.duckdb", serving, "marts", ["fct_shares", "dim_content"], audit=no_gates
    )

    files = parquet_files(serving.parent / "parquet")
    assert sorted(p.name for p in files["fct_shares"].parent.iterdir()) == [
        "dim_content.parquet",
        "fct_shares.parquet",
    ]
    con = duckdb.connect()
    in_files = {
        mart: con.execute("SELECT count(*) FROM read_parquet(?)", [str(p)]).fetchone()[0]
        for mart, p in files.items()
    }
    assert in_files == counts == {"fct_shares": 9, "dim_content": 1}


@pytest.mark.parametrize("keep", [0, 1, 3])
def test_parquet_folders_are_kept_as_many_as_the_versions_and_at_least_one(tmp_path, keep):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    parquet = serving.parent / "parquet"
    folders = []
    for _ in range(5):
        publish_marts(
            warehouse, serving, "marts", ["fct_shares"], keep_versions=keep, audit=no_gates
        )
        folders.append(json.loads((parquet / "current.json").read_text())["folder"])

    kept = sorted(p.name for p in parquet.iterdir() if p.is_dir())
    assert kept == folders[-1 - max(keep, 1) :]


def test_tables_and_columns_carry_the_dbt_descriptions(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    manifest = make_manifest(tmp_path / "manifest.json")

    publish_marts(
        warehouse,
        serving,
        "marts",
        ["fct_shares", "dim_content"],
        manifest_path=manifest,
        audit=no_gates,
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

    publish_marts(
        warehouse, serving, "marts", ["fct_shares"], manifest_path=manifest, audit=no_gates
    )

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
    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)
    publish_marts(
        warehouse, serving, "marts", ["fct_shares"], audit=no_gates
    )  # so that a version exists
    before = serving_tree(serving.parent)
    assert any(name.startswith("versions/") for name in before)

    with pytest.raises(duckdb.CatalogException):
        publish_marts(warehouse, serving, "marts", ["fct_shares", "no_such_mart"], audit=no_gates)

    assert serving_tree(serving.parent) == before
    assert published_rows(serving, "fct_shares") == 5


def test_a_bad_manifest_fails_before_anything_is_swapped(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)
    before = serving_tree(serving.parent)
    (tmp_path / "manifest.json").write_text("{not json")

    with pytest.raises(json.JSONDecodeError):
        publish_marts(
            warehouse,
            serving,
            "marts",
            ["fct_shares"],
            manifest_path=tmp_path / "manifest.json",
            audit=no_gates,
        )

    assert serving_tree(serving.parent) == before


def make_version(path: Path, version: int) -> None:
    """A warehouse whose every mart row says which version it is."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.fct_shares AS SELECT range AS share_id, ? AS version FROM range(5)",
        [version],
    )
    con.execute("CREATE TABLE marts.dim_content AS SELECT 1 AS content_id, ? AS version", [version])
    con.close()


def versions_in(files: dict[str, Path]) -> dict[str, list[int]]:
    con = duckdb.connect()
    return {
        mart: [
            v
            for (v,) in con.execute(
                "SELECT DISTINCT version FROM read_parquet(?)", [str(p)]
            ).fetchall()
        ]
        for mart, p in files.items()
    }


def test_a_parquet_reader_that_read_the_manifest_before_a_publication_reads_one_version(
    tmp_path,
):
    serving = tmp_path / "serving" / "marts.duckdb"
    parquet = serving.parent / "parquet"
    for version in (1, 2, 3):
        make_version(tmp_path / f"v{version}.duckdb", version)
    publish_marts(
        tmp_path / "v1.duckdb",
        serving,
        "marts",
        ["fct_shares", "dim_content"],
        keep_versions=0,
        audit=no_gates,
    )

    files = parquet_files(parquet)  # the reader opens the manifest, then reads file by file
    first = versions_in({"fct_shares": files["fct_shares"]})
    publish_marts(
        tmp_path / "v2.duckdb",
        serving,
        "marts",
        ["fct_shares", "dim_content"],
        keep_versions=0,
        audit=no_gates,
    )

    assert first == {"fct_shares": [1]}
    assert versions_in(files) == {"fct_shares": [1], "dim_content": [1]}
    assert versions_in(parquet_files(parquet)) == {"fct_shares": [2], "dim_content": [2]}


def test_the_manifest_never_names_files_of_two_publications(tmp_path, monkeypatch):
    serving = tmp_path / "serving" / "marts.duckdb"
    parquet = serving.parent / "parquet"
    for version in (1, 2, 3):
        make_version(tmp_path / f"v{version}.duckdb", version)
    publish_marts(
        tmp_path / "v1.duckdb", serving, "marts", ["fct_shares", "dim_content"], audit=no_gates
    )
    # Publication 2 fails after its Parquet folder is in place, before the swap.
    with monkeypatch.context() as patch:
        patch.setattr("sharesignal.publish._keep_version", lambda *args: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            publish_marts(
                tmp_path / "v2.duckdb",
                serving,
                "marts",
                ["fct_shares", "dim_content"],
                audit=no_gates,
            )
    assert versions_in(parquet_files(parquet)) == {"fct_shares": [1], "dim_content": [1]}

    # Publication 3 publishes one mart only: the manifest names that one, not the old other.
    publish_marts(tmp_path / "v3.duckdb", serving, "marts", ["fct_shares"], audit=no_gates)

    files = parquet_files(parquet)
    assert versions_in(files) == {"fct_shares": [3]}
    assert sorted(files["fct_shares"].parent.iterdir()) == [files["fct_shares"]]
    [(folder,)] = query(serving, "SELECT parquet_folder FROM _publication")
    assert files["fct_shares"].parent == serving.parent / folder


def test_a_home_with_the_old_parquet_symlink_gets_the_manifest(tmp_path):
    serving = tmp_path / "serving" / "marts.duckdb"
    old_folder = serving.parent / "parquet-20261001T000000000000Z-0123abcd"
    old_folder.mkdir(parents=True)
    (old_folder / "fct_shares.parquet").write_bytes(b"old")
    (serving.parent / "parquet").symlink_to(old_folder.name)
    make_version(tmp_path / "v1.duckdb", 1)

    publish_marts(tmp_path / "v1.duckdb", serving, "marts", ["fct_shares"], audit=no_gates)

    assert not (serving.parent / "parquet").is_symlink()
    assert not old_folder.exists()
    assert versions_in(parquet_files(serving.parent / "parquet")) == {"fct_shares": [1]}


def unique_share_ids(candidate: Path) -> list[SuiteOutcome]:
    """A gate: the share ids of `marts.fct_shares` are unique."""
    with duckdb.connect(str(candidate), read_only=True) as con:
        [(duplicates,)] = con.execute(
            "SELECT count(*) - count(DISTINCT share_id) FROM marts.fct_shares"
        ).fetchall()
    return [SuiteOutcome("fct_shares", duplicates == 0, 1)]


def test_a_warehouse_change_after_the_gates_is_audited_before_anything_is_published(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=unique_share_ids)
    before = serving_tree(serving.parent)
    # The run's gates pass on the warehouse; then another writer duplicates shares in it.
    assert unique_share_ids(warehouse)[0].passed
    with duckdb.connect(str(warehouse)) as con:
        con.execute("INSERT INTO marts.fct_shares SELECT * FROM marts.fct_shares")

    with pytest.raises(GateFailed, match="fct_shares"):
        publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=unique_share_ids)

    assert serving_tree(serving.parent) == before
    assert published_rows(serving, "fct_shares") == 5


def test_a_warehouse_change_while_the_copy_is_audited_is_not_published(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)

    def writer_then_gate(candidate: Path) -> list[SuiteOutcome]:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("INSERT INTO marts.fct_shares SELECT * FROM marts.fct_shares")
        return unique_share_ids(candidate)

    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=writer_then_gate)

    assert published_rows(serving, "fct_shares") == 5
    assert query(serving, "SELECT count(DISTINCT share_id) FROM fct_shares") == [(5,)]
    [(suites,)] = query(serving, "SELECT suite_results FROM _publication")
    assert suites == [{"mart": "fct_shares", "passed": True, "expectations_evaluated": 1}]
    [parquet] = parquet_files(serving.parent / "parquet").values()
    in_parquet = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)])
    assert in_parquet.fetchone() == (5,)


def test_the_gates_read_the_marts_and_their_inputs_in_the_candidate_only(tmp_path):
    """What the gates may read besides the marts is copied beside them, and dropped before
    the file is published."""
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw._load_log AS SELECT 'x' AS source, 7 AS rows_loaded")
    seen = []

    def gate(candidate: Path) -> list[SuiteOutcome]:
        with duckdb.connect(str(candidate), read_only=True) as con:
            seen.append(con.execute("SELECT rows_loaded FROM raw._load_log").fetchall())
            seen.append(con.execute("SELECT count(*) FROM marts.fct_shares").fetchall())
        return [SuiteOutcome("fct_shares", True, 2)]

    publish_marts(
        warehouse,
        serving,
        "marts",
        ["fct_shares"],
        audit=gate,
        audit_inputs=[("raw", "_load_log"), ("child", "share_id")],
    )

    assert seen == [[(7,)], [(5,)]]
    assert query(
        serving, "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()"
    ) == [("main",)]
    assert sorted(query(serving, "SELECT table_name FROM duckdb_tables()")) == [
        ("_publication",),
        ("fct_shares",),
    ]


def test_the_published_file_is_read_only(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)
    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)

    assert stat.S_IMODE(serving.stat().st_mode) == 0o444
    [version] = (serving.parent / "versions").iterdir()
    assert stat.S_IMODE(version.stat().st_mode) == 0o444


# A reader that forgot read_only and could write the file anyway (root, or its owner after a
# chmod): it writes, then is killed before its WAL is checkpointed.
KILLED_WRITER = """
import os, signal, sys
import duckdb
os.chmod(sys.argv[1], 0o644)
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE scratch AS SELECT range AS x FROM range(1000)")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_read_write_readers_wal_does_not_break_readers_after_later_publications(
    tmp_path,
):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    publish_marts(warehouse, serving, "marts", ["fct_shares"], audit=no_gates)
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(serving)])
    assert killed.returncode == -signal.SIGKILL
    wal = serving.with_name("marts.duckdb.wal")
    assert wal.exists()

    for shares in (6, 7, 8):
        make_warehouse(tmp_path / f"v{shares}.duckdb", shares=shares)
        publish_marts(
            tmp_path / f"v{shares}.duckdb", serving, "marts", ["fct_shares"], audit=no_gates
        )

        assert not wal.exists()
        assert published_rows(serving, "fct_shares") == shares


def test_a_writer_between_the_gates_and_the_copy_cannot_publish_unaudited_rows(
    tmp_path, monkeypatch
):
    """The publish step with the real suites, on marts that pass every one of them
    (test_data_quality's good marts): it publishes them once; then, after the run's checks,
    as the step starts, another writer duplicates a share in the warehouse."""
    from dagster import materialize
    from test_data_quality import _warehouse

    from data_quality import MART_SUITES
    from orchestration import publish as publish_step
    from orchestration.resources import Warehouse

    home = tmp_path / "home"
    home.mkdir()
    warehouse = _warehouse(home)
    monkeypatch.setenv("SHARESIGNAL_HOME", str(home))
    resources = {"warehouse": Warehouse(path=str(warehouse))}
    assert materialize([publish_step.published_marts], resources=resources).success
    published = home / "serving" / "marts.duckdb"
    [(suites,)] = query(published, "SELECT suite_results FROM _publication")
    assert suites == [
        {"mart": mart, "passed": True, "expectations_evaluated": len(suite.expectations)}
        for mart, suite in MART_SUITES.items()
    ]
    before = published_rows(published, "fct_shares")
    covered = publish_step.partitions_covered

    def covered_then_a_writer(warehouse_resource):
        with duckdb.connect(str(warehouse)) as con:
            con.execute("INSERT INTO marts.fct_shares SELECT * FROM marts.fct_shares LIMIT 1")
        return covered(warehouse_resource)

    monkeypatch.setattr(publish_step, "partitions_covered", covered_then_a_writer)

    result = materialize([publish_step.published_marts], resources=resources, raise_on_error=False)

    assert not result.success
    assert published_rows(published, "fct_shares") == before
    failure = result.failure_data_for_node("serving__published_marts").error.to_string()
    assert "GateFailed: failed on the copy to publish: fct_shares" in failure
    # The audit's report of that run names the duplicate the gates never saw.
    report = home / "quality" / "runs" / result.run_id / "publish_audit.fct_shares.html"
    assert "marts.fct_shares: suite fct_shares failed" in report.read_text()
    holder = (home / "writer.lock").read_text()
    assert holder.startswith(f"publish (run {result.run_id})")


def test_a_folder_a_killed_publication_left_is_deleted_and_never_kept_as_previous(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "marts.duckdb"
    make_warehouse(warehouse, shares=5)
    parquet = serving.parent / "parquet"

    def publish() -> str:
        publish_marts(warehouse, serving, "marts", ["fct_shares"], keep_versions=1, audit=no_gates)
        return json.loads((parquet / "current.json").read_text())["folder"]

    publish()
    second = publish()
    # Killed after moving its folder into place, before the swap: no manifest names it.
    orphan = parquet / f"{second[:-8]}ffffffff"  # sorts between the second and the third
    orphan.mkdir()
    (orphan / "fct_shares.parquet").write_bytes(b"never published")

    third = publish()

    assert sorted(p.name for p in parquet.iterdir() if p.is_dir()) == sorted([second, third])
