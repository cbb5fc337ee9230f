"""A duckdb_engine dialect that Great Expectations' SQL path can read results from.

duckdb_engine hands every SQLAlchemy cursor the connection itself, so all cursors share one
result. GX executes a query, returns the connection to the pool (which rolls back) and only
then fetches, so the result is gone and every expectation ends without a value
(great_expectations issues #10738, #11579). Here every cursor is its own DuckDB cursor with
its own result. A DuckDB cursor is a separate connection to the same database, so it runs in
autocommit: fine for validation, which only reads.

Importing this module registers the dialect as `duckdb+own_cursor://<path>`; URL query
parameters are DuckDB config, e.g. `?access_mode=read_only`.
"""

from __future__ import annotations

from typing import Any

import duckdb
from duckdb_engine import ConnectionWrapper, CursorWrapper, Dialect
from sqlalchemy import text
from sqlalchemy.dialects import registry
from sqlalchemy.engine import reflection
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.types import NullType

DRIVER = "own_cursor"


class _OwnCursor(CursorWrapper):
    def __init__(self, cursor: duckdb.DuckDBPyConnection, connection: ConnectionWrapper) -> None:
        super().__init__(cursor, connection)
        self._cursor = cursor

    def close(self) -> None:
        self._cursor.close()


class _OwnCursorConnection(ConnectionWrapper):
    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        super().__init__(connection)
        self._connection = connection

    def cursor(self) -> _OwnCursor:
        return _OwnCursor(self._connection.cursor(), self)


class OwnCursorDialect(Dialect):
    driver = DRIVER
    # As duckdb_engine's dialect; SQLAlchemy asks each subclass to say so itself.
    supports_statement_cache = False

    # duckdb_engine's own connect() keeps its DuckDB connection private; cursors need it.
    def connect(self, *cargs: Any, **cparams: Any) -> _OwnCursorConnection:
        config = cparams.get("url_config", {})
        return _OwnCursorConnection(duckdb.connect(cparams["database"], config=config))

    # SQLAlchemy 2.1's PostgreSQL column reflection, which duckdb_engine inherits, queries
    # pg_collation, which DuckDB does not have; DuckDB's information_schema answers directly.
    @reflection.cache
    def get_columns(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        rows = connection.execute(
            text(
                "select column_name, data_type, is_nullable from information_schema.columns"
                " where table_schema = :schema and table_name = :table"
                " order by ordinal_position"
            ),
            {"schema": schema or "main", "table": table_name},
        ).all()
        if not rows:
            raise NoSuchTableError(f"{schema}.{table_name}")
        return [
            {
                "name": name,
                "type": self.ischema_names.get(data_type.lower(), NullType)(),
                "nullable": is_nullable == "YES",
                "default": None,
            }
            for name, data_type, is_nullable in rows
        ]


registry.register(f"duckdb.{DRIVER}", __name__, OwnCursorDialect.__name__)
