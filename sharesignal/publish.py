"""Publish audited marts to the serving database, atomically.

BI tools read `serving/marts.duckdb` and never the warehouse. The new version is written
to a temporary file beside it, flushed to disk, and renamed into place: a reader opens
either the old file or the new one, never a half-written one.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb


def publish_marts(
    warehouse_path: Path, serving_path: Path, schema: str, tables: list[str]
) -> dict[str, int]:
    """Copy `schema.<table>` for each table from the warehouse into a new serving file and
    swap it in. Returns the row count of each published table."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    staging_file = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        row_counts = _write_serving_file(warehouse_path, staging_file, schema, tables)
        _fsync(staging_file)
        os.replace(staging_file, serving_path)
        _fsync(serving_path.parent)
    finally:
        staging_file.unlink(missing_ok=True)
    return row_counts


def _write_serving_file(
    warehouse_path: Path, target: Path, schema: str, tables: list[str]
) -> dict[str, int]:
    con = duckdb.connect(str(target))
    try:
        con.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(warehouse_path)])
        for table in tables:
            con.execute(
                f'CREATE TABLE main."{table}" AS SELECT * FROM warehouse."{schema}"."{table}"'
            )
        row_counts = {
            table: con.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0]
            for table in tables
        }
        con.execute("DETACH warehouse")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return row_counts


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
