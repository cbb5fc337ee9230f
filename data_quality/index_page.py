"""The index of the quality reports: every kept run, newest first, and in each run every suite
validated, in the order it ran, with its verdict, its counts and a link to its report."""

from __future__ import annotations

from dataclasses import dataclass

from data_quality.html_page import escape, page
from data_quality.results import FAILED, PASSED, WARNED


@dataclass(frozen=True)
class Validation:
    """One suite run, as the index lists it (stored in its run's run.json)."""

    check: str
    table: str
    suite: str
    # The report, relative to the run's folder.
    page: str
    validated_at: str
    verdict: str
    css_class: str
    evaluated: int
    passed: int
    failed: int
    warned: int


@dataclass(frozen=True)
class Run:
    run_id: str
    # Relative to the index.
    folder: str
    validations: list[Validation]

    @property
    def started_at(self) -> str:
        return min(v.validated_at for v in self.validations)


def anchor(run_id: str) -> str:
    """The id of a run's section of the index, for links to one run (`index.html#run-…`)."""
    return f"run-{run_id}"


def render_index(runs: list[Run], kept: int) -> str:
    sections = "\n".join(_run(run) for run in runs) or "<p>No suite has run yet.</p>"
    overview = "\n".join(
        f'<tr class="{_verdict(run)}"><td><a href="#{escape(anchor(run.run_id))}">'
        f"<code>{escape(run.run_id)}</code></a></td><td>{escape(_time(run.started_at))}</td>"
        f"<td class='n'>{len(run.validations)}</td><td class='n'>{_count(run, FAILED)}</td>"
        f"<td class='n'>{_count(run, WARNED)}</td></tr>"
        for run in runs
    )
    body = f"""<h1>Quality reports</h1>
<p>Every Great Expectations suite the pipeline ran: the raw contract and load log of each
source, the gates of publication on the marts, and the audit of the copy about to be published.
Newest run first; the newest {kept} runs are kept. Each report lists every expectation with
what it observed; failures come with a sample of the failing rows, from columns that hold no
personal identifier.</p>
<table>
<tr><th>run</th><th>started</th><th>suites</th><th>failed</th><th>passed with warnings</th></tr>
{overview}
</table>
{sections}"""
    return page("Quality reports", body)


def _count(run: Run, css_class: str) -> int:
    return sum(v.css_class == css_class for v in run.validations)


def _verdict(run: Run) -> str:
    return FAILED if _count(run, FAILED) else WARNED if _count(run, WARNED) else PASSED


def _run(run: Run) -> str:
    rows = "\n".join(
        f'<tr class="{escape(v.css_class)}"><td>{escape(v.check)}</td><td>{escape(v.table)}</td>'
        f'<td><a href="{escape(f"{run.folder}/{v.page}")}">{escape(v.suite)}</a></td>'
        f"<td>{escape(v.verdict)}</td><td class='n'>{v.evaluated}</td>"
        f"<td class='n'>{v.passed}</td><td class='n'>{v.failed}</td><td class='n'>{v.warned}</td>"
        f"<td>{escape(v.validated_at[11:19])}</td></tr>"
        for v in run.validations
    )
    return f"""<h2 id="{escape(anchor(run.run_id))}" class="{_verdict(run)}">Run \
<code>{escape(run.run_id)}</code>, started {escape(_time(run.started_at))}: \
suites run: {len(run.validations)}, failed: {_count(run, FAILED)}, passed with warnings: \
{_count(run, WARNED)}</h2>
<table>
<tr><th>check</th><th>table</th><th>suite (report)</th><th>verdict</th><th>expectations</th>
<th>passed</th><th>failed</th><th>warned</th><th>validated (UTC)</th></tr>
{rows}
</table>"""


def _time(iso: str) -> str:
    """An ISO time in UTC as a person reads it, to the second."""
    return f"{iso[:19].replace('T', ' ')} UTC"
