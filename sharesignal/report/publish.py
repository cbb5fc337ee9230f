"""Write the results report of the published serving file, and swap it in atomically.

The report of the current publication is `serving/report/` (`Settings.report_dir`), which is a
symbolic link to `serving/reports/<publication id>_<build time>/`. Step by step:

1. Read the `_publication` row and every chart's rows from the serving file, in one read-only
   connection (`sharesignal.serving.connect`: one whole version, even during a swap).
2. Render the charts and write `index.html` and `charts/<chart>.svg|png` into a hidden folder
   `serving/reports/.<name>.tmp`, flushed to disk, then rename it to `serving/reports/<name>`.
3. Point `serving/report` at it: a new link written beside, renamed over the old one. A reader
   opens either the old report or the new one, each complete; the old folder is not touched.
4. Keep the `keep_previous` reports built before this one and delete older ones.

A build killed on the way leaves a hidden folder, a link, or a finished folder built after the
one `serving/report` points at, which was never pointed at: the next build removes them first,
and never keeps such a folder as a previous report.

The build time in the name lets the same publication be reported again (after an upgrade of
the report, with `sharesignal report`) without writing into a folder that is being read.
The marts and the report are two swaps: between them, the report still names the previous
publication, so it never claims numbers it does not show.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from sharesignal import serving
from sharesignal.crash import crash_point
from sharesignal.durable import fsync_path, write_durably
from sharesignal.report.charts import CHARTS, Chart, render
from sharesignal.report.page import Section, page
from sharesignal.report.queries import PublishedVersion, read, read_publication

# Beside serving/report: one folder per report built.
REPORTS_DIR = "reports"
INDEX = "index.html"
CHARTS_DIR = "charts"


@dataclass(frozen=True)
class Report:
    """A report written and swapped in."""

    folder: Path
    publication: PublishedVersion
    sections: list[Section]

    @property
    def index(self) -> Path:
        return self.folder / INDEX

    def chart_file(self, chart: Chart, suffix: str) -> Path:
        return self.folder / CHARTS_DIR / f"{chart.slug}.{suffix}"


def write_report(serving_path: Path, report_dir: Path, keep_previous: int) -> Report:
    """Build the report of the file at `serving_path` and make it the one `report_dir`
    points at. The caller holds the home's writer lock."""
    if keep_previous < 0:
        raise ValueError(f"keep_previous must be >= 0, not {keep_previous}")
    reports = report_dir.parent / REPORTS_DIR
    reports.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(report_dir, reports)
    con = serving.connect(serving_path)
    try:
        publication = read_publication(con)
        frames = {chart.slug: read(con, chart.query) for chart in CHARTS}
    finally:
        con.close()
    built_at = datetime.now(UTC)
    folder = reports / f"{publication.id}_{built_at:%Y%m%dT%H%M%S%fZ}"
    staging = reports / f".{folder.name}.tmp"
    try:
        sections = _build(staging, publication, frames, built_at)
        crash_point("report:built")
        os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    fsync_path(reports)
    crash_point("report:moved")
    _point_at(report_dir, folder)
    _prune(reports, folder, keep_previous)
    return Report(folder, publication, sections)


def _build(
    staging: Path,
    publication: PublishedVersion,
    frames: dict[str, pl.DataFrame],
    built_at: datetime,
) -> list[Section]:
    charts_dir = staging / CHARTS_DIR
    charts_dir.mkdir(parents=True)
    sections = []
    for chart in CHARTS:
        frame = frames[chart.slug]
        if frame.is_empty():
            sections.append(Section(chart, frame, None))
            continue
        rendered = render(chart, frame, publication.id)
        write_durably(charts_dir / f"{chart.slug}.svg", rendered.svg.encode())
        write_durably(charts_dir / f"{chart.slug}.png", rendered.png)
        sections.append(Section(chart, frame, rendered.svg))
    write_durably(staging / INDEX, page(publication, sections, built_at).encode())
    fsync_path(charts_dir)
    fsync_path(staging)
    return sections


def _point_at(report_dir: Path, folder: Path) -> None:
    link = report_dir.with_name(f".{report_dir.name}-{folder.name}.tmp")
    # Relative, so a home copied or moved elsewhere keeps its report.
    link.symlink_to(Path(REPORTS_DIR) / folder.name, target_is_directory=True)
    # A plain folder in its place (made before the first report, by hand or by a server that
    # wanted something to serve) cannot be renamed over: it is moved aside first, once.
    replaced = None
    if report_dir.is_dir() and not report_dir.is_symlink():
        replaced = folder.with_name(f".{report_dir.name}-replaced-{folder.name}.tmp")
        os.rename(report_dir, replaced)
    os.replace(link, report_dir)
    fsync_path(report_dir.parent)
    if replaced is not None:
        shutil.rmtree(replaced)


def _remove_leftovers(report_dir: Path, reports: Path) -> None:
    """What a killed build left and no reader opens: its hidden folder and link, and a folder
    built after the current report (killed between its rename and the swap)."""
    for link in report_dir.parent.glob(f".{report_dir.name}-*.tmp"):
        link.unlink(missing_ok=True)
    current = Path(os.readlink(report_dir)).name if report_dir.is_symlink() else None
    for folder in reports.iterdir():
        if folder.name.startswith(".") or current is None or _built(folder) > _built(current):
            shutil.rmtree(folder, ignore_errors=True)


def _built(name: str | Path) -> str:
    """The build time a report folder is named with (sortable)."""
    return Path(name).name.rsplit("_", 1)[-1]


def _prune(reports: Path, current: Path, keep_previous: int) -> None:
    """Keep the current report and the `keep_previous` built before it."""
    previous = sorted((f for f in reports.iterdir() if f != current), key=_built)
    for old in previous[: max(len(previous) - keep_previous, 0)]:
        shutil.rmtree(old, ignore_errors=True)
