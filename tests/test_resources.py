"""The warehouse resource opens DuckDB with the memory limit the settings give it, so
SHARESIGNAL_DUCKDB_MEMORY_LIMIT caps ingest as it caps the dbt build."""

import duckdb

from orchestration.resources import Warehouse
from sharesignal.config import DEFAULT_DUCKDB_MEMORY_LIMIT, load_settings


def memory_limit_of(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_the_memory_limit_setting_defaults_to_duckdbs_own(monkeypatch):
    monkeypatch.delenv("SHARESIGNAL_DUCKDB_MEMORY_LIMIT", raising=False)
    assert load_settings().duckdb_memory_limit == DEFAULT_DUCKDB_MEMORY_LIMIT == "80%"


def test_the_warehouse_opens_with_the_configured_memory_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SHARESIGNAL_DUCKDB_MEMORY_LIMIT", "1GB")
    warehouse = Warehouse(
        path=str(tmp_path / "warehouse.duckdb"),
        memory_limit=load_settings().duckdb_memory_limit,
    )
    with warehouse.connect() as con:
        limit = memory_limit_of(con)
    with duckdb.connect(config={"memory_limit": "1GB"}) as capped, duckdb.connect() as default:
        assert limit == memory_limit_of(capped)
        assert limit != memory_limit_of(default)
