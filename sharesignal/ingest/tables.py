"""The raw tables (docs/ingestion.md): lineage columns, then each record's fields as delivered, then
`_extra`: the record's fields that no declaration names (schema drift, kept as JSON)."""

from __future__ import annotations

import duckdb

from sharesignal.ingest import structures as s

Columns = tuple[tuple[str, str], ...]

LINEAGE: Columns = (
    ("_load_id", "VARCHAR"),
    ("_partition_date", "DATE"),
    ("_source_file", "VARCHAR"),
    ("_line", "BIGINT"),
    ("_item", "INTEGER"),
)

EXTRA: Columns = (("_extra", "JSON"),)

# X records say whether they came from a response's `includes` or its own `data`.
INCLUDED: Columns = (("_included", "BOOLEAN"),)


def _fields(record: dict[str, s.Structure]) -> Columns:
    return tuple((name, s.sql_type(structure)) for name, structure in record.items())


def _varchar(names: tuple[str, ...]) -> Columns:
    return tuple((name, "VARCHAR") for name in names)


RAW_TABLES: dict[str, Columns] = {
    "x_posts": LINEAGE + INCLUDED + _fields(s.X_TWEET) + EXTRA,
    "x_users": LINEAGE + INCLUDED + _fields(s.X_USER) + EXTRA,
    "x_compliance_events": LINEAGE + _fields(s.X_COMPLIANCE_EVENT) + EXTRA,
    "mastodon_statuses": LINEAGE + _fields(s.MASTODON_STATUS) + EXTRA,
    "mastodon_accounts": LINEAGE + _fields(s.MASTODON_ACCOUNT) + EXTRA,
    "bluesky_feed_items": LINEAGE + _fields(s.BLUESKY_FEED_ITEM) + EXTRA,
    "bluesky_profiles": LINEAGE + _fields(s.BLUESKY_PROFILE) + EXTRA,
    "bluesky_reposted_by": LINEAGE + _fields(s.BLUESKY_REPOSTED_BY) + EXTRA,
    "clicks": LINEAGE + _fields(s.CLICK) + EXTRA,
    "web_analytics_events": LINEAGE + _fields(s.GA4_EVENT) + EXTRA,
    "crm_leads": LINEAGE + _varchar(s.CRM_LEAD_COLUMNS) + EXTRA,
    "crm_opportunities": LINEAGE + _varchar(s.CRM_OPPORTUNITY_COLUMNS) + EXTRA,
    "content_catalog": LINEAGE + _varchar(s.CONTENT_CATALOG_COLUMNS) + EXTRA,
}

LOAD_LOG: Columns = (
    ("load_id", "VARCHAR"),
    ("source", "VARCHAR"),
    ("partition_date", "DATE"),
    ("source_file", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_rejected", "BIGINT"),
    ("status", "VARCHAR"),
    ("message", "VARCHAR"),
    ("new_fields", "VARCHAR[]"),
)

REJECTS: Columns = (
    ("load_id", "VARCHAR"),
    ("source", "VARCHAR"),
    ("partition_date", "DATE"),
    ("source_file", "VARCHAR"),
    ("line", "BIGINT"),
    ("item", "INTEGER"),
    ("reason", "VARCHAR"),
    ("original", "BLOB"),
)


def _ddl(columns: Columns) -> str:
    return ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `raw` and every raw table that does not exist yet, and add the columns
    a warehouse made by an older version lacks (rows are always inserted by name)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    # Every partition load calls this: one look at the catalog, DDL only for what is missing.
    present: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'raw'"
    ).fetchall():
        present.setdefault(table, set()).add(column)
    tables = RAW_TABLES | {"_load_log": LOAD_LOG, "_rejects": REJECTS}
    for name, columns in tables.items():
        if name not in present:
            con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({_ddl(columns)})")
            continue
        for column, sql_type in columns:
            if column not in present[name]:
                con.execute(
                    f'ALTER TABLE raw.{name} ADD COLUMN IF NOT EXISTS "{column}" {sql_type}'
                )


# Scratch tables of raw tables also hold, while a file is checked, why a record is rejected
# and its original text; rejected records then move to the rejects.
CHECK: Columns = (("_reason", "VARCHAR"), ("_record", "VARCHAR"))

# An in-memory database attached beside the warehouse: unlike temporary tables, which belong
# to one connection, its tables are seen by every cursor of the process, so files can be
# prepared on several cursors at once and published by one.
SCRATCH_DB = "ingest_scratch"


def attach_scratch(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH_DB}")


def create_scratch_table(
    con: duckdb.DuckDBPyConnection, name: str, columns: Columns, prefix: str = ""
) -> str:
    """An empty table shaped like a raw table in the scratch database, where one partition's
    rows are prepared before the transaction that publishes them. Returns its name."""
    scratch = f"{SCRATCH_DB}.{prefix}{name.lstrip('_')}"
    con.execute(f"CREATE OR REPLACE TABLE {scratch} ({_ddl(columns)})")
    return scratch
