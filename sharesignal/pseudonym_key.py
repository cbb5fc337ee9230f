"""The pseudonymization key reaches DuckDB as a session variable, never as SQL text.

The dbt macro `pseudonymize` compiles to `sha256(getvariable('sharesignal_pseudonym_key') ||
...)`, so no compiled model, manifest, run result, log or view definition holds the key.
dbt-duckdb loads `Plugin` (profiles.yml, `plugins`) and it sets the variable, bound as a
parameter, on every connection and cursor dbt opens. Anyone else reading a staging view, which
pseudonymizes when it is queried, sets it with `set_pseudonym_key`.
"""

from __future__ import annotations

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from sharesignal.config import load_settings

KEY_VARIABLE = "sharesignal_pseudonym_key"
# Whether the key is the public development key: the dbt hook warns then.
DEV_KEY_VARIABLE = "sharesignal_uses_dev_pseudonym_key"


def set_pseudonym_key(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Give `con` (one DuckDB connection or cursor: variables do not cross them) the key."""
    con.execute(f"set variable {KEY_VARIABLE} = ?", [key])


class Plugin(BasePlugin):
    """dbt-duckdb's hook into every connection: the key of `load_settings()`, read from the
    environment when dbt starts (SHARESIGNAL_PSEUDONYM_KEY, else the development key)."""

    def initialize(self, plugin_config: dict) -> None:
        settings = load_settings()
        self._key = settings.pseudonym_key
        self._is_dev_key = settings.uses_dev_pseudonym_key

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.configure_cursor(conn)

    # dbt's threads each run on a cursor of the connection, a connection of its own to DuckDB.
    def configure_cursor(self, cursor: duckdb.DuckDBPyConnection) -> None:
        set_pseudonym_key(cursor, self._key)
        cursor.execute(f"set variable {DEV_KEY_VARIABLE} = ?", [self._is_dev_key])
