"""BI readers and publications side by side: readers querying the serving file in a loop
while the pipeline publishes new versions see no error and never a mixed version; and
`sharesignal.serving.connect`, which readers open the file with, opens again when a version
was swapped in while it was opening, and only then."""

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import no_gates

from sharesignal import serving
from sharesignal.publish import publish_marts

READERS = 8
PUBLICATIONS = 5
ROWS_PER_VERSION = 300_000
TABLES = ["version_marker", "fct_shares"]

# A reader: open the file read-only, read the version marker and the fact table in one
# connection, check they belong together, close; until the stop file appears. Prints what it
# saw as JSON.
READER = """
import json, sys, time
from pathlib import Path
from sharesignal.serving import connect

serving, stop, rows_per_version = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
queries, errors, versions = 0, [], set()
while not stop.exists():
    try:
        con = connect(serving)
        try:
            version = con.execute("select version from version_marker").fetchone()[0]
            shares = con.execute("select count(*) from fct_shares").fetchone()[0]
        finally:
            con.close()
        if shares != rows_per_version * (version + 1):
            errors.append(f"version {version} with {shares} shares: a mixed file")
        versions.add(version)
        queries += 1
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
print(json.dumps({"queries": queries, "errors": errors[:5], "error_count": len(errors),
                  "versions": sorted(versions)}))
"""


def make_warehouse(path: Path, version: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.version_marker AS SELECT ? AS version", [version])
    con.execute(
        "CREATE TABLE marts.fct_shares AS SELECT md5(range::varchar) AS share_id FROM range(?)",
        [ROWS_PER_VERSION * (version + 1)],
    )
    con.close()


def test_readers_see_no_error_and_whole_versions_while_versions_are_published(tmp_path):
    serving = tmp_path / "serving" / "marts.duckdb"
    stop = tmp_path / "stop"
    warehouses = [tmp_path / f"warehouse-{v}.duckdb" for v in range(PUBLICATIONS + 1)]
    for version, warehouse in enumerate(warehouses):
        make_warehouse(warehouse, version)
    publish_marts(warehouses[0], serving, "marts", TABLES, audit=no_gates)

    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(serving), str(stop), str(ROWS_PER_VERSION)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(READERS)
    ]
    try:
        time.sleep(1.0)  # every reader is in its loop before the first swap
        for warehouse in warehouses[1:]:
            publish_marts(warehouse, serving, "marts", TABLES, audit=no_gates)
            time.sleep(0.3)
    finally:
        stop.touch()
        outputs = [json.loads(reader.communicate(timeout=60)[0]) for reader in readers]

    assert all(out["error_count"] == 0 for out in outputs), [o["errors"] for o in outputs]
    assert all(out["queries"] > 0 for out in outputs)
    # The readers really overlapped the publications: together they saw old and new versions.
    seen = {version for out in outputs for version in out["versions"]}
    assert {0, PUBLICATIONS} <= seen and len(seen) >= 3, seen


@pytest.mark.parametrize(
    "open_fails", [True, False], ids=["the open fails", "the open succeeds with a mix"]
)
def test_connect_opens_again_when_a_version_is_swapped_in_while_it_opens(
    tmp_path, monkeypatch, open_fails
):
    serving_path, attempts = _two_versions(tmp_path)
    real_connect = duckdb.connect

    def swap_during_first_open(path, read_only=False, **options):
        if not read_only:  # the publication's own writes
            return real_connect(path, read_only=read_only, **options)
        attempts.append(path)
        if len(attempts) > 1:
            return real_connect(path, read_only=read_only)
        con = None if open_fails else real_connect(path, read_only=read_only)
        publish_marts(
            tmp_path / "warehouse-1.duckdb", serving_path, "marts", TABLES, audit=no_gates
        )
        if open_fails:
            raise duckdb.IOException("IO Error: Metadata block index 191 exceeds count 64")
        return con

    monkeypatch.setattr(duckdb, "connect", swap_during_first_open)
    con = serving.connect(serving_path)
    assert con.execute("select version from version_marker").fetchone()[0] == 1
    con.close()
    assert len(attempts) == 2


def test_connect_raises_at_once_when_no_version_was_swapped_in(tmp_path, monkeypatch):
    broken = tmp_path / "marts.duckdb"
    broken.write_bytes(b"not a database" * 1000)
    attempts = []
    real_connect = duckdb.connect

    def counted(path, read_only=False):
        attempts.append(path)
        return real_connect(path, read_only=read_only)

    monkeypatch.setattr(duckdb, "connect", counted)
    with pytest.raises(duckdb.Error):
        serving.connect(broken)
    assert len(attempts) == 1


def _two_versions(tmp_path: Path) -> tuple[Path, list]:
    """A serving file holding version 0, and a warehouse with version 1 ready to publish."""
    serving_path = tmp_path / "serving" / "marts.duckdb"
    for version in (0, 1):
        make_warehouse(tmp_path / f"warehouse-{version}.duckdb", version)
    publish_marts(tmp_path / "warehouse-0.duckdb", serving_path, "marts", TABLES, audit=no_gates)
    return serving_path, []
