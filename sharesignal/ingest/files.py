"""Finding a partition's landing files and reading them with DuckDB (plain or gzip).

A file is read as lines of UTF-8 text. A line that is not UTF-8 (or longer than DuckDB's
line limit) does not stop the file: it is set aside with its exact original bytes, and the
other lines keep their physical line numbers.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from datetime import date
from pathlib import Path

import duckdb

LINES_TABLE = "ingest_lines"  # (line_no, line): the readable lines
BAD_LINES_TABLE = "ingest_bad_lines"  # (line_no, reason, original): the unreadable ones
_READ = "ingest_read"
_ERRORS = "ingest_read_errors"
_SCANS = "ingest_read_scans"

# One NDJSON line can hold a whole API page (100 tweets with their includes); a 10 MB line
# is ordinary for a GA4 or X export.
MAX_LINE_BYTES = 128 * 1024 * 1024

# Every line as one VARCHAR: no delimiter, quote or escape can appear in UTF-8 JSON text
# as '\x1f' (a raw control character is invalid inside JSON), so nothing is split.
# Blank lines come through as NULL rows, which keeps the line numbers physical. The line
# ending (LF or CRLF) and a byte order mark are recognised by the reader.
_LINES_READER = (
    "read_csv($path, columns={{'line': 'VARCHAR'}}, header=false, auto_detect=false, "
    "delim='\\x1f', quote='', escape='', "
    f"max_line_size={MAX_LINE_BYTES}{{options}})"
)

_WHY = {
    "INVALID ENCODING": "not UTF-8 text (the original bytes are kept here); re-export the "
    "file as UTF-8, or fix this line, then re-run the partition",
    "LINE SIZE OVER MAXIMUM": f"longer than {MAX_LINE_BYTES // 2**20} MB, the most one line "
    "may hold; split the export into smaller lines, then re-run the partition",
    "TOO MANY COLUMNS": "holds the control byte 0x1F, which JSON text never does: binary "
    "data, not an export line; re-export the file, then re-run the partition",
}


def landing_files(landing_dir: Path, source: str, partition_date: date) -> list[Path]:
    """Every file delivered for one source and export date, in name order."""
    folder = landing_dir / source / partition_date.isoformat()
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.is_file())


def read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read a text file into the temp tables `ingest_lines(line_no, line)` and
    `ingest_bad_lines(line_no, reason, original BLOB)`, 1-based physical line numbers.
    Raises duckdb.Error when the file cannot be read at all (corrupt gzip)."""
    params = {"path": str(path)}
    for table in (_ERRORS, _SCANS):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # The CSV scanner keeps the file's order and the window keeps its input order.
    options = (
        f", ignore_errors=true, store_rejects=true, rejects_table='{_ERRORS}', "
        f"rejects_scan='{_SCANS}'"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_READ} AS "
        f"SELECT row_number() OVER () AS k, line FROM {_LINES_READER.format(options=options)}",
        params,
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BAD_LINES_TABLE} AS "
        f"SELECT line AS line_no, error_type, csv_line FROM {_ERRORS}"
    )
    if con.execute(f"SELECT count(*) FROM {BAD_LINES_TABLE}").fetchone()[0] == 0:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {LINES_TABLE} AS SELECT k AS line_no, line FROM {_READ}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {BAD_LINES_TABLE} AS "
            "SELECT NULL::BIGINT AS line_no, NULL AS reason, NULL::BLOB AS original LIMIT 0"
        )
        return
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {LINES_TABLE} AS "
        f"SELECT * EXCLUDE (k) FROM {renumbered(_READ, BAD_LINES_TABLE, 'line_no')}"
    )
    _recover_bad_lines(con, params)


def renumbered(readable: str, bad: str, number: str) -> str:
    """SQL: the rows of `readable` (numbered `k` in read order) with their position `number`
    among all rows, given the positions `number` of the `bad` rows the reader skipped."""
    # The k-th readable row is row k plus the bad rows before it: bad row j (in order) has
    # `number - j` readable rows before it, so an as-of join finds how many precede k.
    return f"""(
        WITH bad AS (SELECT {number}, row_number() OVER (ORDER BY {number}) AS j FROM {bad}),
        gaps AS (SELECT {number} - j AS readable_before, max(j) AS skipped FROM bad GROUP BY 1)
        SELECT k + coalesce(skipped, 0) AS {number}, r.*
        FROM {readable} r ASOF LEFT JOIN gaps ON k > readable_before
    )"""


def _recover_bad_lines(con: duckdb.DuckDBPyConnection, params: dict[str, str]) -> None:
    # Read as Latin-1, every byte is one character whose code point is the byte, so the
    # exact original bytes come back as hex; only the bad lines are kept.
    latin1 = _LINES_READER.format(options=", encoding='latin-1', ignore_errors=true")
    cases = " ".join(f"WHEN '{kind}' THEN '{why}'" for kind, why in _WHY.items())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {BAD_LINES_TABLE} AS
        WITH raw_lines AS (
            SELECT row_number() OVER () AS line_no, line FROM {latin1}
        )
        SELECT b.line_no,
            CASE b.error_type {cases} ELSE 'unreadable: ' || b.error_type END AS reason,
            coalesce(
                from_hex(array_to_string(
                    list_transform(string_split(r.line, ''), lambda c: printf('%02x', unicode(c))),
                    ''
                )),
                encode(b.csv_line)
            ) AS original
        FROM {BAD_LINES_TABLE} b LEFT JOIN raw_lines r USING (line_no)
        """,
        params,
    )


def content_sha256(path: Path) -> str:
    """The SHA-256 of the file's content: decompressed for a `.gz`, so the same export
    delivered plain and gzipped is one content; the delivered bytes when a `.gz` is
    corrupt."""
    if path.name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as file:
                return file_sha256(file)
        except (OSError, EOFError, zlib.error):
            pass
    with path.open("rb") as file:
        return file_sha256(file)


def file_sha256(file) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def error_summary(error: duckdb.Error) -> str:
    """DuckDB's explanation of a read error on one line, without its tuning advice."""
    lines = []
    for line in str(error).splitlines():
        if not line.strip() or line.startswith("Possible"):
            break
        lines.append(line.strip())
    return " ".join(lines)
