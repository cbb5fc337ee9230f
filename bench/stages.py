"""The pipeline's stages one at a time, each in its own process, so that the benchmark can
measure each stage's wall time and peak memory from outside.

Each stage does what its Dagster step does, with the same code, minus Dagster:

    python -m bench.stages ingest  --home H --start D --end D   # the ingest assets
    python -m bench.stages build   --home H --start D --end D   # the dbt build they run
    python -m bench.stages audit   --home H                     # every raw and mart suite
    python -m bench.stages publish --home H                     # the publish step

The last stdout line is one JSON object with what the stage counted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from sharesignal.config import DBT_PROJECT_DIR, SOURCES, load_settings

MARTS_SCHEMA = "marts"


def ingest(home: Path, start: date, end: date) -> dict:
    from sharesignal.ingest import ingest_partition

    loads = []
    memory_limit = load_settings().duckdb_memory_limit  # as the warehouse resource opens it
    with duckdb.connect(
        str(home / "warehouse.duckdb"), config={"memory_limit": memory_limit}
    ) as con:
        for source in SOURCES:
            day = start
            while day <= end:
                loads += ingest_partition(con, source, day, home / "landing", load_id="bench")
                day += timedelta(days=1)
    return {
        "files": len(loads),
        "rows_read": sum(f.rows_read for f in loads),
        "rows_loaded": sum(f.rows_loaded for f in loads),
    }


def build(home: Path, start: date, end: date) -> dict:
    """`dbt build` over the window, as the dbt asset runs it (dbt is a process of its own
    there too)."""
    dbt_vars = json.dumps({"min_date": start.isoformat(), "max_date": end.isoformat()})
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [str(dbt), "build", "--vars", dbt_vars, "--quiet", "--profiles-dir", "."],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SHARESIGNAL_HOME": str(home)},
        check=True,
    )
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        shares = con.execute(f"select count(*) from {MARTS_SCHEMA}.fct_shares").fetchone()[0]
    return {"fct_shares": shares}


def audit(home: Path) -> dict:
    from data_quality import MART_SUITES, RunReports, validate_table
    from data_quality.raw_suites import LOAD_LOG, LOAD_LOG_SUITES, RAW_SCHEMA, RAW_SUITES

    warehouse = home / "warehouse.duckdb"
    # Reported as the checks report, so that the stage's time includes writing the reports.
    reports = RunReports(home / "quality", _bench_run_id("audit"))
    suites = [(RAW_SCHEMA, table, suite) for table, suite in RAW_SUITES.items()]
    suites += [(RAW_SCHEMA, LOAD_LOG, suite) for suite in LOAD_LOG_SUITES.values()]
    suites += [(MARTS_SCHEMA, mart, suite) for mart, suite in MART_SUITES.items()]
    results = []
    for schema, table, suite in suites:
        results.append(validate_table(warehouse, schema, table, suite))
        reports.record("bench", schema, table, suite.name, results[-1])
    return {
        "suites": len(results),
        "expectations": sum(r.evaluated for r in results),
        "suites_failed": sum(not r.success for r in results),
    }


def publish(home: Path) -> dict:
    """As the pipeline publishes: the copy, the mart suites run again on it, the swap."""
    import logging

    from data_quality import MART_SUITES, RunReports
    from orchestration.publish import audit_candidate, tables_the_gates_read
    from sharesignal.publish import publish_marts

    log = logging.getLogger("bench.publish")
    row_counts = publish_marts(
        home / "warehouse.duckdb",
        home / "serving" / "marts.duckdb",
        MARTS_SCHEMA,
        list(MART_SUITES),
        audit=lambda candidate: audit_candidate(
            candidate, log, RunReports(home / "quality", _bench_run_id("publish"))
        ),
        audit_inputs=tables_the_gates_read(MART_SUITES),
        manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json",
    )
    return {"rows": sum(row_counts.values())}


def _bench_run_id(stage: str) -> str:
    return f"bench-{stage}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stages", description=__doc__)
    parser.add_argument("stage", choices=["ingest", "build", "audit", "publish"])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat)
    parser.add_argument("--end", type=date.fromisoformat)
    args = parser.parse_args()
    if args.stage == "ingest":
        counted = ingest(args.home, args.start, args.end)
    elif args.stage == "build":
        counted = build(args.home, args.start, args.end)
    elif args.stage == "audit":
        counted = audit(args.home)
    else:
        counted = publish(args.home)
    print(json.dumps(counted))


if __name__ == "__main__":
    main()
