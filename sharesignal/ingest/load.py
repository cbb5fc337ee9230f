"""Loading one source's partition: prepare every file (several at once), then publish in one
transaction.

Files are deduplicated on content (SHA-256 of the decompressed bytes), not on name: a
file whose content is already in this partition, or (for the JSON event sources) is
loaded in another partition of the source (by that partition's latest load), adds no rows;
its load log row says "duplicate of <file>". CSV exports are snapshots or the day's
changes, so the same content on another date is loaded again: it restates that state.
Within a partition the file its previous load loaded keeps its place, then name order
decides; across partitions the first delivery to be loaded wins while it is still in its
folder (a file moved to the right date folder loads there). So re-delivering a file, or
re-running either partition, leaves the raw tables as they are.

Every entry of the folder gets one load-log row: a link, a subfolder or an unfinished name
is `skipped` (landing.py), a file that changes while it is read is `deferred` to the next
run, and a folder emptied since its last load gets an `empty` row as its rows go.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from queue import SimpleQueue

import duckdb

from sharesignal.config import DEFAULT_LANDING_IGNORE
from sharesignal.ingest import files
from sharesignal.ingest.batch import Batch, FileLoad, reject_file, unreadable
from sharesignal.ingest.formats import FORMATS, JsonExport, tables_of
from sharesignal.ingest.landing import Skipped, date_folder, landing_entries
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
    ignore: tuple[str, ...] = DEFAULT_LANDING_IGNORE,
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
    seen = _loaded_elsewhere(con, source, partition_date, landing_dir) if events else {}
    # Files this partition loaded before come first, so a re-delivery under another name
    # never takes their place.
    before = _loaded_before(con, source, partition_date)
    paths, skipped = landing_entries(landing_dir, source, partition_date, ignore)
    ordered = sorted(paths, key=lambda p: p.relative_to(landing_dir).as_posix() not in before)
    not_read = [_skipped(entry, landing_dir) for entry in skipped]
    to_prepare = []
    for path in ordered:
        source_file = path.relative_to(landing_dir).as_posix()
        before_read = _identity(path)
        scan = files.scan(path)
        if original := seen.get(scan.sha256):
            not_read.append(_duplicate(source_file, original, scan.sha256))
        else:
            seen[scan.sha256] = source_file
            to_prepare.append((path, scan, before_read))
    if not paths and not skipped and _loaded_at_all(con, source, partition_date):
        not_read.append(_emptied(landing_dir, source, partition_date))

    # DuckDB spreads a statement over row groups of 122,880 rows, and one file's working
    # tables are smaller than that, so a file is prepared on one core: files are prepared on
    # as many cursors at once as DuckDB has threads, each cursor with its own scratch tables.
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    cursors = [con.cursor() for _ in range(max(1, min(threads, len(to_prepare))))]
    batches: list[Batch] = []
    idle: SimpleQueue[Batch] = SimpleQueue()

    def prepare(path: Path, scan: files.Scan, before_read: tuple[int, ...]) -> FileLoad:
        batch = idle.get()
        source_file = path.relative_to(landing_dir).as_posix()
        try:
            try:
                load = prepare_file(batch, path, scan)
            except duckdb.Error as error:
                # Whatever DuckDB could not take from this file, the other files still load.
                _forget(batch, source_file)
                load = reject_file(batch, path, source_file, 0, unreadable(source_file, error))
            if _identity(path) != before_read:
                return _defer(batch, source_file, scan.sha256)
            return replace(load, file_sha256=scan.sha256)
        finally:
            idle.put(batch)

    try:
        for number, cursor in enumerate(cursors):
            batches.append(
                _new_batch(cursor, source, partition_date, landing_dir, load_id, f"w{number}_")
            )
            idle.put(batches[-1])
        with ThreadPoolExecutor(len(batches)) as pool:
            futures = [pool.submit(prepare, *arguments) for arguments in to_prepare]
        prepared = [future.result() for future in futures]
        loads = sorted(prepared + not_read, key=lambda load: load.source_file)
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


def _identity(path: Path) -> tuple[int, ...] | None:
    """What changes when a file is written to, replaced or removed."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def _forget(batch: Batch, source_file: str) -> None:
    """Take back the rows and rejects a file put in the batch's scratch tables."""
    for table in batch.scratch.values():
        batch.con.execute(f"DELETE FROM {table} WHERE _source_file = ?", [source_file])
    batch.con.execute(f"DELETE FROM {batch.rejects} WHERE source_file = ?", [source_file])


def _defer(batch: Batch, source_file: str, sha256: str) -> FileLoad:
    """A file that changed while it was read: its rows are of no one version of it."""
    _forget(batch, source_file)
    message = (
        f"{source_file}: changed while it was read (still being written?); nothing loaded "
        "from it, it is read on the next run of the partition"
    )
    return FileLoad(source_file, 0, 0, 0, "deferred", message, file_sha256=sha256)


def _skipped(entry: Skipped, landing_dir: Path) -> FileLoad:
    source_file = entry.path.relative_to(landing_dir).as_posix()
    if entry.path.is_dir() and not entry.path.is_symlink():
        source_file += "/"
    return FileLoad(source_file, 0, 0, 0, "skipped", f"{source_file}: {entry.reason}")


def _emptied(landing_dir: Path, source: str, partition_date: date) -> FileLoad:
    folder = date_folder(landing_dir, source, partition_date).relative_to(landing_dir)
    message = (
        f"{folder.as_posix()}/: no export files now; the rows its earlier loads left in raw "
        "are removed"
    )
    return FileLoad(f"{folder.as_posix()}/", 0, 0, 0, "empty", message)


def _loaded_at_all(con: duckdb.DuckDBPyConnection, source: str, partition_date: date) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM raw._load_log WHERE source = ? AND partition_date = ?",
            [source, partition_date],
        ).fetchone()[0]
    )


def _loaded_elsewhere(
    con: duckdb.DuckDBPyConnection, source: str, partition_date: date, landing_dir: Path
) -> dict[str, str]:
    """sha256 -> file, for the files the latest load of every other partition loaded and
    that are still in their folders (a file moved away is loaded where it is now)."""
    rows = con.execute(
        """
        WITH latest AS (
            SELECT partition_date, arg_max(load_id, loaded_at) AS load_id
            FROM raw._load_log WHERE source = $source AND partition_date <> $day
            GROUP BY partition_date
        )
        SELECT DISTINCT file_sha256, source_file
        FROM raw._load_log JOIN latest USING (partition_date, load_id)
        WHERE source = $source AND status IN ('loaded', 'partial')
        ORDER BY source_file DESC
        """,
        {"source": source, "day": partition_date},
    ).fetchall()
    # In reverse name order, so that the first file of a content is the one kept.
    return {sha256: file for sha256, file in rows if (landing_dir / file).is_file()}


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
