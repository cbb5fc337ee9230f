"""Great Expectations suites as blocking asset checks on the marts.

A failed suite stops the run before `published_marts`, so BI keeps the last good version.
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

from data_quality import MART_SUITES, SuiteResult, validate_table

from .resources import Warehouse

MARTS_SCHEMA = "marts"


def failures_table(result: SuiteResult) -> str:
    lines = ["| expectation | column | unexpected | sample |", "|---|---|---:|---|"]
    lines += [
        f"| {f.expectation} | {f.column or ''} | {f.unexpected_count} | {f.sample[:5]} |"
        for f in result.failed
    ]
    return "\n".join(lines)


def build_suite_check(mart: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey([MARTS_SCHEMA, mart]),
        name="great_expectations_suite",
        description=f"Great Expectations suite for marts.{mart}, run as SQL inside DuckDB. "
        "Blocking: publication waits for it.",
        blocking=True,
    )
    def check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        result = validate_table(Path(warehouse.path), MARTS_SCHEMA, mart, MART_SUITES[mart])
        if not result.success:
            context.log.error(
                f"marts.{mart} failed: " + ", ".join(f.expectation for f in result.failed)
            )
        return AssetCheckResult(
            passed=result.success,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "expectations_evaluated": result.evaluated,
                "expectations_failed": len(result.failed),
                "failures": MetadataValue.md(failures_table(result)),
            },
        )

    return check


suite_checks = [build_suite_check(mart) for mart in MART_SUITES]
