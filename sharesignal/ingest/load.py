"""Loading one source's partition: prepare every file, then publish in one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from sharesignal.ingest import files
from sharesignal.ingest.formats import FORMATS, tables_of
from sharesignal.ingest.prepare import DOCS_TABLE, Batch, FileLoad, prepare_file
from sharesignal.ingest.tables import RAW_TABLES, REJECTS, create_raw_tables, create_scratch_table


def ingest_partition(
    con: duckdb.DuckDBPyConnection,
    source: str,
    partition_date: date,
    landing_dir: Path,
    load_id: str,
) -> list[FileLoad]:
    """Load every file in `landing/<source>/<partition_date>/` into the source's raw tables.

    The source's rows and rejects for that partition are replaced in one transaction, so
    a re-run never duplicates and a failed run changes nothing. `raw._load_log` keeps one
    row per file and load (it is the history of loads, not replaced). A folder that does
    not exist loads as an empty partition.
    """
    if source not in FORMATS:
        raise ValueError(f"unknown source {source!r}; expected one of: {', '.join(FORMATS)}")
    create_raw_tables(con)
    batch = Batch(
        con=con,
        source=source,
        partition_date=partition_date,
        landing_dir=landing_dir,
        load_id=load_id,
        scratch={
            table: create_scratch_table(con, table, RAW_TABLES[table])
            for table in tables_of(source)
        },
        rejects=create_scratch_table(con, "_rejects", REJECTS),
    )
    try:
        paths = files.landing_files(landing_dir, source, partition_date)
        loads = [prepare_file(batch, path) for path in paths]
        _publish(batch, loads)
    finally:
        for table in [*batch.scratch.values(), batch.rejects, files.LINES_TABLE, DOCS_TABLE]:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return loads


def _publish(batch: Batch, loads: list[FileLoad]) -> None:
    con = batch.con
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    log_rows = [
        (
            batch.load_id,
            batch.source,
            batch.partition_date,
            load.source_file,
            files.sha256(batch.landing_dir / load.source_file),
            loaded_at,
            load.rows_read,
            load.rows_loaded,
            load.rows_rejected,
            load.status,
            load.message,
        )
        for load in loads
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        for table, scratch in batch.scratch.items():
            con.execute(
                f"DELETE FROM raw.{table} WHERE _partition_date = ?", [batch.partition_date]
            )
            con.execute(f"INSERT INTO raw.{table} SELECT * FROM {scratch}")
        con.execute(
            "DELETE FROM raw._rejects WHERE source = ? AND partition_date = ?",
            [batch.source, batch.partition_date],
        )
        con.execute(f"INSERT INTO raw._rejects SELECT * FROM {batch.rejects}")
        if log_rows:
            con.executemany(f"INSERT INTO raw._load_log VALUES ({', '.join('?' * 11)})", log_rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
