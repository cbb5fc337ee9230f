"""One source's partition being prepared (`Batch`) and what happened to each file
(`FileLoad`, one row of `raw._load_log`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb

from sharesignal.ingest import files, rules

# `empty`: a folder with no files, whose earlier rows are removed; `deferred`: a file that
# changed while it was read, left for the next run; `skipped`: an entry that is not read
# (a link, a subfolder, an unfinished name), with the reason.
Status = Literal["loaded", "partial", "rejected", "duplicate", "empty", "deferred", "skipped"]


@dataclass(frozen=True)
class FileLoad:
    """What happened to one landing file. `rows_read = rows_loaded + rows_rejected`."""

    source_file: str  # relative to the landing dir
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    status: Status
    message: str
    # `<raw table>.<field>` of every field the file delivered that no declaration names;
    # kept in the table's `_extra` column.
    new_fields: tuple[str, ...] = ()
    file_sha256: str = ""  # of the content (decompressed for .gz)


@dataclass(frozen=True)
class Batch:
    """One source's partition being prepared: where its rows and rejects go."""

    con: duckdb.DuckDBPyConnection
    source: str
    partition_date: date
    landing_dir: Path
    load_id: str
    scratch: dict[str, str]  # raw table -> scratch table
    rejects: str  # scratch table for raw._rejects

    def lineage(self, source_file: str) -> dict[str, object]:
        return {
            "load_id": self.load_id,
            "partition_date": self.partition_date,
            "source_file": source_file,
        }


@dataclass(frozen=True)
class Settled:
    loaded: int
    new_fields: list[str]
    notes: list[str]


def settle(batch: Batch, table: str, source_file: str) -> Settled:
    """Move the file's records that broke a rule from the table's scratch into the rejects;
    count what stays, name its new fields and count its notes."""
    con, scratch = batch.con, batch.scratch[table]
    lineage = batch.lineage(source_file) | {"source": batch.source}
    con.execute(
        f"""
        INSERT INTO {batch.rejects}
        SELECT $load_id, $source, $partition_date, $source_file, _line, _item, _reason,
            encode(_record)
        FROM {scratch} WHERE _source_file = $source_file AND _reason IS NOT NULL
        ORDER BY _line, _item
        """,
        lineage,
    )
    con.execute(
        f"DELETE FROM {scratch} WHERE _source_file = ? AND _reason IS NOT NULL", [source_file]
    )
    notes = [f"count_if({note.condition})" for note in rules.NOTES.get(table, ())]
    loaded, fields, *counts = con.execute(
        f"""
        SELECT count(*),
            list_sort(list_distinct(flatten(list(json_keys(_extra)) FILTER (_extra IS NOT NULL)))),
            {", ".join(notes) or "NULL"}
        FROM {scratch} WHERE _source_file = ?
        """,
        [source_file],
    ).fetchone()
    return Settled(
        loaded,
        [f"{table}.{field}" for field in fields or []],
        [
            f"{count} {table} records with {note.note}"
            for note, count in zip(rules.NOTES.get(table, ()), counts, strict=False)
            if count
        ],
    )


def reject_file(
    batch: Batch, path: Path, source_file: str, rows_read: int, reason: str
) -> FileLoad:
    """The whole file in the rejects, as delivered, with one reason."""
    batch.con.execute(
        f"INSERT INTO {batch.rejects} "
        "SELECT $load_id, $source, $partition_date, $source_file, NULL, NULL, $reason, content "
        "FROM read_blob($path)",
        batch.lineage(source_file)
        | {"source": batch.source, "reason": reason, "path": files.sql_path(path)},
    )
    return FileLoad(source_file, rows_read, 0, rows_read, "rejected", reason)


def unreadable(source_file: str, error: duckdb.Error) -> str:
    return (
        f"{source_file}: cannot be read ({files.error_summary(error)}); "
        "re-deliver an intact copy, then re-run the partition"
    )


def outcome(
    batch: Batch,
    source_file: str,
    loaded: int,
    unit: str,
    notes: list[str],
    new_fields: list[str],
) -> FileLoad:
    """The FileLoad of a file read row by row, once its rows and rejects are in scratch."""
    rejected, first = batch.con.execute(
        f"SELECT count(*), arg_min(format('line {{}}: {{}}', line, reason), (line, item)) "
        f"FROM {batch.rejects} WHERE source_file = ?",
        [source_file],
    ).fetchone()
    read = loaded + rejected
    if rejected and not loaded:
        reason = f"{source_file}: all {read} {unit} rejected, e.g. {first}"
        return FileLoad(source_file, read, 0, rejected, "rejected", reason, tuple(new_fields))
    parts = [f"{loaded} {unit} loaded"]
    if rejected:
        parts.append(f"{rejected} of {read} rejected (reasons in raw._rejects)")
    if new_fields:
        parts.append(f"new fields kept in _extra: {', '.join(new_fields)}")
    parts += notes
    status: Status = "loaded" if rejected == 0 else "partial" if loaded else "rejected"
    return FileLoad(
        source_file, read, loaded, rejected, status, "; ".join(parts), tuple(new_fields)
    )
