"""Run a Great Expectations suite against one table, inside DuckDB, and say what each
expectation found (data_quality.results)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from sqlalchemy.engine import URL

from data_quality.disclosure import Disclosure, disclosure
from data_quality.duckdb_dialect import DRIVER
from data_quality.results import (
    QUERY_EXPECTATION,
    ExpectationOutcome,
    SuiteResult,
    json_safe,
    outcome_of,
)

# How many unexpected values (and offending rows) each failed expectation reports.
SAMPLE_SIZE = 5


def validate_table(
    warehouse_path: Path, schema: str, table: str, suite: gx.ExpectationSuite
) -> SuiteResult:
    """Validate `schema.table` of the DuckDB file `warehouse_path` (opened read-only)."""
    if not warehouse_path.is_file():
        raise FileNotFoundError(
            f"warehouse {warehouse_path} does not exist: build the marts before validating them"
        )
    disclosed = disclosure(schema, table)
    # In memory only: nothing is written to disk, no usage statistics, no progress bars.
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    url = URL.create(
        f"duckdb+{DRIVER}", database=str(warehouse_path), query={"access_mode": "read_only"}
    )
    datasource = context.data_sources.add_sql(
        name="warehouse", connection_string=url.render_as_string()
    )
    try:
        asset = datasource.add_table_asset(name=table, table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table(name="whole_table").get_batch()
        result = batch.validate(
            suite,
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
        )
    finally:
        # Close the read-only connections now: they hold a lock the next writer would wait for.
        datasource.get_engine().dispose()
        datasource.get_execution_engine().engine.dispose()
    outcomes = [outcome_of(r, disclosed) for r in result.results]
    if any(_offending_rows_wanted(o) for o in outcomes):
        outcomes = _with_offending_rows(
            warehouse_path, f'"{schema}"."{table}"', outcomes, disclosed
        )
    return SuiteResult(outcomes)


def _offending_rows_wanted(outcome: ExpectationOutcome) -> bool:
    return not outcome.passed and outcome.expectation == QUERY_EXPECTATION


def _with_offending_rows(
    warehouse_path: Path, batch: str, outcomes: list[ExpectationOutcome], disclosed: Disclosure
) -> list[ExpectationOutcome]:
    """Add the first offending rows of each failed query expectation: GX only returns them all
    (result format COMPLETE), so run the query again here with a limit. Only on failure."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return [
            _sampled(con, o, batch, disclosed) if _offending_rows_wanted(o) else o for o in outcomes
        ]


def _sampled(
    con: duckdb.DuckDBPyConnection,
    outcome: ExpectationOutcome,
    batch: str,
    disclosed: Disclosure,
) -> ExpectationOutcome:
    query = outcome.kwargs["unexpected_rows_query"].format(batch=batch)
    try:
        cursor = con.execute(f"select * from ({query}) limit {SAMPLE_SIZE}")
    except duckdb.Error:
        return outcome
    names = [d[0] for d in cursor.description]
    shown = [i for i, name in enumerate(names) if disclosed(name)]
    rows = [{names[i]: row[i] for i in shown} for row in cursor.fetchall()]
    withheld = [name for name in names if not disclosed(name)]
    return replace(outcome, rows=json_safe(rows), withheld=[*outcome.withheld, *withheld])
