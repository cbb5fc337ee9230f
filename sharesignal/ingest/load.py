"""Loading one source's partition: prepare every file (several at once), then publish in one
transaction.

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

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from queue import SimpleQueue

import duckdb

from sharesignal.ingest import files
from sharesignal.ingest.batch import Batch, FileLoad
from sharesignal.ingest.formats import FORMATS, JsonExport, tables_of
from sharesignal.ingest.prepare import prepare_file
from sharesignal.ingest.tables import (
    CHECK,
    LOAD_LOG,
    RAW_TABLES,
    REJECTS,
    attach_scratch,
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
    attach_scratch(con)
    # A CSV export is a snapshot or the day's changes: the same content on another date
    # restates it (the catalog back as it was), so only events are deduplicated across
    # partitions.
    events = isinstance(FORMATS[source], JsonExport)
    seen = _loaded_elsewhere(con, source, partition_date) if events else {}
    # Files this partition loaded before come first, so a re-delivery under another name
    # never takes their place.
    before = _loaded_before(con, source, partition_date)
    paths = files.landing_files(landing_dir, source, partition_date)
    ordered = sorted(paths, key=lambda p: p.relative_to(landing_dir).as_posix() not in before)
    duplicates, to_prepare = [], []
    for path in ordered:
        source_file = path.relative_to(landing_dir).as_posix()
        sha256 = files.content_sha256(path)
        if sha256 in seen:
            duplicates.append(_duplicate(source_file, seen[sha256], sha256))
        else:
            seen[sha256] = source_file
            to_prepare.append((path, sha256))

    # DuckDB spreads a statement over row groups of 122,880 rows, and one file's working
    # tables are smaller than that, so a file is prepared on one core: files are prepared on
    # as many cursors at once as DuckDB has threads, each cursor with its own scratch tables.
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    cursors = [con.cursor() for _ in range(max(1, min(threads, len(to_prepare))))]
    batches: list[Batch] = []
    idle: SimpleQueue[Batch] = SimpleQueue()

    def prepare(path: Path, sha256: str) -> FileLoad:
        batch = idle.get()
        try:
            return replace(prepare_file(batch, path), file_sha256=sha256)
        finally:
            idle.put(batch)

    try:
        for number, cursor in enumerate(cursors):
            batches.append(
                _new_batch(cursor, source, partition_date, landing_dir, load_id, f"w{number}_")
            )
            idle.put(batches[-1])
        with ThreadPoolExecutor(len(batches)) as pool:
            futures = [pool.submit(prepare, path, sha256) for path, sha256 in to_prepare]
        prepared = [future.result() for future in futures]
        loads = sorted(prepared + duplicates, key=lambda load: load.source_file)
        _publish(con, batches, loads)
    finally:
        for batch in batches:
            for table in [*batch.scratch.values(), batch.rejects]:
                con.execute(f"DROP TABLE IF EXISTS {table}")
        for cursor in cursors:
            cursor.close()
    return loads


def _new_batch(
    con: duckdb.DuckDBPyConnection,
    source: str,
    partition_date: date,
    landing_dir: Path,
    load_id: str,
    prefix: str,
) -> Batch:
    return Batch(
        con=con,
        source=source,
        partition_date=partition_date,
        landing_dir=landing_dir,
        load_id=load_id,
        scratch={
            table: create_scratch_table(con, table, RAW_TABLES[table] + CHECK, prefix)
            for table in tables_of(source)
        },
        rejects=create_scratch_table(con, "_rejects", REJECTS, prefix),
    )


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


def _publish(con: duckdb.DuckDBPyConnection, batches: list[Batch], loads: list[FileLoad]) -> None:
    partition = batches[0]  # every batch is of the same source and date
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    log_rows = [
        (
            partition.load_id,
            partition.source,
            partition.partition_date,
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

    def union(tables: list[str]) -> str:
        return " UNION ALL BY NAME ".join(f"SELECT * FROM {table}" for table in tables)

    con.execute("BEGIN TRANSACTION")
    try:
        for table in partition.scratch:
            con.execute(
                f"DELETE FROM raw.{table} WHERE _partition_date = ?", [partition.partition_date]
            )
            # In file and line order, whichever cursor prepared a file.
            con.execute(
                f"INSERT INTO raw.{table} BY NAME SELECT * EXCLUDE (_reason, _record) "
                f"FROM ({union([batch.scratch[table] for batch in batches])}) "
                "ORDER BY _source_file, _line, _item"
            )
        con.execute(
            "DELETE FROM raw._rejects WHERE source = ? AND partition_date = ?",
            [partition.source, partition.partition_date],
        )
        con.execute(
            "INSERT INTO raw._rejects BY NAME "
            f"SELECT * FROM ({union([batch.rejects for batch in batches])}) "
            "ORDER BY source_file, line, item"
        )
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
