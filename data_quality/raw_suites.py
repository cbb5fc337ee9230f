"""Great Expectations suites for the raw contract of every source, checked right after ingest
and before dbt reads the raw tables.

Ingest already rejects the records that break a row rule (sharesignal.ingest.rules); these
suites check the result as the models will see it, whatever wrote it: each raw table has
the declared columns and types (sharesignal/ingest/tables.py), lineage on every row, no
loaded row breaking a row rule; and per source, in `raw._load_log`, every file balances
(rows read = loaded + rejected), the rejected rows were kept, and no recent partition holds
far fewer rows than usual.
"""

from __future__ import annotations

import great_expectations as gx
from great_expectations.expectations import Expectation

from data_quality.expect import declared_types, no_rows, not_null, volume_anomalies
from sharesignal.config import SOURCES
from sharesignal.ingest.formats import tables_of
from sharesignal.ingest.rules import RULES
from sharesignal.ingest.tables import RAW_TABLES

RAW_SCHEMA = "raw"
LOAD_LOG = "_load_log"


def _literal_braces(sql: str) -> str:
    return sql.replace("{", "{{").replace("}", "}}")


def _rules_hold(table: str) -> list[Expectation]:
    rules = RULES[table]
    broken = _literal_braces(" OR ".join(f"({rule.condition})" for rule in rules))
    reasons = _literal_braces(
        ", ".join(f"CASE WHEN {rule.condition} THEN {rule.reason} END" for rule in rules)
    )
    return no_rows(
        "no loaded row breaks an ingest row rule",
        f"select _source_file, _line, _item, concat_ws('; ', {reasons}) as reasons "
        f"from {{batch}} where {broken}",
    )


def raw_table_suite(table: str) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=f"raw_{table}",
        expectations=[
            *declared_types(list(RAW_TABLES[table])),
            *not_null("_load_id", "_partition_date", "_source_file"),
            *_rules_hold(table),
        ],
    )


def _latest_loads(source: str) -> str:
    """The rows of `source`'s latest load of each partition (a re-run replaces a partition)."""
    return f"""select * from {{batch}}
        where source = '{source}' and (partition_date, load_id) in (
            select (partition_date, arg_max(load_id, loaded_at)) from {{batch}}
            where source = '{source}' group by partition_date)"""


def load_log_suite(source: str) -> gx.ExpectationSuite:
    latest = _latest_loads(source)
    return gx.ExpectationSuite(
        name=f"load_log_{source}",
        expectations=[
            *no_rows(
                "every file balances: rows read = rows loaded + rows rejected",
                f"select * from ({latest}) where rows_read <> rows_loaded + rows_rejected",
            ),
            *no_rows(
                "every file's rejected rows are kept in raw._rejects",
                f"""select source_file, partition_date, rows_rejected from ({latest}) as loads
                where rows_rejected > 0 and not exists (
                    select 1 from {RAW_SCHEMA}._rejects as rejects
                    where rejects.load_id = loads.load_id
                      and rejects.source_file = loads.source_file)""",
            ),
            *no_rows(
                f"no recent partition of {source} has far fewer rows than usual",
                volume_anomalies(
                    # A folder emptied on purpose (its files moved) is not a drop in volume.
                    f"select source, partition_date as day, sum(rows_loaded) as n "
                    f"from ({latest}) where status <> 'empty' group by all",
                    "source",
                ),
            ),
        ],
    )


# The suite of each raw table, by table name in the `raw` schema.
RAW_SUITES: dict[str, gx.ExpectationSuite] = {
    table: raw_table_suite(table) for source in SOURCES for table in tables_of(source)
}
# The suite of each source's rows in raw._load_log.
LOAD_LOG_SUITES: dict[str, gx.ExpectationSuite] = {
    source: load_log_suite(source) for source in SOURCES
}
