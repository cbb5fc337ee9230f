"""Which values of a validated table a failure may show, in Dagster metadata and in reports.

The marts hold no original personal identifier: staging replaced them by pseudonyms (the dbt
macro `pseudonymize`; tests/test_personal_data.py checks the serving file), so any of their
columns may be sampled. The raw tables hold the exports as delivered (ids, handles, emails,
post texts), so from them a failure shows only what ingest or the suite's own query wrote:
each row's locators (load id, partition, file, line, item), the load log's counts and
messages (which quote no value from a file), and the columns the raw suites compute
(`reasons`, the schema comparison, volume per day). A field of the export is never shown, even
one whose name is on that list; its values are withheld and the column named instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_quality.raw_suites import LOAD_LOG, RAW_SCHEMA
from sharesignal.ingest.tables import INCLUDED, LINEAGE, RAW_TABLES
from sharesignal.ingest.tables import LOAD_LOG as LOAD_LOG_COLUMNS

MARTS_SCHEMA = "marts"

LOCATORS = frozenset(name for name, _ in LINEAGE + INCLUDED)
# `new_fields` names a record's undeclared keys, and a key can be an id or a handle.
LOAD_LOG_SHOWN = frozenset(name for name, _ in LOAD_LOG_COLUMNS) - {"new_fields"}
# What the raw suites' queries compute (data_quality.expect, data_quality.raw_suites): the
# rules' reasons, which quote no value (issue 16), the declared/actual schema, day counts.
COMPUTED = frozenset({"reasons", "problem", "column_name", "column_type", "day", "n", "usual"})


@dataclass(frozen=True)
class Disclosure:
    """`disclosure(column)`: whether values of `column` may be shown."""

    shown: frozenset[str] = frozenset()
    # Every column may be shown (the marts).
    everything: bool = False

    def __call__(self, column: str) -> bool:
        return self.everything or column in self.shown


def disclosure(schema: str, table: str) -> Disclosure:
    """The rule for the values of `schema.table`, and of the rows its suite's queries return."""
    if schema == MARTS_SCHEMA:
        return Disclosure(everything=True)
    if table == LOAD_LOG and schema == RAW_SCHEMA:
        return Disclosure(LOAD_LOG_SHOWN | COMPUTED)
    if schema != RAW_SCHEMA or table not in RAW_TABLES:
        raise ValueError(f"no disclosure rule for {schema}.{table}: say what may be shown")
    fields = {name for name, _ in RAW_TABLES[table]} - LOCATORS
    return Disclosure((LOCATORS | COMPUTED) - fields)
