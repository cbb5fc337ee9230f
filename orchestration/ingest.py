"""Ingest assets: one per source, loading `landing/<source>/<date>/` into `raw.*`.

The landing folders are external assets (files a business exports; nothing here
materializes them), so the lineage starts at the export files.
"""

from collections.abc import Iterator
from datetime import date

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from sharesignal.config import SOURCES, load_settings
from sharesignal.crash import crash_point
from sharesignal.ingest import FileLoad, ingest_partition
from sharesignal.ingest.formats import tables_of
from sharesignal.ingest.landing import undated_entries
from sharesignal.writer_lock import writer_lock

from .partitions import PARTITIONS_NOTE, daily_partitions, single_run
from .resources import Warehouse

SOURCE_DESCRIPTIONS = {
    "x": "X (Twitter) API v2 search pages: posts, retweets, quotes, replies and their users.",
    "mastodon": "Mastodon API status pages: statuses, reblogs and their accounts.",
    "bluesky": "Bluesky getAuthorFeed pages (posts, reposts) and getProfiles records.",
    "clicks": "Short-link click log (bit.ly format): one click per line, with heartbeats.",
    "web_analytics": "GA4 BigQuery export rows: events with nested event_params.",
    "crm": "Salesforce Lead and Opportunity CSV exports.",
    "content": "The business's content catalog: URL, title, type and campaign.",
}


def landing_spec(source: str) -> AssetSpec:
    # In code spans, since Markdown (the UI renders descriptions as Markdown) takes
    # `<YYYY-MM-DD>` for an HTML tag and drops it.
    return AssetSpec(
        key=AssetKey(["landing", source]),
        description=f"Export files as delivered, in `landing/{source}/<YYYY-MM-DD>/`. "
        + SOURCE_DESCRIPTIONS[source]
        + " "
        + PARTITIONS_NOTE,
        group_name="landing",
        kinds={"file"},
        partitions_def=daily_partitions,
    )


def file_loads_table(loads: list[FileLoad]) -> str:
    lines = [
        "| file | read | loaded | rejected | status | new fields | message |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    lines += [
        f"| {f.source_file} | {f.rows_read} | {f.rows_loaded} | {f.rows_rejected} "
        f"| {f.status} | {', '.join(f.new_fields)} | {f.message or ''} |"
        for f in loads
    ]
    return "\n".join(lines)


def build_ingest_asset(source: str) -> AssetsDefinition:
    tables = tables_of(source)

    @multi_asset(
        name=f"ingest_{source}",
        specs=[
            AssetSpec(
                key=AssetKey(["raw", table]),
                deps=[landing_spec(source)],
                description=f"raw.{table} in warehouse.duckdb: the {source} export records as "
                "delivered, each with its file, line and load id. Bad lines and files go to "
                "raw._rejects with a reason; raw._load_log balances every file. " + PARTITIONS_NOTE,
                group_name="raw",
                kinds={"duckdb"},
            )
            for table in tables
        ],
        partitions_def=daily_partitions,
        backfill_policy=single_run,
    )
    def ingest(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[MaterializeResult]:
        settings = load_settings()
        landing_dir = settings.landing_dir
        undated = undated_entries(landing_dir, source)
        if undated:
            context.log.warning(
                f"landing/{source}/ holds {len(undated)} entries that are not YYYY-MM-DD "
                f"folders, which no partition reads: {', '.join(undated[:10])}"
            )
        loads: list[FileLoad] = []
        lock = writer_lock(f"ingest {source} (run {context.run.run_id})", context.log)
        with lock, warehouse.connect() as con:
            for key in context.partition_keys:
                loads += ingest_partition(
                    con,
                    source,
                    date.fromisoformat(key),
                    landing_dir,
                    load_id=context.run_id,
                    ignore=settings.landing_ignore,
                )
                crash_point(f"ingest:{source}")
            window = context.partition_time_window
            row_counts = {
                table: con.execute(
                    f"SELECT count(*) FROM raw.{table} WHERE _partition_date >= ? "
                    "AND _partition_date < ?",
                    [window.start.date(), window.end.date()],
                ).fetchone()[0]
                for table in tables
            }
        read = sum(f.rows_read for f in loads)
        loaded = sum(f.rows_loaded for f in loads)
        rejected = sum(f.rows_rejected for f in loads)
        context.log.info(
            f"{source}: {len(loads)} files, {read} rows read, {loaded} loaded, {rejected} rejected"
        )
        for load in loads:
            if load.status in ("skipped", "deferred"):
                context.log.warning(load.message)
        for table in tables:
            yield MaterializeResult(
                asset_key=AssetKey(["raw", table]),
                metadata={
                    "dagster/row_count": row_counts[table],
                    "files": len(loads),
                    "rows_read": read,
                    "rows_loaded": loaded,
                    "rows_rejected": rejected,
                    "files_rejected": sum(f.status == "rejected" for f in loads),
                    "files_duplicate": sum(f.status == "duplicate" for f in loads),
                    "files_skipped": sum(f.status == "skipped" for f in loads),
                    "files_deferred": sum(f.status == "deferred" for f in loads),
                    "new_fields": sorted({field for f in loads for field in f.new_fields}),
                    "loads": MetadataValue.md(file_loads_table(loads)),
                },
            )

    return ingest


landing_specs = [landing_spec(source) for source in SOURCES]
ingest_assets = [build_ingest_asset(source) for source in SOURCES]
