"""The Dagster code location loads, and its lineage has every layer of the design."""

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from sharesignal.config import REPO_ROOT, SOURCES
from sharesignal.ingest.formats import tables_of


def test_dagster_definitions_validate(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lineage_runs_from_export_files_to_published_marts():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    for source in SOURCES:
        assert AssetKey(["landing", source]) in keys
        assert (
            AssetKey(["landing", source])
            in graph.get(AssetKey(["raw", tables_of(source)[0]])).parent_keys
        )
    assert (
        AssetKey(["raw", "x_posts"]) in graph.get(AssetKey(["staging", "stg_x__posts"])).parent_keys
    )
    published = graph.get(AssetKey(["serving", "published_marts"]))
    assert AssetKey(["marts", "fct_shares"]) in published.parent_keys
    # Every published mart is gated by a blocking Great Expectations check.
    checks = {key.asset_key for key in defs.resolve_asset_graph().asset_check_keys}
    assert set(published.parent_keys) <= checks
