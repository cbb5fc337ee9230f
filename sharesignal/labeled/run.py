"""Run a labeled set through the real pipeline in a scratch home and read back its scores.

Each dataset gets a home of its own (`<work>/<dataset>.home/`): its X export is landed in
`landing/x/<export date>/`, its labels are written beside (`labels/accounts.parquet`, which
the pipeline never reads, like a generated world's truth), and `sharesignal backfill` runs
that export date end to end: ingest, dbt, the quality gates, publish. The published
`dim_accounts` is then read with each account's label, through the same keyed hash the
pipeline pseudonymizes ids with.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from sharesignal import serving
from sharesignal.config import REPO_ROOT
from sharesignal.evaluate import pseudonym_sql, query
from sharesignal.labeled.landing import land
from sharesignal.labeled.readers import LabeledSet

# Written into every scratch home, so a later run only ever deletes a home it made.
MARKER = ".sharesignal-labeled-home"


class PipelineRunFailed(RuntimeError):
    """The pipeline run on a labeled set failed; its log says why."""


def fresh_home(work: Path, name: str) -> Path:
    home = work / f"{name}.home"
    if home.exists():
        if not (home / MARKER).exists():
            raise FileExistsError(
                f"{home} exists and is not a scratch home of a labeled run: move it, or choose "
                "another --work folder"
            )
        shutil.rmtree(home)
    (home / "labels").mkdir(parents=True)
    (home / MARKER).write_text("made by sharesignal.labeled.run; deleted by the next run\n")
    return home


@dataclass(frozen=True)
class ScoredSet:
    labeled: LabeledSet
    # every labeled account with its dim_accounts row (NULL columns where not found)
    accounts: pl.DataFrame
    export_date: str
    seconds: float


def run_pipeline(labeled: LabeledSet, work: Path) -> ScoredSet:
    """Land `labeled` in a fresh home under `work`, run the pipeline on it, read the scores."""
    home = fresh_home(work, labeled.name)
    day, _, _ = land(labeled, home / "landing")
    labels = home / "labels" / "accounts.parquet"
    labeled.accounts.select("account_id", "is_bot", "kind").write_parquet(labels)
    # A key of the run's own: the scratch home's pseudonyms mean nothing elsewhere.
    key = secrets.token_hex(16)
    env = {
        **os.environ,
        "SHARESIGNAL_HOME": str(home),
        "SHARESIGNAL_PARTITIONS_START": day.isoformat(),
        "SHARESIGNAL_PSEUDONYM_KEY": key,
    }
    command = [
        str(Path(sys.executable).parent / "sharesignal"),
        "backfill",
        "--start",
        day.isoformat(),
        "--end",
        day.isoformat(),
    ]
    started = time.monotonic()
    with (home / "pipeline.log").open("w") as log:
        result = subprocess.run(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise PipelineRunFailed(
            f"the pipeline run on {labeled.name} failed (exit {result.returncode}); "
            f"see {home / 'pipeline.log'}"
        )
    accounts = read_scores(home / "serving" / "marts.duckdb", labels, key, labeled.name)
    return ScoredSet(labeled, accounts, day.isoformat(), seconds)


def read_scores(serving_path: Path, labels: Path, key: str, dataset: str) -> pl.DataFrame:
    """Every labeled account with its published dim_accounts columns (left join: an account
    the pipeline lost has NULLs, and counts against coverage)."""
    con = serving.connect(serving_path)
    try:
        frame = query(
            con,
            f"""
            select
                $dataset as dataset,
                labels.account_id as labeled_account_id,
                labels.is_bot,
                labels.kind,
                accounts.*
            from read_parquet($labels) as labels
            left join dim_accounts as accounts
                on accounts.account_key = 'x:' || {pseudonym_sql("labels.account_id")}
            order by labels.account_id
            """,
            {"key": key, "labels": str(labels), "dataset": dataset},
        )
    finally:
        con.close()
    return frame
