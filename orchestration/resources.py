"""The warehouse as a Dagster resource: where it is and how to open it."""

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import ConfigurableResource

from sharesignal.config import DEFAULT_DUCKDB_MEMORY_LIMIT


class Warehouse(ConfigurableResource):
    """The DuckDB file that ingest writes and dbt builds on.

    DuckDB allows one writing process per file, and dbt runs as a subprocess: every
    connection is closed as soon as the step is done so that the next step can open it.
    """

    path: str
    # DuckDB's memory_limit for this process's connections (SHARESIGNAL_DUCKDB_MEMORY_LIMIT).
    memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(
            self.path, read_only=read_only, config={"memory_limit": self.memory_limit}
        )
        try:
            yield con
        finally:
            con.close()
