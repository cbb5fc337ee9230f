"""Reading landing files with DuckDB (plain or gzip), by their exact name.

A file is read as lines of UTF-8 text. A line that is not UTF-8 (or longer than DuckDB's
line limit) does not stop the file: it is set aside with its exact original bytes, and the
other lines keep their physical line numbers. Lines may end in LF, CRLF, a mix of both, or
CR alone; one pass over the file (`scan`) hashes it and tells DuckDB which.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass
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
# Blank lines come through as NULL rows, which keeps the line numbers physical. A byte order
# mark is recognised by the reader; the line ends are told (`Scan.reader_options`).
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


def sql_path(path: Path) -> str:
    """`path` as DuckDB's readers take it: they expand `*`, `?` and `[...]` even in a plain
    file name (`[ab].jsonl` would read `a.jsonl` and `b.jsonl`), and a character class of
    one character is the only escape they know."""
    return re.sub(r"([*?[])", r"[\1]", str(path))


@dataclass(frozen=True)
class Scan:
    """One pass over a file's content (decompressed for a `.gz`): its SHA-256 and how its
    lines end, which decides how DuckDB is asked to split it."""

    sha256: str
    lf: int  # line feeds after anything but a carriage return
    crlf: int
    cr: int  # carriage returns before anything but a line feed

    @property
    def line_end(self) -> bytes:
        """The byte that ends a line (a CR before it, in a CRLF, is not part of the line)."""
        return b"\r" if self.cr and not (self.lf or self.crlf) else b"\n"

    @property
    def mixes_cr_with_lf(self) -> bool:
        """Some lines end in a lone CR and others in LF: no reader can split both."""
        return bool(self.cr and (self.lf or self.crlf))

    def reader_options(self) -> str:
        """read_csv options for these line ends (constants of ours, never file content)."""
        if self.line_end == b"\r":
            return ", new_line='\\r'"
        if self.lf and self.crlf:
            # Not strict, a CRLF reader also ends a line at a lone LF, and keeps the count.
            return ", strict_mode=false, new_line='\\r\\n'"
        return ""


def scan(path: Path) -> Scan:
    """Hash the content and count its line ends in one read; a corrupt `.gz` is hashed as
    delivered."""
    if path.name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as file:
                return _scan(file)
        except (OSError, EOFError, zlib.error):
            # Its line ends are unknown: DuckDB's read says what is wrong with it.
            with path.open("rb") as file:
                return Scan(file_sha256(file), lf=0, crlf=0, cr=0)
    with path.open("rb") as file:
        return _scan(file)


def _scan(file) -> Scan:
    digest = hashlib.sha256()
    lf = cr = crlf = 0
    last = b""
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
        lf += chunk.count(b"\n")
        cr += chunk.count(b"\r")
        # A CRLF can straddle two chunks.
        crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
        last = chunk[-1:]
    return Scan(digest.hexdigest(), lf=lf - crlf, crlf=crlf, cr=cr - crlf)


def read_lines(con: duckdb.DuckDBPyConnection, path: Path, line_ends: Scan) -> None:
    """Read a text file into the temp tables `ingest_lines(line_no, line)` and
    `ingest_bad_lines(line_no, reason, original BLOB)`, 1-based physical line numbers.
    Raises duckdb.Error when the file cannot be read at all (corrupt gzip)."""
    for table in (_ERRORS, _SCANS):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # The CSV scanner keeps the file's order and the window keeps its input order.
    options = (
        f", ignore_errors=true, store_rejects=true, rejects_table='{_ERRORS}', "
        f"rejects_scan='{_SCANS}'{line_ends.reader_options()}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_READ} AS "
        f"SELECT row_number() OVER () AS k, line FROM {_LINES_READER.format(options=options)}",
        {"path": sql_path(path)},
    )
    cases = " ".join(f"WHEN '{kind}' THEN '{why}'" for kind, why in _WHY.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BAD_LINES_TABLE} AS "
        f"SELECT line AS line_no, "
        f"CASE error_type {cases} ELSE 'unreadable: ' || error_type END AS reason, "
        f"NULL::BLOB AS original FROM (SELECT line, min(error_type) AS error_type "
        f"FROM {_ERRORS} GROUP BY line)"
    )
    bad = [n for (n,) in con.execute(f"SELECT line_no FROM {BAD_LINES_TABLE}").fetchall()]
    if not bad:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {LINES_TABLE} AS SELECT k AS line_no, line FROM {_READ}"
        )
        return
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {LINES_TABLE} AS "
        f"SELECT * EXCLUDE (k) FROM {renumbered(_READ, BAD_LINES_TABLE, 'line_no')}"
    )
    con.executemany(
        f"UPDATE {BAD_LINES_TABLE} SET original = ? WHERE line_no = ?",
        [(original, n) for n, original in original_lines(path, bad, line_ends).items()],
    )


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


def original_lines(path: Path, numbers: list[int], line_ends: Scan) -> dict[int, bytes]:
    """The exact bytes of the lines `numbers` (1-based, without their line end), read from
    the file itself: DuckDB hands back a bad line's text only as far as it could decode it."""
    wanted = sorted(set(numbers))
    end = line_ends.line_end
    found: dict[int, bytes] = {}
    line_no, line = 1, bytearray()
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            start = 0
            while wanted:
                if line_no < wanted[0]:
                    # Skip whole lines without keeping them (one may be 200 MB).
                    stop = chunk.find(end, start)
                    if stop < 0:
                        break
                    start, line_no = stop + 1, line_no + 1
                    continue
                stop = chunk.find(end, start)
                line += chunk[start : stop if stop >= 0 else len(chunk)]
                if stop < 0:
                    break
                found[wanted.pop(0)] = _without_cr(bytes(line), end)
                line.clear()
                start, line_no = stop + 1, line_no + 1
            if not wanted:
                break
    if wanted and line_no == wanted[0]:  # the last line, without a line end
        found[wanted[0]] = _without_cr(bytes(line), end)
    return found


def _without_cr(line: bytes, end: bytes) -> bytes:
    return line.removesuffix(b"\r") if end == b"\n" else line


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
