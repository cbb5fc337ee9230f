"""The Dagster code location loads, and its lineage has every layer of the design."""

import os
import re
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from orchestration.partitions import PARTITIONS_NOTE
from sharesignal.config import DBT_PROJECT_DIR, REPO_ROOT, SOURCES
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


# An HTML tag as Markdown sees one: the UI renders descriptions as Markdown and drops it.
HTML_TAG = re.compile(r"<[A-Za-z/!][^>]*>")


def outside_code(text: str | None) -> str:
    """`text` without its code blocks and code spans, where Markdown shows `<...>` as is."""
    return re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", text or "", flags=re.DOTALL))


def test_landing_descriptions_show_their_paths():
    from orchestration.definitions import defs

    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    for source in SOURCES:
        description = specs[AssetKey(["landing", source])].description
        assert f"`landing/{source}/<YYYY-MM-DD>/`" in description
        assert PARTITIONS_NOTE in description
        assert PARTITIONS_NOTE in specs[AssetKey(["raw", tables_of(source)[0]])].description


def test_no_description_holds_what_markdown_would_take_for_a_tag():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    described = {}
    for spec in defs.resolve_all_asset_specs():
        described[spec.key.to_user_string()] = spec.description
        schema = spec.metadata.get("dagster/column_schema")
        for column in schema.columns if schema else []:
            described[f"{spec.key.to_user_string()}.{column.name}"] = column.description
    for key in graph.asset_check_keys:
        described[f"check {key.to_user_string()}"] = graph.get_check_spec(key).description
    for definition in [*defs.sensors, *defs.schedules, *defs.jobs]:
        described[definition.name] = definition.description

    tags = {name: HTML_TAG.findall(outside_code(text)) for name, text in described.items()}

    assert {name: found for name, found in tags.items() if found} == {}
    assert "`landing/x/<YYYY-MM-DD>/`" in described["landing/x"]


def test_every_singular_dbt_test_is_a_check_of_the_model_it_tests():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    models = {
        key.path[-1]: key
        for key in graph.get_all_asset_keys()
        if key.path[0] in ("staging", "intermediate", "marts", "seeds")
    }
    expected = {}
    for path in sorted((DBT_PROJECT_DIR / "tests").glob("assert_*.sql")):
        sql = path.read_text()
        named = re.findall(r"'ref': \{'name': '(\w+)'\}", sql)
        refs = set(re.findall(r"ref\('(\w+)'\)", sql))
        # dagster-dbt attaches a test of several models only to the one its meta names.
        assert named or len(refs) == 1, f"{path.name} reads {sorted(refs)}: name one in its meta"
        [model] = named or refs
        expected[path.stem] = models[model]
    checks = {key.name: key.asset_key for key in graph.asset_check_keys}

    assert {name: checks.get(name) for name in expected} == expected
    assert expected["assert_share_funnel_counts_every_share_once"] == AssetKey(
        ["marts", "mart_share_funnel"]
    )
    assert len(expected) >= 18
