"""Open the published marts read-only, whole, even while a new version is being swapped in.

Publishing renames a new file over `serving/marts.duckdb` (see `sharesignal.publish`). A
connection that is open keeps reading the version it opened. Opening one is not a single
step, though: DuckDB 2.0 opens the path once to read the file's headers and again to read its
blocks (and lock it), so a connection opened in the instant of a swap can pair the old file's
headers with the new file's blocks and fail ("IO Error: Metadata block index … exceeds …").
`connect` notices the swap (the path names another file after the attempt than before it)
and opens again; an error with no swap in between is a real one and is raised.

The Parquet copies sit in one folder per publication under `serving/parquet/`; its
`current.json` names the current one. `parquet_files` reads that manifest once and returns
the paths it lists, so every file a reader then opens belongs to the same publication (the
folder stays at least one publication after it is replaced).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from sharesignal.publish import PARQUET_MANIFEST

# Each retry follows a publication that landed during the previous attempt; publications take
# seconds, so a second retry is already unlikely.
ATTEMPTS = 5


def connect(path: Path | str, attempts: int = ATTEMPTS) -> duckdb.DuckDBPyConnection:
    """A read-only connection to one whole published version of `path`."""
    for _ in range(attempts - 1):
        before = _file_id(path)
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            if _file_id(path) == before:
                raise
            continue
        if _file_id(path) == before:
            return con
        con.close()  # swapped while opening: it may hold either version, or a mix of both
    return duckdb.connect(str(path), read_only=True)


def parquet_files(parquet_dir: Path | str) -> dict[str, Path]:
    """The Parquet file of each mart of the current publication, from the manifest
    `<parquet_dir>/current.json`."""
    parquet_dir = Path(parquet_dir)
    manifest = json.loads((parquet_dir / PARQUET_MANIFEST).read_text())
    return {mart: parquet_dir / path for mart, path in manifest["files"].items()}


def _file_id(path: Path | str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino
