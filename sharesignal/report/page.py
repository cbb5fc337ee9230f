"""The report's HTML page: one file that needs nothing but itself. The charts are inline SVG and
the style is inline CSS, with no script: it opens the same from the pages server, from disk,
or mailed as an attachment, with no network. Opened while a new report is swapped in, it
still shows one publication, since it loads no other file of the report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import escape

import polars as pl
import vl_convert

from sharesignal.report.charts import VEGA_LITE_VERSION, Chart
from sharesignal.report.queries import PublishedVersion

# A standalone SVG file needs its namespaces; inside HTML they are implied, and left in the
# page they would be the only URLs it holds.
SVG_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1f2328; background: #f6f8fa; line-height: 1.45; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem; }
header { border-bottom: 1px solid #d0d7de; }
h1 { margin: 0.2rem 0; font-size: 1.6rem; }
h2 { margin: 0 0 0.6rem; font-size: 1.25rem; }
code { font-size: 0.9em; background: #eaeef2; padding: 0.05em 0.3em; border-radius: 3px; }
section.chart { background: #fff; border: 1px solid #d0d7de; border-radius: 6px;
                padding: 1rem 1.25rem; margin: 1.25rem 0; }
figure { margin: 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption, p.about { color: #57606a; margin: 0.5rem 0; max-width: 80ch; }
p.no-rows { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px;
            padding: 0.75rem 1rem; }
p.files { font-size: 0.9rem; margin: 0.25rem 0 0.75rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin-top: 0.5rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; }
th { background: #f6f8fa; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #57606a; font-size: 0.85rem; }
"""


@dataclass(frozen=True)
class Section:
    """One chart on the page: its rows, and its SVG when it has rows to draw."""

    chart: Chart
    frame: pl.DataFrame
    svg: str | None


def page(publication: PublishedVersion, sections: list[Section], built_at: datetime) -> str:
    contents = "\n".join(
        f'<li><a href="#{s.chart.slug}">{escape(s.chart.title)}</a></li>' for s in sections
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="sharesignal-publication" content="{escape(publication.id)}">
<title>sharesignal results · publication {escape(publication.id)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>sharesignal results</h1>
{_publication(publication)}
<p>Every chart reads the marts of this publication in <code>serving/marts.duckdb</code>, the
version that passed every quality gate; the table under each chart holds the numbers it draws.</p>
<ol>
{contents}
</ol>
</header>
<main>
{"".join(_section(s) for s in sections)}
</main>
<footer>
<p>Built {built_at:%Y-%m-%d %H:%M:%S} UTC by sharesignal, offline: Vega-Lite
{VEGA_LITE_VERSION} rendered by vl-convert {escape(vl_convert.__version__)}. Regenerate it for
the published version with <code>sharesignal report</code> (docs/report.md).</p>
</footer>
</body>
</html>
"""


def _publication(publication: PublishedVersion) -> str:
    covered = (
        f"export dates {publication.first_partition} to {publication.last_partition}"
        if publication.first_partition
        else "no export dates recorded"
    )
    return (
        f'<p class="publication">Publication <code id="publication-id">'
        f"{escape(publication.id)}</code>, published "
        f"{publication.published_at:%Y-%m-%d %H:%M:%S} UTC; {covered}; code "
        f"<code>{escape(publication.code_version or 'unknown')}</code>.</p>"
    )


def _section(section: Section) -> str:
    chart = section.chart
    marts = ", ".join(f"<code>{escape(m)}</code>" for m in chart.marts)
    about = f"Reads {marts}. {_inline_code(chart.about)}"
    if section.svg is None:
        body = (
            f'<p class="no-rows">No rows: nothing in {marts} for this chart in this '
            "publication, so there is nothing to draw.</p>\n"
            f'<p class="about">{about}</p>'
        )
    else:
        body = (
            f"<figure>\n{SVG_NAMESPACES.sub('', section.svg)}\n"
            f"<figcaption>{about}</figcaption>\n</figure>\n"
            f'<p class="files">This chart as <a href="charts/{chart.slug}.svg">SVG</a> or '
            f'<a href="charts/{chart.slug}.png">PNG</a>.</p>\n'
            f"{_table(chart, section.frame)}"
        )
    return (
        f'<section class="chart" id="{chart.slug}" data-marts="{" ".join(chart.marts)}">\n'
        f"<h2>{escape(chart.title)}</h2>\n{body}\n</section>\n"
    )


def _table(chart: Chart, frame: pl.DataFrame) -> str:
    numeric = [frame.schema[c.field].is_numeric() for c in chart.columns]
    head = "".join(f"<th>{escape(c.header)}</th>" for c in chart.columns)
    rows = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="number">{escape(cell)}</td>' if is_number else f"<td>{escape(cell)}</td>"
            for cell, is_number in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in chart.table(frame)
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


def _inline_code(text: str) -> str:
    """`name` in a chart's description as <code>name</code>, the rest escaped."""
    parts = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
