"""The results report: charts of the published marts, written after every publication."""

import base64

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from sharesignal.config import load_settings
from sharesignal.report.charts import CHARTS
from sharesignal.report.publish import INDEX, Report, write_report
from sharesignal.writer_lock import writer_lock

from .publish import published_marts


@asset(
    key=AssetKey(["serving", "results_report"]),
    deps=[published_marts.key],
    description="`serving/report/index.html`: six charts of the published marts (raw vs "
    "trust-weighted vs earned shares per campaign, suspected-bot and burst activity over time, "
    "the funnel from shares to won revenue per platform, revenue by attribution model, top "
    "content by earned shares, the trust-tier mix of sharing accounts), each with the numbers "
    "it draws and the mart it reads, rendered offline as SVG and PNG. Written for the "
    "publication the serving file holds and swapped in atomically (`serving/report` links to "
    "`serving/reports/<publication id>_<build time>/`). docs/report.md.",
    group_name="serving",
    kinds={"altair", "html"},
)
def results_report(context: AssetExecutionContext) -> MaterializeResult:
    settings = load_settings()
    with writer_lock(f"report (run {context.run.run_id})", context.log):
        report = write_report(settings.serving_path, settings.report_dir, settings.serving_versions)
    context.log.info(f"report of publication {report.publication.id}: {report.folder}")
    main = report.sections[0]
    empty = [s.chart.slug for s in report.sections if s.svg is None]
    metadata = {
        "report": MetadataValue.url(settings.page_url(settings.report_dir / INDEX)),
        "report_file": MetadataValue.path(str(report.index)),
        "publication": report.publication.id,
        # The picture travels inside the Markdown (a data: URL, which Dagster's UI allows in
        # an image), so the asset page shows it with no server; its numbers follow it.
        "main_chart": MetadataValue.md(_main_chart(report)),
        "charts_drawn": len(CHARTS) - len(empty),
        "charts_without_rows": ", ".join(empty) or "none",
    }
    if main.svg is not None:
        metadata["main_chart_svg"] = MetadataValue.path(str(report.chart_file(main.chart, "svg")))
    return MaterializeResult(metadata=metadata)


def _main_chart(report: Report) -> str:
    section = report.sections[0]
    chart = section.chart
    heading = f"**{chart.title}** (reads {', '.join(chart.marts)})"
    if section.svg is None:
        return f"{heading}\n\nNo rows in this publication."
    picture = base64.b64encode(section.svg.encode()).decode()
    header = " | ".join(c.header for c in chart.columns)
    rule = " | ".join("---" for _ in chart.columns)
    rows = "\n".join(
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
        for row in chart.table(section.frame)
    )
    image = f"![{chart.title}](data:image/svg+xml;base64,{picture})"
    return f"{heading}\n\n{image}\n\n| {header} |\n| {rule} |\n{rows}"
