"""Great Expectations suites as blocking asset checks: the raw contract of every source (before
dbt reads it) and every mart (before publication).

A failed suite stops the run before anything downstream of it: a failed mart suite before
`published_marts`, so BI keeps the last good version; a failed raw contract before dbt.

Each expectation has a severity (data_quality.results.severity_of): a failed "error"
expectation fails the check, which blocks publication; failed "warn" expectations alone leave
the check passed, listed in its metadata (`warnings`, `expectations_warned`) and logged as
warnings. Every run writes a report listing every expectation under
`$SHARESIGNAL_HOME/quality/runs/<run id>/` (data_quality.runs), linked from the check's
metadata by its URL on the pages server, as is the index of all runs.
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
from great_expectations import ExpectationSuite

from data_quality import (
    MART_SUITES,
    ExpectationOutcome,
    RunReports,
    SuiteResult,
    validate_table,
)
from data_quality.raw_suites import LOAD_LOG, LOAD_LOG_SUITES, RAW_SCHEMA, RAW_SUITES
from data_quality.runs import index_path
from sharesignal.config import load_settings
from sharesignal.crash import crash_point
from sharesignal.ingest.formats import tables_of

from .resources import Warehouse

MARTS_SCHEMA = "marts"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def failures_table(failed: list[ExpectationOutcome]) -> str:
    lines = [
        "| severity | expectation | column | unexpected | sample | offending rows |",
        "|---|---|---|---:|---|---|",
    ]
    lines += [
        f"| {f.severity} | {f.expectation} | {_cell(f.column or '')} | {f.unexpected_count} "
        f"| {_cell(_sample(f))} | {_cell(f.rows[:5] or f.error or '')} |"
        for f in failed
    ]
    return "\n".join(lines)


def _sample(f: ExpectationOutcome) -> object:
    if f.withheld and not f.sample:
        return f"values of {', '.join(f.withheld)} withheld (raw data)"
    return f.sample[:5]


def _names(failed: list[ExpectationOutcome]) -> str:
    return ", ".join(f.name for f in failed)


def report_links(report: Path) -> dict[str, MetadataValue]:
    """A report as a file and as its page on the pages server (browsers refuse to open
    file:// links from the Dagster UI), and the index of every run."""
    settings = load_settings()
    return {
        "report": MetadataValue.path(str(report)),
        "report_url": MetadataValue.url(settings.page_url(report)),
        "all_quality_reports": MetadataValue.url(
            settings.page_url(index_path(settings.quality_dir))
        ),
    }


def check_result(table: str, result: SuiteResult, report: Path | None = None) -> AssetCheckResult:
    """Passed unless an error-severity expectation failed; warnings ride along in metadata."""
    metadata: dict[str, object] = {
        "expectations_evaluated": result.evaluated,
        "expectations_failed": len(result.errors),
        "expectations_warned": len(result.warnings),
        "failures": MetadataValue.md(failures_table(result.errors)),
        "warnings": MetadataValue.md(failures_table(result.warnings)),
    }
    if report is not None:
        metadata.update(report_links(report))
    return AssetCheckResult(
        passed=result.success,
        severity=AssetCheckSeverity.ERROR,
        description=None if result.success else f"{table} failed: {_names(result.errors)}",
        metadata=metadata,
    )


def build_suite_check(
    asset: AssetKey, schema: str, table: str, suite: ExpectationSuite, name: str, about: str
) -> AssetChecksDefinition:
    """A blocking check validating `schema.table` with `suite`; nothing downstream of `asset`
    runs in the same run when it fails."""

    @asset_check(
        asset=asset,
        name=name,
        description=f"{about} Great Expectations suite `{suite.name}` on {schema}.{table}, "
        "run as SQL inside DuckDB. Blocking: nothing downstream runs when it fails.",
        blocking=True,
    )
    def check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        crash_point(f"audit:{suite.name}")
        result = validate_table(Path(warehouse.path), schema, table, suite)
        report = RunReports(load_settings().quality_dir, context.run.run_id).record(
            name, schema, table, suite.name, result
        )
        label = f"{schema}.{table} ({suite.name})"
        if result.errors:
            context.log.error(f"{label} failed: {_names(result.errors)}")
        if result.warnings:
            context.log.warning(f"{label} warnings: {_names(result.warnings)}")
        return check_result(label, result, report)

    return check


# The gates of publication: one suite per mart.
mart_checks = [
    build_suite_check(
        AssetKey([MARTS_SCHEMA, mart]),
        MARTS_SCHEMA,
        mart,
        suite,
        name="great_expectations_suite",
        about="The gate of publication.",
    )
    for mart, suite in MART_SUITES.items()
]

# The raw contract, checked before dbt reads the raw tables: one suite per raw table, and
# per source its files in the load log (attached to the source's first raw table).
raw_checks = [
    build_suite_check(
        AssetKey([RAW_SCHEMA, table]),
        RAW_SCHEMA,
        table,
        suite,
        name="raw_contract",
        about="The raw contract.",
    )
    for table, suite in RAW_SUITES.items()
] + [
    build_suite_check(
        AssetKey([RAW_SCHEMA, tables_of(source)[0]]),
        RAW_SCHEMA,
        LOAD_LOG,
        suite,
        name="load_log",
        about=f"Every {source} file accounted for, and no partition far below the usual volume.",
    )
    for source, suite in LOAD_LOG_SUITES.items()
]
