"""Turning rows into landing files: JSON text built column-wise, pages, file numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import polars as pl

MS_FORMAT = "%Y-%m-%dT%H:%M:%S%.3fZ"


def ts(column: str, fmt: str = MS_FORMAT) -> pl.Expr:
    """Microseconds since the epoch (UTC) as text."""
    return pl.from_epoch(column, time_unit="us").dt.strftime(fmt)


def json_text(struct: pl.Expr, optional: Sequence[str] = ()) -> pl.Expr:
    """The struct as compact JSON, with the `optional` keys left out where null (real
    exports omit them rather than writing null). Removing `,"key":null` is safe: inside
    a JSON string a quote is always escaped, so the pattern can only match structure."""
    text = struct.struct.json_encode()
    for key in optional:
        text = text.str.replace_all(f',"{key}":null', "", literal=True).str.replace_all(
            f'"{key}":null,', "", literal=True
        )
    return text


def json_string(expr: pl.Expr) -> pl.Expr:
    """A string value as a JSON string literal (null stays null)."""
    escaped = (
        expr.str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        .str.replace_all("\n", "\\n", literal=True)
    )
    return pl.concat_str(pl.lit('"'), escaped, pl.lit('"'))


def open_object(obj: pl.Expr) -> pl.Expr:
    """A JSON object without its closing brace, so more members can be appended."""
    return obj.str.slice(0, obj.str.len_chars() - 1)


def members(**values: pl.Expr) -> pl.Expr:
    """`,"key":value` for integer (or already-JSON) values, to append to an open object."""
    parts = []
    for key, value in values.items():
        parts += [pl.lit(f',"{key}":'), value.cast(pl.String)]
    return pl.concat_str(parts)


def write_days(
    lines: pl.DataFrame, landing_dir: Path, source: str, stem: str, advance=None
) -> tuple[int, int]:
    """Write lines (columns day, file_no, line) into each day's folder."""
    files = rows = 0
    for (day,), today in lines.partition_by("day", maintain_order=True, as_dict=True).items():
        written = write_lines(today, day_folder(landing_dir, source, day), stem)
        files += written[0]
        rows += written[1]
        if advance:
            advance()
    return files, rows


def join_json(column: str) -> pl.Expr:
    """Aggregation: JSON texts of a group as the items of a JSON array."""
    return pl.concat_str(pl.lit("["), pl.col(column).str.join(","), pl.lit("]"))


def file_numbers(rows_column: str, rows_per_file: int) -> pl.Expr:
    """File number (1-based) per page of a day: a new file starts once the rows written
    so far reach `rows_per_file`, and pages never straddle two files."""
    before = pl.col(rows_column).cum_sum() - pl.col(rows_column)
    return (before // rows_per_file + 1).cast(pl.Int64)


def write_lines(
    lines: pl.DataFrame, folder: Path, stem: str, suffix: str = "jsonl"
) -> tuple[int, int]:
    """Write `lines` (columns file_no, line) as `<stem>-0001.<suffix>`, ...; returns the
    number of files and lines written."""
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for (file_no,), part in (
        lines.sort("file_no").partition_by("file_no", maintain_order=True, as_dict=True).items()
    ):
        path = folder / f"{stem}-{file_no:04d}.{suffix}"
        # One string column, never quoted: each line is already complete JSON.
        part.select("line").write_csv(path, include_header=False, quote_style="never")
        files += 1
    return files, lines.height


def day_folder(landing_dir: Path, source: str, day: date) -> Path:
    return landing_dir / source / day.isoformat()
