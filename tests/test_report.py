"""The results report: written with every publication, six charts whose numbers are the marts'
(computed again here, with Polars, from whole tables), valid SVG and PNG files, a page that
needs nothing from outside, the publication it describes named, and swapped in atomically."""

import base64
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import altair as alt
import duckdb
import polars as pl
import pytest
import vl_convert
from dagster import AssetKey, materialize
from helpers import SHARESIGNAL, copy_home, run_sharesignal, sharesignal_env

from data_quality.suites import ATTRIBUTION_MODELS
from sharesignal.config import REPO_ROOT
from sharesignal.crash import CRASH_AT
from sharesignal.report import publish as report_publish
from sharesignal.report.charts import CHARTS, VEGA_LITE_VERSION
from sharesignal.report.publish import write_report

SLUGS = [chart.slug for chart in CHARTS]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """What a test needs of the report page: the publication it names, and per chart section
    its marts, its table, the texts of its inline SVG and whether it says it has no rows."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.ids: list[str] = []
        self.references: list[str] = []
        self.tags: set[str] = set()
        self.sections: dict[str, dict] = {}
        self.publication_id = ""
        self._section: dict | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._text: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.references += [attrs[a] for a in ("href", "src") if a in attrs]
        if tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs["content"]
        if tag == "section":
            self._section = {
                "marts": attrs["data-marts"].split(),
                "header": [],
                "rows": [],
                "svg_texts": [],
                "svg": 0,
                "no_rows": False,
                "about": "",
            }
            self.sections[attrs["id"]] = self._section
        if self._section is None:
            if attrs.get("id") == "publication-id":
                self._text = []
            return
        if tag == "svg":
            self._section["svg"] += 1
        if tag == "p" and attrs.get("class") == "no-rows":
            self._section["no_rows"] = True
        if tag in ("figcaption", "p") and attrs.get("class") in (None, "about"):
            self._text = []
        if tag == "tr":
            self._row = []
        if tag in ("td", "th", "text"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "code" and self._section is None and self._text is not None:
            self.publication_id = "".join(self._text)
            self._text = None
        if self._section is None:
            return
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        if tag == "text" and self._cell is not None:
            self._section["svg_texts"].append("".join(self._cell))
            self._cell = None
        if tag == "tr":
            rows = self._section["rows"]
            if self._section["header"] or rows:
                rows.append(self._row)
            else:
                self._section["header"] = self._row
            self._row = None
        if tag in ("figcaption", "p") and self._text is not None:
            self._section["about"] += "".join(self._text)
            self._text = None
        if tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)


def read_page(report_dir: Path) -> Page:
    return Page((report_dir / "index.html").read_text(encoding="utf-8"))


def table(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    cursor = con.execute(f"SELECT * FROM main.{name}")
    names = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)


def publication_id(serving_dir: Path) -> str:
    """The id publish_marts gave the publication: its Parquet folder, as the manifest names it."""
    return json.loads((serving_dir / "parquet" / "current.json").read_text())["folder"]


def n(value) -> str:
    return f"{int(value):,}"


def one_decimal(value) -> str:
    return f"{value:,.1f}"


def pct(value) -> str:
    return f"{value:.1%}"


def money(value) -> str:
    return f"{float(value):,.2f}"


def expected_tables(serving_path: Path) -> dict[str, list[list[str]]]:
    """Every chart's table, from whole marts, without the report's SQL."""
    con = duckdb.connect(str(serving_path), read_only=True)
    try:
        marts = {
            name: table(con, name)
            for name in (
                "fct_shares",
                "dim_accounts",
                "dim_content",
                "mart_content_performance",
                "mart_amplification_audit",
                "fct_attributed_opportunities",
                "mart_share_funnel",
            )
        }
    finally:
        con.close()
    content = marts["dim_content"].select(
        "content_id", "title", pl.col("campaign").fill_null("(none)")
    )
    performance = marts["mart_content_performance"].join(content, on="content_id", how="left")

    # Raw and trust-weighted shares from fct_shares itself: the mart must add up to it.
    shares = marts["fct_shares"].filter(pl.col("content_id").is_not_null())
    shares = shares.join(content, on="content_id", how="left")
    by_campaign = (
        shares.group_by("campaign")
        .agg(raw=pl.len(), weighted=pl.col("trust_weight").sum())
        .join(
            performance.group_by("campaign").agg(earned=pl.col("earned_shares").sum()),
            on="campaign",
        )
        .sort(["raw", "campaign"], descending=[True, False])
    )
    campaign_shares = [
        [r["campaign"], n(r["raw"]), one_decimal(r["weighted"]), n(r["earned"])]
        for r in by_campaign.iter_rows(named=True)
    ]

    audit = (
        marts["mart_amplification_audit"]
        .group_by("activity_date")
        .agg(pl.col("shares", "suspected_shares", "burst_shares", "amplified_shares").sum())
        .sort("activity_date")
    )
    amplification = [
        [
            r["activity_date"].isoformat(),
            n(r["shares"]),
            n(r["suspected_shares"]),
            pct(r["suspected_shares"] / r["shares"]),
            n(r["burst_shares"]),
            pct(r["burst_shares"] / r["shares"]),
            n(r["amplified_shares"]),
            pct(r["amplified_shares"] / r["shares"]),
        ]
        for r in audit.iter_rows(named=True)
    ]

    attributed = marts["fct_attributed_opportunities"]
    steps = (
        marts["mart_share_funnel"]
        .group_by("platform")
        .agg(pl.col("clicks", "sessions", "leads").sum())
    )
    platform_shares = marts["fct_shares"].group_by("platform").agg(shares=pl.len())
    funnel = []
    for r in (
        platform_shares.join(steps, on="platform")
        .sort(["shares", "platform"], descending=[True, False])
        .iter_rows(named=True)
    ):
        # An empty mart's columns are all of type Null here: the predicates are made boolean.
        touched = attributed.filter((pl.col("platform") == r["platform"]).fill_null(False))
        won = touched.filter(pl.col("is_won").fill_null(False)).unique(["opportunity_id"])
        funnel.append(
            [
                r["platform"],
                n(r["shares"]),
                n(r["clicks"]),
                n(r["sessions"]),
                n(r["leads"]),
                n(touched["opportunity_id"].n_unique()),
                n(won.height),
                money(sum(float(a) for a in won["amount"] if a is not None)),
            ]
        )

    models = list(ATTRIBUTION_MODELS)
    per_model = (
        attributed.with_columns(pl.col("campaign").fill_null("(none)"))
        .group_by("campaign")
        .agg(
            pl.col("opportunity_id").n_unique().alias("opportunities"),
            *(pl.col(f"revenue_{m}").cast(pl.Float64).sum().alias(m) for m in models),
        )
        .sort(["trust_weighted", "campaign"], descending=[True, False])
    )
    attribution = [
        [r["campaign"], n(r["opportunities"]), *(money(r[m]) for m in models)]
        for r in per_model.iter_rows(named=True)
    ]

    top = (
        performance.group_by("content_id", "title", "campaign")
        .agg(pl.col("earned_shares", "raw_shares", "trust_weighted_shares").sum())
        .filter(pl.col("earned_shares") > 0)
        .sort(["earned_shares", "raw_shares", "content_id"], descending=[True, True, False])
        .head(10)
    )
    top_content = [
        [
            r["title"],
            r["campaign"],
            n(r["earned_shares"]),
            n(r["raw_shares"]),
            one_decimal(r["trust_weighted_shares"]),
        ]
        for r in top.iter_rows(named=True)
    ]

    tiers = ["trusted", "neutral", "suspect", "likely_bot"]
    sharing = marts["dim_accounts"].filter(pl.col("share_count") > 0)
    mix = (
        sharing.group_by("platform", "trust_tier")
        .agg(accounts=pl.len(), shares=pl.col("share_count").sum())
        .join(sharing.group_by("platform").agg(all=pl.len()), on="platform")
        .with_columns(order=pl.col("trust_tier").map_elements(tiers.index, pl.Int64))
        .sort("platform", "order")
    )
    trust_tiers = [
        [
            r["platform"],
            r["trust_tier"],
            n(r["accounts"]),
            pct(r["accounts"] / r["all"]),
            n(r["shares"]),
        ]
        for r in mix.iter_rows(named=True)
    ]
    return {
        "campaign_shares": campaign_shares,
        "amplification_over_time": amplification,
        "platform_funnel": funnel,
        "attribution_models": attribution,
        "top_earned_content": top_content,
        "trust_tiers": trust_tiers,
    }


# The labels each chart draws, from a row of its table.
LABELS = {
    "campaign_shares": lambda row: row[1:4],
    "amplification_over_time": lambda row: [row[3], row[5]],
    "platform_funnel": lambda row: row[1:8],
    "attribution_models": lambda row: row[2:8],
    "top_earned_content": lambda row: [row[2]],
    "trust_tiers": lambda row: [f"{row[2]} ({row[3]})"],
}


def assert_charts_show(page: Page, expected: dict[str, list[list[str]]]) -> None:
    assert list(page.sections) == SLUGS
    for slug, rows in expected.items():
        section = page.sections[slug]
        if not rows:
            assert section["no_rows"], f"{slug}: no rows, and no note saying so"
            assert section["svg"] == 0 and section["rows"] == []
            continue
        assert not section["no_rows"] and section["svg"] == 1, slug
        assert section["rows"] == rows, slug
        labels = set(section["svg_texts"])
        drawn = {label for row in rows for label in LABELS[slug](row)}
        assert drawn <= labels, f"{slug}: numbers the chart does not show: {drawn - labels}"


def test_the_backfill_publishes_the_report_of_its_publication(published_home):
    serving = published_home / "serving"
    report_dir = serving / "report"
    assert report_dir.is_symlink()
    target = os.readlink(report_dir)
    assert Path(target).parent == Path("reports")
    assert Path(target).name.startswith(publication_id(serving) + "_")
    page = read_page(report_dir)
    assert page.meta["sharesignal-publication"] == publication_id(serving)
    assert page.publication_id == publication_id(serving)
    con = duckdb.connect(str(serving / "marts.duckdb"), read_only=True)
    try:
        folder, first, last = con.execute(
            "SELECT parquet_folder, first_partition, last_partition FROM _publication"
        ).fetchone()
    finally:
        con.close()
    assert folder == f"parquet/{publication_id(serving)}"
    text = (report_dir / "index.html").read_text()
    assert f"export dates {first} to {last}" in text


def test_every_chart_shows_the_numbers_of_its_marts(published_home):
    expected = expected_tables(published_home / "serving" / "marts.duckdb")
    # The two-day world has no opportunity yet: the attribution chart says it has no rows.
    assert expected["attribution_models"] == []
    assert all(rows for slug, rows in expected.items() if slug != "attribution_models")

    assert_charts_show(read_page(published_home / "serving" / "report"), expected)


def test_every_chart_names_the_marts_it_reads(published_home):
    page = read_page(published_home / "serving" / "report")
    for chart in CHARTS:
        # The caption's marts are those the chart's query reads, no more, no fewer.
        assert set(re.findall(r"\bmain\.(\w+)", chart.query)) == set(chart.marts), chart.slug
        section = page.sections[chart.slug]
        assert section["marts"] == list(chart.marts)
        assert all(mart in section["about"] for mart in chart.marts), section["about"]
        if section["svg"]:
            assert f"reads {', '.join(chart.marts)}" in " ".join(section["svg_texts"])


def test_chart_files_are_valid_svg_and_png(published_home):
    charts = published_home / "serving" / "report" / "charts"
    page = read_page(published_home / "serving" / "report")
    drawn = [slug for slug in SLUGS if page.sections[slug]["svg"]]
    assert sorted(p.name for p in charts.iterdir()) == sorted(
        f"{slug}.{suffix}" for slug in drawn for suffix in ("svg", "png")
    )
    for slug in drawn:
        svg = ET.parse(charts / f"{slug}.svg").getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert float(svg.get("width")) > 100 and float(svg.get("height")) > 100
        texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
        assert set(page.sections[slug]["svg_texts"]) == texts - {None}

        png = (charts / f"{slug}.png").read_bytes()
        assert png.startswith(PNG_SIGNATURE)
        length, kind, width, height = struct.unpack(">I4sII", png[8:24])
        assert kind == b"IHDR" and length == 13
        # Rendered at twice the SVG's size.
        assert (width, height) == (
            round(2 * float(svg.get("width"))),
            round(2 * float(svg.get("height"))),
        )
        assert png.endswith(b"IEND\xaeB`\x82")


def test_the_page_needs_nothing_from_outside(published_home):
    report_dir = published_home / "serving" / "report"
    html = (report_dir / "index.html").read_text()
    page = Page(html)

    assert not re.search(r"https?:", html, re.IGNORECASE)
    assert "//" not in "".join(page.references)
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "@import" not in html and "url(" not in html
    for reference in page.references:
        if reference.startswith("#"):
            assert reference[1:] in page.ids
        else:
            assert (report_dir / reference).is_file(), reference
    assert len(page.ids) == len(set(page.ids)), "ids repeated (inline SVGs would clash)"


def test_the_charts_are_rendered_with_the_pinned_vega_lite():
    assert alt.SCHEMA_VERSION.startswith(f"v{VEGA_LITE_VERSION}.")
    assert VEGA_LITE_VERSION in vl_convert.get_vegalite_versions()


def served_copy(published_home: Path, tmp_path: Path) -> Path:
    """A copy of the published serving file that a test may change."""
    serving = tmp_path / "serving"
    serving.mkdir()
    path = serving / "marts.duckdb"
    shutil.copy(published_home / "serving" / "marts.duckdb", path)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return path


def test_empty_marts_get_a_no_rows_note_instead_of_a_chart(published_home, tmp_path):
    path = served_copy(published_home, tmp_path)
    con = duckdb.connect(str(path))
    marts = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name NOT LIKE '\\_%' ESCAPE '\\'"
        ).fetchall()
    ]
    for mart in marts:
        con.execute(f"DELETE FROM main.{mart}")
    con.close()

    report = write_report(path, path.parent / "report", 1)

    page = read_page(path.parent / "report")
    assert_charts_show(page, dict.fromkeys(SLUGS, []))
    assert page.publication_id == publication_id(published_home / "serving")
    assert list((report.folder / "charts").iterdir()) == []


def test_the_attribution_chart_sets_the_models_side_by_side(published_home, tmp_path):
    """The two-day world has no opportunities: three, touched by shares of two campaigns
    (one without) on two platforms, are made up here."""
    path = served_copy(published_home, tmp_path)
    con = duckdb.connect(str(path))
    con.execute(
        """
        CREATE OR REPLACE TABLE main.fct_attributed_opportunities AS
        SELECT * FROM (VALUES
            ('opp-1', 'x', 'launch', true, 1200.00, 1200.0, 0.0, 600.0, 700.0, 600.0, 1100.0),
            ('opp-1', 'bluesky', NULL, true, 1200.00, 0.0, 1200.0, 600.0, 500.0, 600.0, 100.0),
            ('opp-2', 'x', 'launch', false, 300.00, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
            ('opp-3', 'mastodon', 'trial', true, 80.50, 80.5, 80.5, 80.5, 80.5, 80.5, 0.0)
        ) AS t(opportunity_id, platform, campaign, is_won, amount, revenue_first_touch,
               revenue_last_touch, revenue_linear, revenue_time_decay, revenue_position_based,
               revenue_trust_weighted)
        """
    )
    con.close()
    expected = expected_tables(path)
    assert [row[0] for row in expected["attribution_models"]] == [
        "launch",
        "(none)",
        "trial",
    ]
    assert expected["attribution_models"][0][2:] == [
        "1,200.00",
        "0.00",
        "600.00",
        "700.00",
        "600.00",
        "1,100.00",
    ]
    assert {row[0]: row[5:] for row in expected["platform_funnel"]}["x"] == [
        "2",
        "1",
        "1,200.00",
    ]

    write_report(path, path.parent / "report", 1)

    assert_charts_show(read_page(path.parent / "report"), expected)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def report_state(report_dir: Path) -> tuple[str, dict[str, bytes]]:
    """Where the pointer points, and every file of the report it points at."""
    return os.readlink(report_dir), files_of(report_dir.resolve())


def test_a_second_publication_swaps_the_report_in_whole(published_home, tmp_path, monkeypatch):
    home = copy_home(published_home, tmp_path / "home")
    report_dir = home / "serving" / "report"
    old_target, old_files = report_state(report_dir)
    seen_at_swap = []

    def check_then_point(report_dir: Path, folder: Path) -> None:
        # Just before the swap: readers still get the old report, whole, and the new one is
        # complete in its own folder.
        seen_at_swap.append(
            (
                report_state(report_dir) == (old_target, old_files),
                (folder / "index.html").is_file(),
            )
        )
        point_at(report_dir, folder)

    point_at = report_publish._point_at
    monkeypatch.setattr(report_publish, "_point_at", check_then_point)
    monkeypatch.setenv("SHARESIGNAL_HOME", str(home))
    from orchestration.definitions import defs
    from orchestration.resources import Warehouse

    result = defs.resolve_job_def("audit_and_publish").execute_in_process(
        resources={"warehouse": Warehouse(path=str(home / "warehouse.duckdb"))},
        raise_on_error=False,
    )

    assert result.success
    assert seen_at_swap == [(True, True)]
    new_id = publication_id(home / "serving")
    assert new_id != publication_id(published_home / "serving")
    new_target = os.readlink(report_dir)
    assert new_target != old_target and Path(new_target).name.startswith(new_id + "_")
    page = read_page(report_dir)
    assert page.publication_id == new_id
    assert_charts_show(page, expected_tables(home / "serving" / "marts.duckdb"))
    # The old report is kept, unchanged, as a previous one.
    assert files_of(home / "serving" / old_target) == old_files
    assert sorted(os.listdir(home / "serving" / "reports")) == sorted(
        [Path(old_target).name, Path(new_target).name]
    )

    (materialization,) = result.asset_materializations_for_node("serving__results_report")
    metadata = materialization.metadata
    assert metadata["report"].url == "http://127.0.0.1:3001/report/index.html"
    assert metadata["report_file"].path == str(home / "serving" / new_target / "index.html")
    assert metadata["publication"].text == new_id
    main = page.sections["campaign_shares"]
    # The main chart's picture is in the Markdown itself, so the asset page shows it offline.
    picture = (home / "serving" / new_target / "charts" / "campaign_shares.svg").read_bytes()
    image = f"(data:image/svg+xml;base64,{base64.b64encode(picture).decode()})"
    assert image in metadata["main_chart"].md_str
    assert f"| {' | '.join(main['header'])} |" in metadata["main_chart"].md_str
    for row in main["rows"]:
        assert f"| {' | '.join(row)} |" in metadata["main_chart"].md_str


def test_sharesignal_report_writes_the_report_of_the_published_version(published_home, tmp_path):
    home = copy_home(published_home, tmp_path / "home")
    report_dir = home / "serving" / "report"
    old_target = os.readlink(report_dir)

    run = run_sharesignal(home, "report")

    assert run.returncode == 0, run.stdout + run.stderr
    new_target = os.readlink(report_dir)
    pub = publication_id(home / "serving")
    assert new_target != old_target and Path(new_target).name.startswith(pub + "_")
    assert f"report of publication {pub}: {report_dir / 'index.html'}" in run.stdout
    assert "http://127.0.0.1:3001/report/index.html" in run.stdout
    assert read_page(report_dir).publication_id == pub

    # The reports built before the current one are kept as many as asked.
    built = [old_target, new_target]
    for _ in range(2):
        report = write_report(home / "serving" / "marts.duckdb", report_dir, keep_previous=1)
        built.append(f"reports/{report.folder.name}")
    assert os.readlink(report_dir) == built[-1]
    assert sorted(os.listdir(home / "serving" / "reports")) == sorted(
        Path(b).name for b in built[-2:]
    )


def test_sharesignal_report_without_a_publication_says_so(tmp_path):
    run = run_sharesignal(tmp_path, "report")

    assert run.returncode == 1
    assert "nothing published yet" in run.stdout
    assert not (tmp_path / "serving").exists()


@pytest.mark.parametrize("point", ["report:built", "report:moved"])
def test_a_killed_report_leaves_the_current_one_and_the_next_cleans_up(
    published_home, tmp_path, point
):
    home = copy_home(published_home, tmp_path / "home")
    report_dir = home / "serving" / "report"
    before = report_state(report_dir)
    killed = subprocess.run(
        [SHARESIGNAL, "report"],
        cwd=REPO_ROOT,
        env=sharesignal_env(home, {CRASH_AT: point}),
        capture_output=True,
        start_new_session=True,
    )
    assert killed.returncode == -9
    assert report_state(report_dir) == before
    # It left its unfinished folder, or a finished one nothing points at.
    assert len(os.listdir(home / "serving" / "reports")) == 2

    report = write_report(home / "serving" / "marts.duckdb", report_dir, keep_previous=3)

    assert os.readlink(report_dir) == f"reports/{report.folder.name}"
    assert sorted(os.listdir(home / "serving" / "reports")) == sorted(
        [Path(before[0]).name, report.folder.name]
    )
    assert not [p for p in (home / "serving").iterdir() if p.name.endswith(".tmp")]


def test_a_plain_folder_in_the_reports_place_is_replaced(published_home, tmp_path):
    path = served_copy(published_home, tmp_path)
    report_dir = path.parent / "report"
    report_dir.mkdir()
    (report_dir / "index.html").write_text("made by hand")

    report = write_report(path, report_dir, 1)

    assert report_dir.is_symlink() and report_dir.resolve() == report.folder
    assert read_page(report_dir).publication_id == report.publication.id
    assert sorted(os.listdir(path.parent / "reports")) == [report.folder.name]


class LockRefused(Exception):
    """Raised by the stand-in lock: nothing after asking for it runs."""


def test_the_report_asset_takes_the_writer_lock_before_writing(tmp_path, monkeypatch):
    from orchestration.report import results_report

    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))
    asked = []

    def refuse(what: str, log) -> None:
        asked.append(what)
        raise LockRefused

    monkeypatch.setattr("orchestration.report.writer_lock", refuse)

    with pytest.raises(LockRefused):
        materialize([results_report])

    assert len(asked) == 1 and asked[0].startswith("report (run ")
    assert list(tmp_path.iterdir()) == []


def test_the_report_follows_every_publication():
    from orchestration.definitions import defs
    from orchestration.sensors import assets_to_refresh

    key = AssetKey(["serving", "results_report"])
    graph = defs.resolve_asset_graph()
    assert graph.get(key).parent_keys == {AssetKey(["serving", "published_marts"])}
    for job in ("daily_pipeline", "audit_and_publish"):
        assert key in defs.resolve_job_def(job).asset_layer.selected_asset_keys, job
    assert key in assets_to_refresh({"x"})
