"""Run a Great Expectations suite against one table, inside DuckDB, and say what failed.

The result is plain dataclasses so that a Dagster asset check can turn it into metadata
without knowing GX's result objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
from great_expectations.core import ExpectationValidationResult
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from sqlalchemy.engine import URL

from data_quality.duckdb_dialect import DRIVER
from data_quality.report import write_report

# How many unexpected values (and offending rows) each failed expectation reports.
SAMPLE_SIZE = 5
# An expectation's severity sits in its meta: "error" blocks, "warn" only reports.
ERROR = "error"
WARN = "warn"
SEVERITIES = (ERROR, WARN)


def severity_of(meta: dict[str, Any] | None) -> str:
    """The severity an expectation's `meta` gives it; "error" unless it says otherwise."""
    severity = (meta or {}).get("severity", ERROR)
    if severity not in SEVERITIES:
        raise ValueError(f"unknown expectation severity {severity!r}: use one of {SEVERITIES}")
    return severity


@dataclass(frozen=True)
class FailedExpectation:
    expectation: str
    column: str | None
    unexpected_count: int | None
    sample: list[Any]
    # Why the expectation could not be evaluated at all (e.g. its column is missing).
    error: str | None = None
    # "error" blocks publication, "warn" is only reported.
    severity: str = ERROR
    # Up to SAMPLE_SIZE offending rows, for expectations that are a query returning rows.
    rows: list[dict[str, Any]] = field(default_factory=list)
    # What the rule says, for expectations that carry a description (the query ones do).
    description: str | None = None

    @property
    def label(self) -> str:
        """The expectation as a person reads it in a failure: its type, and its rule."""
        return f"{self.expectation}: {self.description}" if self.description else self.expectation

    @property
    def name(self) -> str:
        """The label with the column it was about, for one-line failure messages."""
        return f"{self.label}({self.column})" if self.column else self.label


@dataclass(frozen=True)
class SuiteResult:
    # True when no error-severity expectation failed: warnings alone do not fail a suite.
    success: bool
    evaluated: int
    failed: list[FailedExpectation] = field(default_factory=list)
    # The validation report written for this run, when a report folder was given.
    report_path: Path | None = None

    @property
    def errors(self) -> list[FailedExpectation]:
        return [f for f in self.failed if f.severity == ERROR]

    @property
    def warnings(self) -> list[FailedExpectation]:
        return [f for f in self.failed if f.severity == WARN]


def validate_table(
    warehouse_path: Path,
    schema: str,
    table: str,
    suite: gx.ExpectationSuite,
    report_dir: Path | None = None,
) -> SuiteResult:
    """Validate `schema.table` of the DuckDB file `warehouse_path` (opened read-only).

    With `report_dir`, also write an HTML report of this run (and GX's rendering of the
    validation result beside it) under `report_dir`; its path is in the result."""
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
    failed = [_failure(r) for r in result.results if not r.success]
    if any(f.expectation == "unexpected_rows_expectation" for f in failed):
        failed = _with_offending_rows(warehouse_path, schema, table, failed, result.results)
    outcome = SuiteResult(
        success=not any(f.severity == ERROR for f in failed),
        evaluated=len(result.results),
        failed=failed,
    )
    if report_dir is None:
        return outcome
    path = write_report(report_dir, f"{schema}.{table}", suite.name, outcome, result)
    return replace(outcome, report_path=path)


def _with_offending_rows(
    warehouse_path: Path,
    schema: str,
    table: str,
    failed: list[FailedExpectation],
    results: list[ExpectationValidationResult],
) -> list[FailedExpectation]:
    """Add the first offending rows of each failed query expectation: GX only returns them all
    (result format COMPLETE), so run the query again here with a limit. Only on failure."""
    queries = [
        r.expectation_config.kwargs["unexpected_rows_query"]
        for r in results
        if not r.success and r.expectation_config.type == "unexpected_rows_expectation"
    ]
    batch = f'"{schema}"."{table}"'
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        samples = iter(
            _rows(con, f"select * from ({q.format(batch=batch)}) limit {SAMPLE_SIZE}")
            for q in queries
        )
        return [
            replace(f, rows=next(samples)) if f.expectation == "unexpected_rows_expectation" else f
            for f in failed
        ]


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    try:
        cursor = con.execute(query)
    except duckdb.Error:
        return []
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return json.loads(json.dumps(rows, default=str))


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
        severity=severity_of(config.meta),
        description=config.description,
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
