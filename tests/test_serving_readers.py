"""BI readers and publications side by side: readers querying the serving file in a loop
while the pipeline publishes new versions see no error and never a mixed version."""

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from sharesignal.publish import publish_marts

READERS = 8
PUBLICATIONS = 5
ROWS_PER_VERSION = 300_000

# A reader: open the file read-only, read the version marker and the fact table in one
# connection, check they belong together, close; until the stop file appears. Prints what it
# saw as JSON.
READER = """
import json, sys, time
from pathlib import Path
import duckdb

serving, stop, rows_per_version = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
queries, errors, versions = 0, [], set()
while not stop.exists():
    try:
        con = duckdb.connect(str(serving), read_only=True)
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
    tables = ["version_marker", "fct_shares"]
    publish_marts(warehouses[0], serving, "marts", tables)

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
            publish_marts(warehouse, serving, "marts", tables)
            time.sleep(0.3)
    finally:
        stop.touch()
        outputs = [json.loads(reader.communicate(timeout=60)[0]) for reader in readers]

    assert all(out["error_count"] == 0 for out in outputs), [o["errors"] for o in outputs]
    assert all(out["queries"] > 0 for out in outputs)
    # The readers really overlapped the publications: together they saw old and new versions.
    seen = {version for out in outputs for version in out["versions"]}
    assert {0, PUBLICATIONS} <= seen and len(seen) >= 3, seen
