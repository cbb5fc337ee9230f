"""dbt's unit tests (the `unit_tests:` of dbt_project/models): each model's logic on hand-made
inputs. The pipeline's builds leave them out (their inputs do not change from day to day), so
they run here, on a copy of a built warehouse (dbt reads the column types of a unit test's
inputs from the relations there)."""

import json
from pathlib import Path

from helpers import copy_home, run_dbt

from orchestration.transform import dbt_project


def test_every_dbt_unit_test_passes(published_home, tmp_path):
    home = copy_home(published_home, tmp_path / "home")
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())

    tested = run_dbt(home, "test", "--resource-type", "unit_test")

    assert tested.returncode == 0, tested.stdout + tested.stderr
    results = json.loads((home / "target" / "run_results.json").read_text())["results"]
    # Besides them, dbt ran the project's on-run-start and on-run-end hooks.
    unit_tests = [r for r in results if not r["unique_id"].startswith("operation.")]
    assert {r["unique_id"] for r in unit_tests} == manifest["unit_tests"].keys()
    assert len(unit_tests) > 20
    assert {r["status"] for r in unit_tests} == {"pass"}


def test_the_pipeline_builds_and_tests_the_data_without_the_unit_tests(published_home):
    (results_file,) = (published_home / "dbt" / "runs").glob("*/run_results.json")
    kinds = {r["unique_id"].split(".")[0] for r in json.loads(results_file.read_text())["results"]}
    assert {"model", "test", "seed"} <= kinds
    assert "unit_test" not in kinds
