"""A validation report per suite run: a small HTML page naming what failed, and beside it
Great Expectations' own rendering of the validation result (a Data Docs page).

Each run gets its own folder `<report_dir>/<schema.table>/<UTC time>/`, so the link in a
Dagster check's metadata keeps pointing at that run's report; only the newest
`KEEP_RUNS` folders of a table are kept.
"""

from __future__ import annotations

import html
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.view import DefaultJinjaPageView

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult

    from data_quality.validate import SuiteResult

KEEP_RUNS = 10
REPORT_NAME = "index.html"
DATA_DOCS_NAME = "data_docs.html"


def write_report(
    report_dir: Path,
    table: str,
    suite_name: str,
    result: SuiteResult,
    gx_result: ExpectationSuiteValidationResult,
) -> Path:
    """Write this run's report for `table` and return the path of its summary page."""
    now = datetime.now(UTC)
    runs = report_dir / table
    run_dir = runs / now.strftime("%Y%m%dT%H%M%S%fZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / DATA_DOCS_NAME).write_text(
        DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(gx_result)),
        encoding="utf-8",
    )
    path = run_dir / REPORT_NAME
    path.write_text(_summary(table, suite_name, result, now), encoding="utf-8")
    for old in sorted(p for p in runs.iterdir() if p.is_dir())[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    return path


def _summary(table: str, suite_name: str, result: SuiteResult, at: datetime) -> str:
    verdict = "passed" if result.success else "FAILED"
    if result.success and result.warnings:
        verdict = "passed with warnings"
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(cell))}</td>"
            for cell in (
                f.severity,
                f.label,
                f.column or "",
                "" if f.unexpected_count is None else f.unexpected_count,
                json.dumps(f.sample),
                json.dumps(f.rows),
                f.error or "",
            )
        )
        + "</tr>"
        for f in sorted(result.failed, key=lambda f: f.severity)
    )
    title = html.escape(f"{table}: suite {suite_name} {verdict}")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif}}td,th{{border:1px solid #ccc;padding:4px;\
vertical-align:top}}table{{border-collapse:collapse}}</style></head>
<body>
<h1>{title}</h1>
<p>Validated {html.escape(at.isoformat(timespec="seconds"))}: {result.evaluated} expectations,
{len(result.errors)} blocking failures (severity error), {len(result.warnings)} warnings.
Great Expectations' page for this run: <a href="{DATA_DOCS_NAME}">{DATA_DOCS_NAME}</a>.</p>
<table>
<tr><th>severity</th><th>expectation</th><th>column</th><th>unexpected</th>
<th>sample values</th><th>offending rows</th><th>error</th></tr>
{rows}
</table>
</body></html>
"""
