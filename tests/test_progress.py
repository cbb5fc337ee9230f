"""What `sharesignal backfill` prints as a run goes (sharesignal.progress): on a small job
here, on the real pipeline in the shared backfill's output (tests/conftest.py)."""

import io
import re
import uuid
from collections import Counter

from dagster import (
    AssetCheckResult,
    DagsterInstance,
    Definitions,
    Failure,
    MaterializeResult,
    asset,
    asset_check,
)

from orchestration.transform import ROW_COUNT
from sharesignal.config import SOURCES
from sharesignal.progress import Clock, DbtLines, Progress


@asset
def loaded() -> MaterializeResult:
    return MaterializeResult(metadata={"files": 2, "rows_loaded": 1200, "rows_rejected": 1})


@asset_check(asset=loaded, blocking=True)
def has_rows() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


@asset_check(asset=loaded, blocking=True)
def balanced() -> AssetCheckResult:
    return AssetCheckResult(passed=False, description="1 file does not balance")


@asset(deps=[loaded])
def published() -> None:
    pass


@asset
def broken() -> None:
    raise Failure("the export is unreadable")


STAGES = {
    "loaded": "ingest demo",
    "loaded_has_rows": "gates",
    "loaded_balanced": "gates",
    "published": "publish",
}


def progress_of(*definitions) -> list[str]:
    out = io.StringIO()
    run_id = str(uuid.uuid4())
    job = Definitions(assets=definitions).resolve_implicit_global_asset_job_def()
    with DagsterInstance.ephemeral() as instance:
        instance.add_event_listener(run_id, Progress(Clock(out), STAGES))
        job.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False)
    return told(out.getvalue())


def told(output: str) -> list[str]:
    """The lines of the progress, without the minutes:seconds since the start."""
    return [m[1].strip() for m in re.finditer(r"^ *\d+:\d\d  (.*)$", output, re.MULTILINE)]


def test_each_stage_starts_and_ends_with_its_duration_and_what_it_did():
    lines = progress_of(loaded, has_rows, balanced, published)

    stages = [line for line in lines if re.search(r" (\.\.\.|done in .*|FAILED after .*)$", line)]
    assert [re.sub(" (done in|FAILED after) .*", "", line) for line in stages] == [
        "ingest demo ...",
        "ingest demo",
        "gates ...",
        "gates",
    ]
    assert re.fullmatch(
        r"ingest demo done in \d+\.\ds: 2 files, 1,200 rows loaded, 1 rejected", stages[1]
    )
    # Both checks are one stage; the failed one is named as it fails.
    assert re.fullmatch(r"gates FAILED after \d+\.\ds: 1 check passed, 1 FAILED", stages[3])
    assert "FAILED loaded balanced: 1 file does not balance" in lines
    assert (
        "error in publish: Dependencies for step published failed: ['loaded_balanced']. "
        "Not executing." in lines
    )
    assert re.fullmatch(r"run \w{8} FAILED in \d+\.\ds", lines[-1])


def test_a_step_that_fails_says_why_and_its_stage_failed():
    lines = progress_of(broken)

    assert "broken failed: Failure: the export is unreadable" in lines
    assert any(re.fullmatch(r"broken FAILED after \d+\.\ds", line) for line in lines)
    assert re.fullmatch(r"run \w{8} FAILED in \d+\.\ds", lines[-1])


def test_dbt_lines_keep_results_and_drop_the_start_and_row_count_lines():
    out = io.StringIO()
    lines = DbtLines(out, hidden=ROW_COUNT)

    lines.write("\x1b[0m1 of 3 START sql table model marts.fct_shares ... [RUN]\n")
    lines.write('row count of "warehouse"."marts"."fct_shares": 1374\n1 of')
    lines.write(" 3 \x1b[32mOK\x1b[0m created sql table model marts.fct_shares [OK in 0.3s]\n\n")
    lines.write("Done. PASS=3 WARN=0 ERROR=0\n")

    assert out.getvalue().splitlines() == [
        " " * 10 + "1 of 3 OK created sql table model marts.fct_shares [OK in 0.3s]",
        " " * 10 + "Done. PASS=3 WARN=0 ERROR=0",
    ]


def test_the_backfill_tells_every_stage_with_its_duration_and_a_total(published_home):
    output = (published_home / "backfill.stdout").read_text()
    lines = told(output)
    took = r"done in (\d+\.\ds|\d+m \d\ds)"

    stages = [*(f"ingest {source}" for source in SOURCES), "raw gates", "dbt build"]
    for stage in [*stages, "mart gates", "publish", "report"]:
        assert f"{stage} ..." in lines, stage
        assert any(re.match(f"{stage} {took}", line) for line in lines), stage
    assert re.search(r"ingest x done in .*: \d+ files?, [\d,]+ rows loaded, \d+ rejected", output)
    assert re.search(r"dbt build done in .*: \d+ assets materialized, \d+ checks passed", output)
    assert re.fullmatch(r"total (\d+\.\ds|\d+m \d\ds)", lines[-1])
    # dbt's result of every node shows while it builds, within its stage.
    during_dbt = output[output.index("dbt build ...") : output.index("dbt build done in")]
    results = Counter(re.findall(r"^ {10}\d+ of (\d+) (?:OK|PASS) ", during_dbt, re.MULTILINE))
    nodes = max(results, key=int)
    assert results[nodes] == int(nodes) > 200
    assert " START " not in output and "row count of" not in output
    # Dagster's console log is not shown.
    assert " - dagster - " not in output
