"""Finding a partition's landing files and reading them with DuckDB (plain or gzip)."""

from __future__ import annotations

import fnmatch
import hashlib
from datetime import date
from pathlib import Path

import duckdb

from sharesignal.ingest.formats import CsvExport, JsonLines

LINES_TABLE = "ingest_lines"

# One NDJSON line can hold a whole API page (100 tweets with their includes).
_MAX_LINE_BYTES = 128 * 1024 * 1024

# Every line as one VARCHAR: no delimiter, quote or escape can appear in UTF-8 JSON text
# as '\x1f' (a raw control character is invalid inside JSON), so nothing is split.
# Blank lines come through as NULL rows, which keeps the line numbers physical.
_LINES_READER = (
    "read_csv($path, columns={'line': 'VARCHAR'}, header=false, auto_detect=false, "
    "delim='\\x1f', quote='', escape='', new_line='\\n', "
    f"max_line_size={_MAX_LINE_BYTES})"
)


def landing_files(landing_dir: Path, source: str, partition_date: date) -> list[Path]:
    """Every file delivered for one source and export date, in name order."""
    folder = landing_dir / source / partition_date.isoformat()
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.is_file())


def format_of(
    path: Path, formats: tuple[JsonLines | CsvExport, ...]
) -> JsonLines | CsvExport | None:
    """The format a file is delivered in, by its name (a `.gz` suffix is ignored)."""
    name = path.name.removesuffix(".gz")
    return next((fmt for fmt in formats if fnmatch.fnmatchcase(name, fmt.pattern)), None)


def read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Read a text file into the temp table `ingest_lines(line_no, line)`, 1-based line
    numbers; returns the number of lines. Raises duckdb.Error when the file cannot be read
    (corrupt gzip, not UTF-8)."""
    # The CSV scanner keeps the file's order and the window keeps its input order.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {LINES_TABLE} AS "
        f"SELECT row_number() OVER () AS line_no, line FROM {_LINES_READER}",
        {"path": str(path)},
    )
    return con.execute(f"SELECT count(*) FROM {LINES_TABLE}").fetchone()[0]


def first_line(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """The file's first line (None for an empty file). Raises duckdb.Error like
    `read_lines`."""
    row = con.execute(f"SELECT line FROM {_LINES_READER} LIMIT 1", {"path": str(path)}).fetchone()
    return None if row is None else row[0]


def sha256(path: Path) -> str:
    """The SHA-256 of the file as delivered (compressed bytes for a `.gz`)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def error_summary(error: duckdb.Error) -> str:
    """DuckDB's explanation of a read error on one line, without its tuning advice."""
    lines = []
    for line in str(error).splitlines():
        if not line.strip() or line.startswith("Possible fix"):
            break
        lines.append(line.strip())
    return " ".join(lines)
