"""Reading one CSV landing file (Salesforce, content catalog) into scratch tables.

The header decides which export a file is. A record DuckDB cannot parse (wrong number of
fields, not UTF-8) is rejected with DuckDB's text of it; a record that breaks a rule is
rejected as CSV text (every field quoted, the file's column order). Columns beyond the
declared ones are kept in `_extra` and reported; a missing required column, or two columns
of one name, rejects the file. `_line` is the 1-based data record (the header is not
counted). Columns are read by position (`c0`, `c1`...), so no header text is ever SQL: the
names of extra columns reach `_extra` as bound parameters.
"""

from __future__ import annotations

import csv
import fnmatch
import gzip
import re
import zlib
from pathlib import Path

import duckdb

from sharesignal.ingest import files, rules
from sharesignal.ingest.batch import Batch, FileLoad, outcome, reject_file, settle, unreadable
from sharesignal.ingest.formats import CsvExport

RECORDS = "ingest_csv_records"
_READ = "ingest_csv_read"
_ERRORS = "ingest_csv_errors"
_SCANS = "ingest_csv_scans"


def prepare_csv(
    batch: Batch,
    path: Path,
    source_file: str,
    exports: tuple[CsvExport, ...],
    line_ends: files.Scan,
) -> FileLoad:
    try:
        header = _header(path)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        reason = f"{source_file}: the header cannot be read ({error}); re-export the file as "
        return reject_file(batch, path, source_file, 0, reason + "UTF-8 CSV, then re-run")
    if header is None:
        reason = f"{source_file}: the file is empty (no header row); re-export it, then re-run"
        return reject_file(batch, path, source_file, 0, reason)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        reason = (
            f"{source_file}: {len(repeated)} column name(s) appear more than once in the header, "
            "so its columns cannot be told apart; re-export it with unique column names, "
            "then re-run the partition"
        )
        return reject_file(batch, path, source_file, 0, reason)
    export = _export_of(path, header, exports)
    try:
        _read(batch.con, path, len(header), line_ends)
    except duckdb.Error as error:
        return reject_file(batch, path, source_file, 0, unreadable(source_file, error))

    missing = [c for c in export.required if c not in header]
    if missing:
        records = batch.con.execute(
            f"SELECT (SELECT count(*) FROM {RECORDS}) + (SELECT count(*) FROM {_ERRORS})"
        ).fetchone()[0]
        return reject_file(
            batch, path, source_file, records, _missing(source_file, missing, header)
        )

    extra = [c for c in header if c not in export.columns]
    _load(batch, source_file, export, header, extra)
    settled = settle(batch, export.table, source_file)
    _reject_unparsed(batch, source_file)
    absent = [c for c in export.columns if c not in header]
    notes = [f"columns absent, loaded as NULL: {', '.join(absent)}"] if absent else []
    return outcome(
        batch, source_file, settled.loaded, "records", notes + settled.notes, settled.new_fields
    )


def _header(path: Path) -> list[str] | None:
    # Only the first line is needed to choose the export; DuckDB reads the records. It ends
    # at the first CR or LF, whichever line ends the file uses.
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as file:
        start = file.read(1 << 20)
    first = re.split(rb"[\r\n]", start, maxsplit=1)[0]
    text = first.decode("utf-8").lstrip("\ufeff")
    return next(csv.reader([text])) if text.strip() else None


def _export_of(path: Path, header: list[str], exports: tuple[CsvExport, ...]) -> CsvExport:
    """The export whose required columns the header has; else the one the name suggests;
    else the closest one."""
    name = path.name.removesuffix(".gz")
    return (
        next((e for e in exports if all(c in header for c in e.required)), None)
        or next((e for e in exports if fnmatch.fnmatch(name.lower(), e.pattern.lower())), None)
        or max(exports, key=lambda e: sum(c in header for c in e.columns))
    )


def _missing(source_file: str, missing: list[str], header: list[str]) -> str:
    hint = ""
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        hint = " (the header is one column: the file is not comma-delimited)"
    return (
        f"{source_file}: required column(s) missing from the header{hint}: "
        f"{', '.join(missing)}; re-export with these columns, then re-run the partition"
    )


def _read(con: duckdb.DuckDBPyConnection, path: Path, width: int, line_ends: files.Scan) -> None:
    """`ingest_csv_records(_line, c0, c1, ...)`, one column per header column in order, and
    the records DuckDB could not parse into `ingest_csv_errors`."""
    for table in (_ERRORS, _SCANS):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # The width is given explicitly, so a malformed record is an error, never a guess.
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    reader = (
        f"read_csv($path, header=true, columns={{{columns}}}, auto_detect=false, "
        "delim=',', quote='\"', escape='\"', "
        f"max_line_size={files.MAX_LINE_BYTES}, ignore_errors=true, store_rejects=true, "
        f"rejects_table='{_ERRORS}', rejects_scan='{_SCANS}'{line_ends.reader_options()})"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_READ} AS SELECT row_number() OVER () AS k, * "
        f"FROM {reader}",
        {"path": files.sql_path(path)},
    )
    # DuckDB numbers the header as line 1.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {RECORDS} AS SELECT * EXCLUDE (k) FROM "
        f"{files.renumbered(_READ, f'(SELECT line - 1 AS _line FROM {_ERRORS})', '_line')}"
    )


def _load(
    batch: Batch, source_file: str, export: CsvExport, header: list[str], extra: list[str]
) -> None:
    # The export's columns are ours (formats.py); the file's own names stay parameters.
    position = {name: f"c{i}" for i, name in enumerate(header)}
    values = ", ".join(
        f'{position[c]} AS "{c}"' if c in position else f'NULL AS "{c}"' for c in export.columns
    )
    names = {f"extra_{i}": name for i, name in enumerate(extra)}
    extra_json = (
        "json_object({})".format(", ".join(f"${key}, {position[n]}" for key, n in names.items()))
        if extra
        else "NULL::JSON"
    )
    quoted = ", ".join(
        f"'\"' || replace(coalesce(c{i}, ''), '\"', '\"\"') || '\"'" for i in range(len(header))
    )
    batch.con.execute(
        f"""
        INSERT INTO {batch.scratch[export.table]} BY NAME
        SELECT * EXCLUDE (_record),
            CASE WHEN _reason IS NOT NULL THEN _record END AS _record
        FROM (
            SELECT *, {rules.reason_sql(export.table)} AS _reason FROM (
                SELECT $load_id AS _load_id, $partition_date AS _partition_date,
                    $source_file AS _source_file, _line, 0 AS _item, {values},
                    {extra_json} AS _extra, concat_ws(',', {quoted}) AS _record
                FROM {RECORDS}
            )
        )
        """,
        batch.lineage(source_file) | names,
    )


def _reject_unparsed(batch: Batch, source_file: str) -> None:
    batch.con.execute(
        f"""
        INSERT INTO {batch.rejects}
        SELECT $load_id, $source, $partition_date, $source_file, line - 1, NULL,
            format('not a well-formed CSV record ({{}}: {{}}); fix or re-export the file, '
                || 'then re-run the partition', error_type, error_message),
            encode(csv_line)
        FROM {_ERRORS} ORDER BY line
        """,
        batch.lineage(source_file) | {"source": batch.source},
    )
