"""Great Expectations suites as blocking asset checks on the marts.

A failed suite stops the run before `published_marts`, so BI keeps the last good version.

Each expectation has a severity (data_quality.validate.severity_of): a failed "error"
expectation fails the check, which blocks publication; failed "warn" expectations alone leave
the check passed, listed in its metadata (`warnings`, `expectations_warned`) and logged as
warnings. Every run writes an HTML report (and GX's Data Docs page for the run) under
`$SHARESIGNAL_HOME/quality/data_docs/`, linked from the check's metadata.
"""

from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from data_quality import MART_SUITES, FailedExpectation, SuiteResult, validate_table
from sharesignal.config import load_settings

from .resources import Warehouse

MARTS_SCHEMA = "marts"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def failures_table(failed: list[FailedExpectation]) -> str:
    lines = [
        "| severity | expectation | column | unexpected | sample | offending rows |",
        "|---|---|---|---:|---|---|",
    ]
    lines += [
        f"| {f.severity} | {f.expectation} | {_cell(f.column or '')} | {f.unexpected_count} "
        f"| {_cell(f.sample[:5])} | {_cell(f.rows[:5] or f.error or '')} |"
        for f in failed
    ]
    return "\n".join(lines)


def _names(failed: list[FailedExpectation]) -> str:
    return ", ".join(f"{f.expectation}({f.column})" if f.column else f.expectation for f in failed)


def check_result(mart: str, result: SuiteResult) -> AssetCheckResult:
    """Passed unless an error-severity expectation failed; warnings ride along in metadata."""
    metadata: dict[str, object] = {
        "expectations_evaluated": result.evaluated,
        "expectations_failed": len(result.errors),
        "expectations_warned": len(result.warnings),
        "failures": MetadataValue.md(failures_table(result.errors)),
        "warnings": MetadataValue.md(failures_table(result.warnings)),
    }
    if result.report_path is not None:
        metadata["report"] = MetadataValue.path(str(result.report_path))
        metadata["report_url"] = MetadataValue.url(result.report_path.as_uri())
    return AssetCheckResult(
        passed=result.success,
        severity=AssetCheckSeverity.ERROR,
        description=None if result.success else f"marts.{mart} failed: {_names(result.errors)}",
        metadata=metadata,
    )


def build_suite_check(mart: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey([MARTS_SCHEMA, mart]),
        name="great_expectations_suite",
        description=f"Great Expectations suite for marts.{mart}, run as SQL inside DuckDB. "
        "Blocking: publication waits for it.",
        blocking=True,
    )
    def check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        result = validate_table(
            Path(warehouse.path),
            MARTS_SCHEMA,
            mart,
            MART_SUITES[mart],
            report_dir=load_settings().quality_dir / "data_docs",
        )
        if result.errors:
            context.log.error(f"marts.{mart} failed: {_names(result.errors)}")
        if result.warnings:
            context.log.warning(f"marts.{mart} warnings: {_names(result.warnings)}")
        return check_result(mart, result)

    return check


suite_checks = [build_suite_check(mart) for mart in MART_SUITES]
