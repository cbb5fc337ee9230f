"""The page of one suite run: the verdict, each failure with what was sampled of it, then every
expectation of the suite with what it asks, what was observed and its result.

Only what a result holds is shown, and results hold only disclosed values
(data_quality.disclosure); a withheld column is named, never its values.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from data_quality.html_page import escape, page
from data_quality.results import (
    FAILED,
    PASSED,
    QUERY_EXPECTATION,
    WARNED,
    ExpectationOutcome,
    SuiteResult,
)

# Longer values fold into a <details> element, so that a column set or a query does not push
# the table off the screen.
FOLD_AT = 80
QUERY = "unexpected_rows_query"


def verdict(result: SuiteResult) -> str:
    if not result.success:
        return "failed"
    return "passed with warnings" if result.warnings else "passed"


def css_class(result: SuiteResult) -> str:
    if not result.success:
        return FAILED
    return WARNED if result.warnings else PASSED


def render_report(
    *,
    table: str,
    suite: str,
    check: str,
    run_id: str,
    validated_at: datetime,
    result: SuiteResult,
    index_href: str,
) -> str:
    title = f"{table}: suite {suite} {verdict(result)}"
    counts = _counts(result)
    body = f"""<p><a href="{escape(index_href)}">All quality runs</a></p>
<h1 class="{css_class(result)}">{escape(title)}</h1>
<p>Check <code>{escape(check)}</code> of run <code>{escape(run_id)}</code>, validated
{escape(validated_at.isoformat(timespec="seconds"))}: {counts}.</p>
{_failures(result)}
<h2>Every expectation</h2>
{_expectations(result.expectations)}"""
    return page(title, body)


def _counts(result: SuiteResult) -> str:
    passed = result.evaluated - len(result.failed)
    return (
        f"{result.evaluated} expectations, {passed} passed, {len(result.errors)} failed "
        f"(severity error: blocks), {len(result.warnings)} warned (severity warn)"
    )


def _failures(result: SuiteResult) -> str:
    if not result.failed:
        return ""
    blocks = "\n".join(_failure(o) for o in [*result.errors, *result.warnings])
    return f"<h2>Failures</h2>\n{blocks}"


def _failure(o: ExpectationOutcome) -> str:
    lines = [f'<h3 class="{o.result}">{escape(o.result)}: {escape(o.label)}</h3>', "<ul>"]
    if o.column:
        lines.append(f"<li>column: <code>{escape(o.column)}</code></li>")
    lines.append(f"<li>severity: {escape(o.severity)}</li>")
    lines.append(f"<li>observed: {_observed(o)}</li>")
    # A query's sample is its rows, below; its count is in `observed` already.
    if o.sample and o.expectation != QUERY_EXPECTATION:
        lines.append(f"<li>unexpected values (up to 5): {_value(o.sample)}</li>")
    if o.error:
        lines.append(f"<li>error: {escape(o.error)}</li>")
    if o.withheld:
        lines.append(
            f'<li class="note">values of {escape(", ".join(o.withheld))} withheld: raw data '
            "may hold personal identifiers (docs/quality.md)</li>"
        )
    lines.append("</ul>")
    if o.rows:
        lines.append(_rows(o.rows))
    return "\n".join(lines)


def _rows(rows: list[dict[str, Any]]) -> str:
    names = list(rows[0])
    head = "".join(f"<th>{escape(name)}</th>" for name in names)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{_value(row.get(name))}</td>" for name in names) + "</tr>"
        for row in rows
    )
    return (
        f'<p>Offending rows (up to 5):</p>\n<div class="wide"><table><tr>{head}</tr>\n{body}\n'
        "</table></div>"
    )


def _expectations(outcomes: list[ExpectationOutcome]) -> str:
    rows = "\n".join(
        f'<tr class="{o.result}"><td class="n">{n}</td><td>{escape(o.label)}</td>'
        f"<td>{escape(o.column or '')}</td><td>{escape(o.severity)}</td>"
        f"<td>{escape(o.result)}</td><td>{_observed(o)}</td><td>{_asks(o)}</td></tr>"
        for n, o in enumerate(outcomes, start=1)
    )
    return f"""<table>
<tr><th>#</th><th>expectation</th><th>column</th><th>severity</th><th>result</th>
<th>observed</th><th>asks</th></tr>
{rows}
</table>"""


def _observed(o: ExpectationOutcome) -> str:
    parts = []
    observed = o.observed
    if "element_count" in observed and o.unexpected_count is None:
        # GX judges nothing in an empty table, and says so with a count of None.
        parts.append(f"{observed['element_count']:,} rows: nothing to judge")
    elif "element_count" in observed:
        percent = observed.get("unexpected_percent") or 0.0
        parts.append(
            f"{o.unexpected_count:,} unexpected of {observed['element_count']:,} rows "
            f"({percent:.2f}%)"
        )
    if "observed_value" in observed:
        value = observed["observed_value"]
        if o.expectation == QUERY_EXPECTATION:
            parts.append(f"offending rows: {value:,}")
        else:
            parts.append(f"observed: {_value(value)}")
    if o.error:
        parts.append("not evaluated (error)")
    if not parts and o.withheld:
        parts.append("withheld")
    return "; ".join(parts) or "—"


def _asks(o: ExpectationOutcome) -> str:
    parts = []
    for key, value in o.kwargs.items():
        if key == QUERY:
            parts.append(
                f"<details><summary>query</summary><pre>{escape(_dedent(value))}</pre></details>"
            )
        else:
            parts.append(f"{escape(key)} = {_value(value)}")
    return "<br>".join(parts)


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= FOLD_AT:
        return f"<code>{escape(text)}</code>"
    return (
        f"<details><summary><code>{escape(text[:FOLD_AT])}</code>…</summary>"
        f"<code>{escape(text)}</code></details>"
    )


def _dedent(query: str) -> str:
    return "\n".join(line.strip() for line in query.strip().splitlines())
