"""The published marts: what BI tools read, written only after every gate passed."""

from datetime import date
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetExecutionContext,
    AssetKey,
    DagsterEventType,
    MaterializeResult,
    asset,
)

from data_quality import MART_SUITES
from sharesignal.config import load_settings
from sharesignal.crash import crash_point
from sharesignal.publish import Publication, SuiteOutcome, code_version, publish_marts

from .quality import MARTS_SCHEMA
from .resources import Warehouse
from .transform import dbt_project

SUITE_CHECK_NAME = "great_expectations_suite"


@asset(
    key=AssetKey(["serving", "published_marts"]),
    deps=[AssetKey([MARTS_SCHEMA, mart]) for mart in MART_SUITES],
    description="serving/marts.duckdb: the audited marts, copied out of the warehouse and "
    "swapped in atomically, with a `_publication` table, the dbt descriptions as comments, "
    "Parquet copies under serving/parquet and the previous files under serving/versions. "
    "Runs only when every blocking check on the marts passed; BI tools open this file "
    "read-only.",
    group_name="serving",
    kinds={"duckdb", "parquet"},
)
def published_marts(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    settings = load_settings()
    serving_path = settings.serving_path
    first, last = partitions_covered(warehouse)
    publication = Publication(
        first_partition=first,
        last_partition=last,
        suites=suite_outcomes(context),
        code_version=code_version(),
    )
    row_counts = publish_marts(
        Path(warehouse.path),
        serving_path,
        MARTS_SCHEMA,
        list(MART_SUITES),
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
            **{f"rows_{t}": n for t, n in row_counts.items()},
        }
    )


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


def suite_outcomes(context: AssetExecutionContext) -> list[SuiteOutcome]:
    """Each mart's blocking suite as this run evaluated it. This asset only runs when every
    blocking check passed, so `passed` is true for each mart; the number of expectations is
    read from the check's latest evaluation when it belongs to this run, else left unknown."""
    check_keys = [
        AssetCheckKey(AssetKey([MARTS_SCHEMA, mart]), SUITE_CHECK_NAME) for mart in MART_SUITES
    ]
    try:
        records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(
            check_keys
        )
    except Exception as error:  # the outcome is still known: publish without the counts
        context.log.warning(f"could not read the check evaluations: {error}")
        records = {}
    outcomes = []
    for mart, key in zip(MART_SUITES, check_keys, strict=True):
        evaluated, passed = None, True
        record = records.get(key)
        if record is not None and record.run_id == context.run_id and record.event is not None:
            dagster_event = record.event.dagster_event
            if (
                dagster_event is not None
                and dagster_event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
            ):
                evaluation = dagster_event.asset_check_evaluation_data
                passed = evaluation.passed
                value = evaluation.metadata.get("expectations_evaluated")
                evaluated = getattr(value, "value", None)
        outcomes.append(SuiteOutcome(mart, passed, evaluated))
    return outcomes
