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
    posts = AssetKey(["staging", "stg_x__post_versions"])
    assert AssetKey(["raw", "x_posts"]) in graph.get(posts).parent_keys
    assert posts in graph.get(AssetKey(["staging", "stg_x__posts"])).parent_keys
    published = graph.get(AssetKey(["serving", "published_marts"]))
    assert AssetKey(["marts", "fct_shares"]) in published.parent_keys
    # Every published mart is gated by a blocking Great Expectations check.
    checks = {key.asset_key for key in defs.resolve_asset_graph().asset_check_keys}
    assert set(published.parent_keys) <= checks


def test_every_raw_table_has_a_blocking_contract_and_every_source_a_load_log_check():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    blocking = {
        (key.asset_key, key.name)
        for key in graph.asset_check_keys
        if graph.get_check_spec(key).blocking
    }
    for source in SOURCES:
        tables = tables_of(source)
        assert (AssetKey(["raw", tables[0]]), "load_log") in blocking
        for table in tables:
            assert (AssetKey(["raw", table]), "raw_contract") in blocking
    # dbt reads the raw tables only after their checks: the raw tables feed staging.
    assert (
        AssetKey(["raw", "clicks"])
        in graph.get(AssetKey(["staging", "stg_clicks__clicks"])).parent_keys
    )


def test_the_published_marts_have_a_clock_freshness_check_and_its_sensor():
    from orchestration.definitions import defs

    checks = {
        key.name
        for key in defs.resolve_asset_graph().asset_check_keys
        if key.asset_key == AssetKey(["serving", "published_marts"])
    }
    assert any("freshness" in name for name in checks), checks
    assert defs.resolve_sensor_def("publication_freshness_sensor") is not None
