"""Reading one landing file into the scratch tables of its partition.

Everything that can fail on a bad file happens here, before the transaction that
publishes the partition, so a bad file becomes rejects instead of aborting the load.
A file is prepared on one cursor: its working tables are temporary tables of that cursor
(gone when it closes); its rows go to the cursor's scratch tables.
"""

from __future__ import annotations

from pathlib import Path

from sharesignal.ingest import csv_file, json_file
from sharesignal.ingest.batch import Batch, FileLoad
from sharesignal.ingest.files import Scan
from sharesignal.ingest.formats import FORMATS, JsonExport


def prepare_file(batch: Batch, path: Path, line_ends: Scan) -> FileLoad:
    """Read one file into the batch's scratch tables; report what was loaded and rejected."""
    source_file = path.relative_to(batch.landing_dir).as_posix()
    fmt = FORMATS[batch.source]
    if isinstance(fmt, JsonExport):
        return json_file.prepare_json(batch, path, source_file, fmt, line_ends)
    return csv_file.prepare_csv(batch, path, source_file, fmt, line_ends)
