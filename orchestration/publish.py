"""The published marts: what BI tools read, written only after every gate passed."""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from data_quality import MART_SUITES
from sharesignal.config import load_settings
from sharesignal.publish import publish_marts

from .quality import MARTS_SCHEMA
from .resources import Warehouse


@asset(
    key=AssetKey(["serving", "published_marts"]),
    deps=[AssetKey([MARTS_SCHEMA, mart]) for mart in MART_SUITES],
    description="serving/marts.duckdb: the audited marts, copied out of the warehouse and "
    "swapped in atomically. Runs only when every blocking check on the marts passed; BI "
    "tools open this file read-only.",
    group_name="serving",
    kinds={"duckdb"},
)
def published_marts(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    serving_path = load_settings().serving_path
    row_counts = publish_marts(Path(warehouse.path), serving_path, MARTS_SCHEMA, list(MART_SUITES))
    context.log.info(f"published {serving_path}: {row_counts}")
    return MaterializeResult(
        metadata={"path": str(serving_path), **{f"rows_{t}": n for t, n in row_counts.items()}}
    )
