"""Reading one landing file into the scratch tables of its partition.

Everything that can fail on a bad file happens here, before the transaction that
publishes the partition, so a bad file becomes rejects instead of aborting the load.
For every file `rows_read = rows_loaded + rows_rejected` (lines for NDJSON, records for CSV).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb

from sharesignal.ingest import files
from sharesignal.ingest.formats import FORMATS, CsvExport, JsonLines
from sharesignal.ingest.structures import json_structure

DOCS_TABLE = "ingest_docs"

Status = Literal["loaded", "partial", "rejected"]


@dataclass(frozen=True)
class FileLoad:
    """What happened to one landing file (one row of `raw._load_log`)."""

    source_file: str  # relative to the landing dir
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    status: Status
    message: str


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


def prepare_file(batch: Batch, path: Path) -> FileLoad:
    """Read one file into the batch's scratch tables; report what was loaded and rejected."""
    source_file = path.relative_to(batch.landing_dir).as_posix()
    fmt = files.format_of(path, FORMATS[batch.source])
    if fmt is None:
        patterns = ", ".join(f.pattern for f in FORMATS[batch.source])
        return _reject_file(
            batch,
            path,
            source_file,
            0,
            f"{source_file}: no {batch.source} export is named like this (expected "
            f"{patterns}, optionally .gz); rename or remove it, then re-run the partition",
        )
    if isinstance(fmt, JsonLines):
        return _prepare_json_lines(batch, path, source_file, fmt)
    return _prepare_csv(batch, path, source_file, fmt)


def _reject_file(
    batch: Batch, path: Path, source_file: str, rows_read: int, reason: str
) -> FileLoad:
    batch.con.execute(
        f"INSERT INTO {batch.rejects} "
        "SELECT $load_id, $source, $partition_date, $source_file, NULL, $reason, content "
        "FROM read_blob($path)",
        batch.lineage(source_file) | {"source": batch.source, "reason": reason, "path": str(path)},
    )
    return FileLoad(source_file, rows_read, 0, rows_read, "rejected", reason)


def _unreadable(source_file: str, error: duckdb.Error) -> str:
    return (
        f"{source_file}: cannot be read ({files.error_summary(error)}); "
        "re-deliver an intact UTF-8 copy, then re-run the partition"
    )


def _prepare_json_lines(batch: Batch, path: Path, source_file: str, fmt: JsonLines) -> FileLoad:
    con = batch.con
    try:
        rows_read = files.read_lines(con, path)
    except duckdb.Error as error:
        return _reject_file(batch, path, source_file, 0, _unreadable(source_file, error))

    # Cheap checks first, so that only plausible lines are parsed; `try` turns a line that
    # is not JSON into a NULL doc instead of failing the statement.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {DOCS_TABLE} AS
        WITH checked AS (
            SELECT line_no, line, CASE
                WHEN line IS NULL OR trim(line) = '' THEN 'blank line: nothing to load'
                WHEN NOT starts_with(ltrim(line), $opening) THEN
                    format('not {{}}: the line starts with "{{}}"', $what, left(ltrim(line), 40))
            END AS reason
            FROM {files.LINES_TABLE}
        ),
        parsed AS (
            SELECT line_no, line, reason,
                CASE WHEN reason IS NULL
                    THEN try(from_json(line, '{json_structure(fmt.structure)}'))
                END AS doc
            FROM checked
        )
        SELECT line_no, doc, coalesce(
            reason,
            CASE WHEN doc IS NULL THEN format(
                'not valid JSON ({{}} bytes, ends with "{{}}"): the line is truncated or '
                || 'corrupted; re-export the file, then re-run the partition',
                strlen(line), right(line, 40))
            END,
            {fmt.shape_error}
        ) AS reason
        FROM parsed
        """,
        {"opening": fmt.opening, "what": fmt.what},
    )
    parsed, rows_rejected = con.execute(
        f"SELECT count(doc), count(reason) FROM {DOCS_TABLE}"
    ).fetchone()
    if parsed == 0:
        return _reject_file(
            batch, path, source_file, rows_read, _why_no_json(con, source_file, fmt)
        )

    lineage = batch.lineage(source_file)
    for table, records in fmt.records.items():
        con.execute(
            f"""
            INSERT INTO {batch.scratch[table]} BY NAME
            SELECT $load_id AS _load_id, $partition_date AS _partition_date,
                $source_file AS _source_file, * EXCLUDE (record), unnest(record)
            FROM (
                WITH accepted AS (SELECT line_no, doc FROM {DOCS_TABLE} WHERE reason IS NULL)
                {records}
            )
            """,
            lineage,
        )
    con.execute(
        f"""
        INSERT INTO {batch.rejects}
        SELECT $load_id, $source, $partition_date, $source_file, line_no, reason,
            encode(coalesce(line, ''))
        FROM {DOCS_TABLE} JOIN {files.LINES_TABLE} USING (line_no)
        WHERE reason IS NOT NULL
        """,
        lineage | {"source": batch.source},
    )
    return _lines_outcome(source_file, rows_read, rows_rejected)


def _why_no_json(con: duckdb.DuckDBPyConnection, source_file: str, fmt: JsonLines) -> str:
    lines, first = con.execute(
        f"SELECT count(*), first(left(ltrim(line), 40) ORDER BY line_no) "
        f"FROM {files.LINES_TABLE} WHERE trim(coalesce(line, '')) <> ''"
    ).fetchone()
    if lines == 0:
        return f"{source_file}: the file is empty; re-export it, then re-run the partition"
    return (
        f'{source_file}: none of its {lines} lines is {fmt.what} (it starts with "{first}"); '
        "check that the right file was delivered, then re-run the partition"
    )


def _lines_outcome(source_file: str, rows_read: int, rows_rejected: int) -> FileLoad:
    rows_loaded = rows_read - rows_rejected
    if rows_rejected == 0:
        return FileLoad(
            source_file, rows_read, rows_loaded, 0, "loaded", f"{rows_read} lines loaded"
        )
    status: Status = "rejected" if rows_loaded == 0 else "partial"
    message = f"{rows_rejected} of {rows_read} lines rejected (reasons in raw._rejects)"
    return FileLoad(source_file, rows_read, rows_loaded, rows_rejected, status, message)


def _prepare_csv(batch: Batch, path: Path, source_file: str, fmt: CsvExport) -> FileLoad:
    con = batch.con
    try:
        header_line = files.first_line(con, path)
    except duckdb.Error as error:
        return _reject_file(batch, path, source_file, 0, _unreadable(source_file, error))
    if header_line is None or not header_line.strip():
        reason = (
            f"{source_file}: the file is empty (no header row); "
            "re-export it, then re-run the partition"
        )
        return _reject_file(batch, path, source_file, 0, reason)

    header = next(csv.reader([header_line.lstrip("\ufeff")]))
    reader = _csv_reader(header)
    missing = [c for c in fmt.columns if c not in header and c not in fmt.optional]
    if missing:
        try:
            records = con.execute(f"SELECT count(*) FROM {reader}", {"path": str(path)}).fetchone()[
                0
            ]
        except duckdb.Error:
            records = 0
        reason = (
            f"{source_file}: required column(s) missing from the header: {', '.join(missing)}; "
            "re-export with these columns, then re-run the partition"
        )
        return _reject_file(batch, path, source_file, records, reason)

    columns = ", ".join(f'"{c}"' if c in header else f'NULL AS "{c}"' for c in fmt.columns)
    try:
        records = con.execute(
            f"""
            INSERT INTO {batch.scratch[fmt.table]} BY NAME
            SELECT $load_id AS _load_id, $partition_date AS _partition_date,
                $source_file AS _source_file, _line, 0 AS _item, {columns}
            FROM (SELECT row_number() OVER () AS _line, * FROM {reader})
            """,
            batch.lineage(source_file) | {"path": str(path)},
        ).fetchone()[0]
    except duckdb.Error as error:
        reason = (
            f"{source_file}: not a well-formed CSV ({files.error_summary(error)}); "
            "fix or re-export the file, then re-run the partition"
        )
        return _reject_file(batch, path, source_file, 0, reason)

    notes = [f"{records} records loaded"]
    extra = [c for c in header if c not in fmt.columns]
    if extra:
        notes.append(f"{len(extra)} extra columns ignored: {', '.join(extra)}")
    absent = [c for c in fmt.columns if c not in header]
    if absent:
        notes.append(f"columns absent, loaded as NULL: {', '.join(absent)}")
    return FileLoad(source_file, records, records, 0, "loaded", "; ".join(notes))


def _csv_reader(header: list[str]) -> str:
    # The header is given explicitly, so a malformed record is an error, never a guess.
    columns = ", ".join("'{}': 'VARCHAR'".format(name.replace("'", "''")) for name in header)
    return (
        f"read_csv($path, header=true, columns={{{columns}}}, auto_detect=false, "
        "delim=',', quote='\"', escape='\"')"
    )
