"""Ingestion: landing files of one source and export date → `raw.*` tables in DuckDB, with a
load log and rejects (docs/ingestion.md)."""

from sharesignal.ingest.batch import FileLoad
from sharesignal.ingest.load import ingest_partition

__all__ = ["FileLoad", "ingest_partition"]
