"""The published marts: what BI tools read, written only after every gate passed, on the very
rows published."""

import re
from datetime import date
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from great_expectations import ExpectationSuite

from data_quality import MART_SUITES, RunReports, validate_table
from data_quality.index_page import anchor
from data_quality.runs import index_path
from sharesignal.config import load_settings
from sharesignal.crash import crash_point
from sharesignal.publish import Publication, SuiteOutcome, code_version, publish_marts
from sharesignal.writer_lock import Log, writer_lock

from .quality import MARTS_SCHEMA
from .resources import Warehouse
from .transform import dbt_project


@asset(
    key=AssetKey(["serving", "published_marts"]),
    deps=[AssetKey([MARTS_SCHEMA, mart]) for mart in MART_SUITES],
    description="serving/marts.duckdb: the audited marts, copied out of the warehouse, "
    "audited again on that copy, and swapped in atomically, with a `_publication` table, the "
    "dbt descriptions as comments, Parquet copies under serving/parquet (current.json names "
    "the current ones) and the previous files under serving/versions. Runs only when every "
    "blocking check on the marts passed; BI tools open this file read-only.",
    group_name="serving",
    kinds={"duckdb", "parquet"},
)
def published_marts(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    settings = load_settings()
    serving_path = settings.serving_path
    reports = RunReports(settings.quality_dir, context.run.run_id)
    with writer_lock(f"publish (run {context.run.run_id})", context.log):
        first, last = partitions_covered(warehouse)
        publication = Publication(
            first_partition=first, last_partition=last, code_version=code_version()
        )
        row_counts = publish_marts(
            Path(warehouse.path),
            serving_path,
            MARTS_SCHEMA,
            list(MART_SUITES),
            audit=lambda candidate: audit_candidate(candidate, context.log, reports),
            audit_inputs=tables_the_gates_read(MART_SUITES),
            publication=publication,
            keep_versions=settings.serving_versions,
            manifest_path=Path(dbt_project.manifest_path),
        )
    crash_point("publish:done")
    context.log.info(f"published {serving_path}: {row_counts}")
    return MaterializeResult(
        metadata={
            "path": str(serving_path),
            "parquet": str(settings.serving_parquet_dir),
            "first_partition": str(first),
            "last_partition": str(last),
            "code_version": publication.code_version,
            # This run's section of the index: the gates and the audit of the copy published.
            "quality_reports": MetadataValue.url(
                f"{settings.page_url(index_path(settings.quality_dir))}#{anchor(context.run.run_id)}"
            ),
            **{f"rows_{t}": n for t, n in row_counts.items()},
        }
    )


# The check name this audit's reports go under, beside the gates' own.
AUDIT_CHECK = "publish_audit"


def audit_candidate(candidate: Path, log: Log, reports: RunReports) -> list[SuiteOutcome]:
    """Every mart's suite on the copy about to be published, each reported in `reports`. In a
    run, the checks passed on the warehouse already; a failure here means the warehouse
    changed since."""
    outcomes = []
    for mart, suite in MART_SUITES.items():
        result = validate_table(candidate, MARTS_SCHEMA, mart, suite)
        report = reports.record(AUDIT_CHECK, MARTS_SCHEMA, mart, suite.name, result)
        if result.errors:
            names = ", ".join(f.name for f in result.errors)
            log.error(
                f"{MARTS_SCHEMA}.{mart} failed on the copy to publish: {names} (report: {report})"
            )
        outcomes.append(SuiteOutcome(mart, result.success, result.evaluated))
    return outcomes


# `schema.table` in SQL text; aliases such as `child.content_id` match too, and are dropped
# by publish_marts as no table of the warehouse.
QUALIFIED_NAME = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b")


def tables_the_gates_read(suites: dict[str, ExpectationSuite]) -> set[tuple[str, str]]:
    """The (schema, table) names in the suites' queries: what a copy must hold besides the
    marts for the gates to judge it (the newest exported post for freshness, the trust
    seeds…)."""
    return {
        name
        for suite in suites.values()
        for expectation in suite.expectations
        for name in QUALIFIED_NAME.findall(getattr(expectation, "unexpected_rows_query", ""))
    }


def partitions_covered(warehouse: Warehouse) -> tuple[date | None, date | None]:
    """The first and last export date the warehouse holds (from `raw._load_log`). This asset
    is not partitioned, and the marts it copies are built over every loaded partition, so
    that range, not the run's own partitions, is what the published file covers."""
    with warehouse.connect(read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'raw' AND table_name = '_load_log'"
        ).fetchone()[0]
        if not exists:
            return None, None
        return con.execute(
            "SELECT min(partition_date), max(partition_date) FROM raw._load_log"
        ).fetchone()
