"""Loading one source's partition: prepare every file, then publish in one transaction.

Files are deduplicated on content (SHA-256 of the decompressed bytes), not on name: a
file whose content is already in this partition, or (for the JSON event sources) is
loaded in another partition of the source (by that partition's latest load), adds no rows;
its load log row says "duplicate of <file>". CSV exports are snapshots or the day's
changes, so the same content on another date is loaded again: it restates that state.
Within a partition the file its previous load loaded keeps its place, then name order
decides; across partitions the first delivery to be loaded wins. So re-delivering a file,
or re-running either partition, leaves the raw tables as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from sharesignal.ingest import files
from sharesignal.ingest.batch import Batch, FileLoad
from sharesignal.ingest.formats import FORMATS, JsonExport, tables_of
from sharesignal.ingest.prepare import TEMP_TABLES, prepare_file
from sharesignal.ingest.tables import (
    CHECK,
    LOAD_LOG,
    RAW_TABLES,
    REJECTS,
    create_raw_tables,
    create_scratch_table,
)


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
            table: create_scratch_table(con, table, RAW_TABLES[table] + CHECK)
            for table in tables_of(source)
        },
        rejects=create_scratch_table(con, "_rejects", REJECTS),
    )
    try:
        loads = []
        # A CSV export is a snapshot or the day's changes: the same content on another
        # date restates it (the catalog back as it was), so only events are deduplicated
        # across partitions.
        events = isinstance(FORMATS[source], JsonExport)
        seen = _loaded_elsewhere(con, source, partition_date) if events else {}
        # Files this partition loaded before come first, so a re-delivery under another
        # name never takes their place.
        before = _loaded_before(con, source, partition_date)
        paths = files.landing_files(landing_dir, source, partition_date)
        ordered = sorted(paths, key=lambda p: p.relative_to(landing_dir).as_posix() not in before)
        for path in ordered:
            source_file = path.relative_to(landing_dir).as_posix()
            sha256 = files.content_sha256(path)
            if sha256 in seen:
                loads.append(_duplicate(source_file, seen[sha256], sha256))
                continue
            seen[sha256] = source_file
            load = prepare_file(batch, path)
            loads.append(FileLoad(**(vars(load) | {"file_sha256": sha256})))
        loads.sort(key=lambda load: load.source_file)
        _publish(batch, loads)
    finally:
        for table in [*batch.scratch.values(), batch.rejects, *TEMP_TABLES]:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return loads


def _loaded_elsewhere(
    con: duckdb.DuckDBPyConnection, source: str, partition_date: date
) -> dict[str, str]:
    """sha256 -> file, for the files the latest load of every other partition loaded."""
    rows = con.execute(
        """
        WITH latest AS (
            SELECT partition_date, arg_max(load_id, loaded_at) AS load_id
            FROM raw._load_log WHERE source = $source AND partition_date <> $day
            GROUP BY partition_date
        )
        SELECT file_sha256, min(source_file)
        FROM raw._load_log JOIN latest USING (partition_date, load_id)
        WHERE source = $source AND status IN ('loaded', 'partial')
        GROUP BY file_sha256
        """,
        {"source": source, "day": partition_date},
    ).fetchall()
    return dict(rows)


def _loaded_before(con: duckdb.DuckDBPyConnection, source: str, partition_date: date) -> set[str]:
    """The files the latest load of this partition loaded."""
    rows = con.execute(
        """
        SELECT source_file FROM raw._load_log
        WHERE source = $source AND partition_date = $day AND status IN ('loaded', 'partial')
            AND load_id = (
                SELECT arg_max(load_id, loaded_at) FROM raw._load_log
                WHERE source = $source AND partition_date = $day
            )
        """,
        {"source": source, "day": partition_date},
    ).fetchall()
    return {file for (file,) in rows}


def _duplicate(source_file: str, original: str, sha256: str) -> FileLoad:
    message = (
        f"{source_file}: duplicate of {original} (same content); nothing loaded from it. "
        "Remove it from the landing folder if it was delivered by mistake"
    )
    return FileLoad(source_file, 0, 0, 0, "duplicate", message, file_sha256=sha256)


def _publish(batch: Batch, loads: list[FileLoad]) -> None:
    con = batch.con
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    log_rows = [
        (
            batch.load_id,
            batch.source,
            batch.partition_date,
            load.source_file,
            load.file_sha256,
            loaded_at,
            load.rows_read,
            load.rows_loaded,
            load.rows_rejected,
            load.status,
            load.message,
            list(load.new_fields),
        )
        for load in loads
    ]
    log_columns = ", ".join(f'"{name}"' for name, _ in LOAD_LOG)
    con.execute("BEGIN TRANSACTION")
    try:
        for table, scratch in batch.scratch.items():
            con.execute(
                f"DELETE FROM raw.{table} WHERE _partition_date = ?", [batch.partition_date]
            )
            con.execute(
                f"INSERT INTO raw.{table} BY NAME SELECT * EXCLUDE (_reason, _record) "
                f"FROM {scratch}"
            )
        con.execute(
            "DELETE FROM raw._rejects WHERE source = ? AND partition_date = ?",
            [batch.source, batch.partition_date],
        )
        con.execute(f"INSERT INTO raw._rejects BY NAME SELECT * FROM {batch.rejects}")
        if log_rows:
            con.executemany(
                f"INSERT INTO raw._load_log ({log_columns}) "
                f"VALUES ({', '.join('?' * len(LOAD_LOG))})",
                log_rows,
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
