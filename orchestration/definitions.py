"""The Dagster code location: everything from export files to published marts.

landing/<source>  →  raw/<source>  →  staging/*  →  intermediate/*  →  marts/*
    →  Great Expectations checks  →  serving/published_marts  →  serving/results_report
"""

import os
import sys
from pathlib import Path

from dagster import Definitions, in_process_executor
from dagster_dbt import DbtCliResource

from sharesignal.config import load_settings, warn_if_default_pseudonym_key

from .freshness import freshness_checks, freshness_sensor
from .ingest import ingest_assets, landing_specs
from .jobs import audit_and_publish, daily_pipeline
from .publish import published_marts
from .quality import mart_checks, raw_checks
from .report import results_report
from .resources import Warehouse
from .sensors import daily_schedule, landing_sensor
from .transform import dbt_models, dbt_project

settings = load_settings()
warn_if_default_pseudonym_key(settings)
# dbt runs as a subprocess from dbt_project/ and reads its settings from the environment:
# an absolute SHARESIGNAL_HOME means the same folder there. (The pseudonymization key it
# resolves itself, as these settings did: sharesignal/pseudonym_key.py.)
os.environ["SHARESIGNAL_HOME"] = str(settings.home)

defs = Definitions(
    assets=[*landing_specs, *ingest_assets, dbt_models, published_marts, results_report],
    asset_checks=[*raw_checks, *mart_checks, *freshness_checks],
    jobs=[daily_pipeline, audit_and_publish],
    schedules=[daily_schedule],
    sensors=[landing_sensor, freshness_sensor],
    resources={
        "warehouse": Warehouse(
            path=str(settings.warehouse_path), memory_limit=settings.duckdb_memory_limit
        ),
        # dbt is installed beside this interpreter, which need not be on PATH; run through
        # `sharesignal-dbt`, which answers dagster-dbt's `--version` without asking PyPI.
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            dbt_executable=str(Path(sys.executable).parent / "sharesignal-dbt"),
        ),
    },
    # One DuckDB file takes one writer at a time, and dbt writes it from a subprocess:
    # steps run one after another in the run's process.
    executor=in_process_executor,
)
