"""Run a Great Expectations suite against one table, inside DuckDB, and say what failed.

The result is plain dataclasses so that a Dagster asset check can turn it into metadata
without knowing GX's result objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core import ExpectationValidationResult
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from sqlalchemy.engine import URL

from data_quality.duckdb_dialect import DRIVER

# How many unexpected values each failed expectation reports.
SAMPLE_SIZE = 5


@dataclass(frozen=True)
class FailedExpectation:
    expectation: str
    column: str | None
    unexpected_count: int | None
    sample: list[Any]
    # Why the expectation could not be evaluated at all (e.g. its column is missing).
    error: str | None = None


@dataclass(frozen=True)
class SuiteResult:
    success: bool
    evaluated: int
    failed: list[FailedExpectation] = field(default_factory=list)


def validate_table(
    warehouse_path: Path, schema: str, table: str, suite: gx.ExpectationSuite
) -> SuiteResult:
    """Validate `schema.table` of the DuckDB file `warehouse_path` (opened read-only)."""
    if not warehouse_path.is_file():
        raise FileNotFoundError(
            f"warehouse {warehouse_path} does not exist: build the marts before validating them"
        )
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
    return SuiteResult(
        success=result.success,
        evaluated=len(result.results),
        failed=[_failure(r) for r in result.results if not r.success],
    )


def _failure(result: ExpectationValidationResult) -> FailedExpectation:
    config = result.expectation_config
    column = config.kwargs.get("column")
    if column is None and "column_list" in config.kwargs:
        column = ", ".join(config.kwargs["column_list"])
    elif column is None and "column_A" in config.kwargs:
        column = f"{config.kwargs['column_A']}, {config.kwargs['column_B']}"
    details = result.result
    # Table-level expectations report what they saw instead of unexpected values.
    sample = details.get("partial_unexpected_list") or _observed(details)
    return FailedExpectation(
        expectation=config.type,
        column=column,
        unexpected_count=details.get("unexpected_count"),
        # JSON-safe (dates, decimals as text) so it goes straight into Dagster metadata.
        sample=json.loads(json.dumps(sample, default=str)),
        error=_error(result),
    )


def _observed(details: dict[str, Any]) -> list[Any]:
    mismatched = details.get("details", {}).get("mismatched")
    if mismatched:
        return [f"{kind}: {', '.join(columns)}" for kind, columns in mismatched.items()]
    return [details["observed_value"]] if "observed_value" in details else []


def _error(result: ExpectationValidationResult) -> str | None:
    info = result.exception_info or {}
    # A single failed metric reports its exception at the top level; several report one each.
    if "exception_message" in info:
        messages = [info["exception_message"]] if info.get("raised_exception") else []
    else:
        messages = [m["exception_message"] for m in info.values() if m.get("raised_exception")]
    return "; ".join(messages) or None
