"""Quality reports that say something: every expectation with what it observed, passing suites
too; failures sampled without a raw identifier; an index of the runs whose links resolve;
links in Dagster metadata on the pages server, never file://; no page fetching anything."""

from __future__ import annotations

import json
import multiprocessing
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import great_expectations as gx
import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance
from great_expectations import expectations as gxe
from helpers import copy_home
from test_data_quality import _warehouse

from data_quality import MART_SUITES, ExpectationOutcome, RunReports, SuiteResult, validate_table
from data_quality import runs as runs_module
from data_quality.expect import no_rows
from data_quality.raw_suites import LOAD_LOG_SUITES, RAW_SCHEMA, RAW_SUITES
from orchestration.quality import check_result
from sharesignal.config import load_settings
from sharesignal.ingest.tables import create_raw_tables

# Planted in raw: an X user id and a handle, as an export delivers them.
RAW_AUTHOR_ID = "1398765432109876543"
RAW_HANDLE = "planted_handle_4711"
# Any reference a browser would fetch or follow off the machine.
EXTERNAL = re.compile(
    r"""(?:href|src|action)\s*=\s*["']?\s*(?:https?:)?//|url\(|@import|<script|<link""", re.I
)


class _Tables(HTMLParser):
    """Each table's rows as (css class of the row, texts of its cells), and every href."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[tuple[str, list[str]]]] = []
        self.hrefs: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append((attributes.get("class") or "", []))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parsed(path: Path) -> _Tables:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _resolves(page: Path, href: str) -> bool:
    """A relative link to an existing file, or to an element of the page it links to."""
    path, _, fragment = href.partition("#")
    target = (page.parent / path) if path else page
    return target.is_file() and (not fragment or f'id="{fragment}"' in target.read_text())


def _expectation_rows(report: Path) -> list[dict[str, str]]:
    """The rows of the report's table of every expectation, by column heading."""
    (table,) = [t for t in _parsed(report).tables if t and "observed" in t[0][1]]
    (_, heading), *rows = table
    return [dict(zip(heading, cells, strict=True)) | {"class": css} for css, cells in rows]


def _raw_warehouse(tmp_path: Path) -> Path:
    """A raw x_posts holding one post without its id, by a planted author and handle."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        con.execute(
            "insert into raw.x_posts by name select 'load-1' as _load_id, "
            "date '2026-10-01' as _partition_date, 'x/2026-10-01/posts.jsonl' as _source_file, "
            "7 as _line, 0 as _item, false as _included, null as id, ? as author_id, "
            "? as text",
            [RAW_AUTHOR_ID, f"RT @{RAW_HANDLE}: hello"],
        )
    return path


def _record(home: Path, run_id: str, result: SuiteResult, suite: str = "fct_shares") -> Path:
    return RunReports(home / "quality", run_id).record("gate", "marts", suite, suite, result)


def test_a_passing_suite_lists_every_expectation_with_what_it_observed(tmp_path: Path) -> None:
    suite = MART_SUITES["fct_shares"]
    result = validate_table(_warehouse(tmp_path), "marts", "fct_shares", suite)

    rows = _expectation_rows(_record(tmp_path, "run-1", result))

    assert len(rows) == len(suite.expectations)
    assert {row["result"] for row in rows} == {"passed"}
    assert {row["class"] for row in rows} == {"passed"}
    # Each says what it saw: counts of rows judged, a table's own value, or a query's rows.
    assert all(row["observed"] not in ("", "—") for row in rows), rows
    by_name = {(row["expectation"], row["column"]): row for row in rows}
    assert by_name[("expect_column_values_to_be_between", "trust_weight")]["observed"] == (
        "0 unexpected of 4 rows (0.00%)"
    )
    assert by_name[("expect_column_values_to_be_between", "trust_weight")]["asks"] == (
        "min_value = 0.0 max_value = 1.0"
    )
    assert by_name[("expect_table_row_count_to_be_between", "")]["observed"] == "observed: 4"
    fresh = "unexpected_rows_expectation: every account_key is in marts.dim_accounts"
    assert by_name[(fresh, "")]["observed"] == "offending rows: 0"


def test_a_failing_mart_shows_the_failure_and_its_offending_rows(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "delete from marts.dim_accounts where account_key = 'x:b'")
    result = validate_table(path, "marts", "fct_shares", MART_SUITES["fct_shares"])

    report = _record(tmp_path, "run-1", result)

    page = report.read_text()
    assert "marts.fct_shares: suite fct_shares failed" in page
    failed = [row for row in _expectation_rows(report) if row["result"] == "failed"]
    assert [row["expectation"] for row in failed] == [
        "unexpected_rows_expectation: every account_key is in marts.dim_accounts"
    ]
    assert failed[0]["observed"] == "offending rows: 1"
    # The marts hold pseudonyms only: the offending share is shown whole.
    (offending,) = [t for t in _parsed(report).tables if t and "share_id" in t[0][1]]
    assert [
        dict(zip(offending[0][1], cells, strict=True))["share_id"] for _, cells in offending[1:]
    ] == ["x:2"]


def test_a_failing_raw_table_shows_locators_and_reasons_never_the_export(tmp_path: Path) -> None:
    result = validate_table(_raw_warehouse(tmp_path), RAW_SCHEMA, "x_posts", RAW_SUITES["x_posts"])
    report = RunReports(tmp_path / "quality", "run-1").record(
        "raw_contract", RAW_SCHEMA, "x_posts", "raw_x_posts", result
    )

    (failure,) = result.errors
    assert failure.rows == [
        {
            "_source_file": "x/2026-10-01/posts.jsonl",
            "_line": 7,
            "_item": 0,
            "reasons": failure.rows[0]["reasons"],
        }
    ]
    assert failure.rows[0]["reasons"].startswith("id is missing")
    pages = [report.read_text(), (tmp_path / "quality" / "index.html").read_text()]
    assert "x/2026-10-01/posts.jsonl" in pages[0]
    assert all(RAW_AUTHOR_ID not in p and RAW_HANDLE not in p for p in pages)


def test_raw_values_a_rule_selects_are_withheld_from_report_and_metadata(tmp_path: Path) -> None:
    # A rule returning whole raw rows, and one judging a raw id column: both fail on the
    # planted post, and neither may show its author or text.
    suite = gx.ExpectationSuite(
        name="raw_x_posts_whole_rows",
        expectations=[
            *no_rows("every post has an id", "select * from {batch} where id is null"),
            gxe.ExpectColumnValuesToBeInSet(column="author_id", value_set=["12"]),
        ],
    )
    result = validate_table(_raw_warehouse(tmp_path), RAW_SCHEMA, "x_posts", suite)
    report = RunReports(tmp_path / "quality", "run-1").record(
        "raw_contract", RAW_SCHEMA, "x_posts", suite.name, result
    )

    rows, values = result.errors
    assert set(rows.rows[0]) <= {
        "_load_id",
        "_partition_date",
        "_source_file",
        "_line",
        "_item",
        "_included",
    }
    assert rows.rows[0]["_line"] == 7
    assert {"author_id", "text", "id", "_extra"} <= set(rows.withheld)
    assert values.unexpected_count == 1
    assert values.sample == []
    assert values.withheld == ["author_id"]
    page = report.read_text()
    metadata = json.dumps({k: str(v.value) for k, v in check_result("x", result).metadata.items()})
    for text in (page, metadata):
        assert RAW_AUTHOR_ID not in text
        assert RAW_HANDLE not in text
    assert "values of author_id withheld" in page


def test_the_index_lists_runs_newest_first_and_its_links_resolve(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)
    for run_id in ("first-run", "second-run"):
        for mart in ("fct_shares", "dim_content"):
            _record(tmp_path, run_id, validate_table(path, "marts", mart, MART_SUITES[mart]), mart)

    index = tmp_path / "quality" / "index.html"
    parsed = _parsed(index)

    text = index.read_text()
    assert text.index("second-run") < text.index("first-run")
    overview, *sections = parsed.tables
    assert [cells[0] for _, cells in overview[1:]] == ["second-run", "first-run"]
    suites = [cells for table in sections for _, cells in table[1:]]
    assert [(cells[1], cells[2], cells[3]) for cells in suites] == [
        ("marts.fct_shares", "fct_shares", "passed"),
        ("marts.dim_content", "dim_content", "passed"),
    ] * 2
    assert len(parsed.hrefs) == 2 + 4
    assert all(_resolves(index, href) for href in parsed.hrefs)
    for href in parsed.hrefs[2:]:
        report = index.parent / href
        (back,) = _parsed(report).hrefs
        assert (report.parent / back).resolve() == index.resolve()


def test_only_the_newest_runs_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs_module, "KEEP_RUNS", 2)
    result = SuiteResult([ExpectationOutcome("expect_column_values_to_be_unique", "a", True)])

    for run_id in ("run-1", "run-2", "run-3"):
        _record(tmp_path, run_id, result)

    runs = tmp_path / "quality" / "runs"
    assert sorted(p.name for p in runs.iterdir()) == ["run-2", "run-3"]
    index = (tmp_path / "quality" / "index.html").read_text()
    assert "run-3" in index and "run-2" in index and "run-1" not in index


def _record_many(quality_dir: Path, worker: int) -> None:
    result = SuiteResult([ExpectationOutcome("expect_column_values_to_be_unique", "a", True)])
    for n in range(5):
        RunReports(quality_dir, "one-run").record(
            "gate", "marts", "t", f"suite_{worker}_{n}", result
        )


def test_validations_recorded_at_once_are_all_listed(tmp_path: Path) -> None:
    quality_dir = tmp_path / "quality"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_record_many, args=(quality_dir, w)) for w in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert all(worker.exitcode == 0 for worker in workers)

    listed = json.loads((quality_dir / "runs" / "one-run" / "run.json").read_text())
    expected = {f"suite_{w}_{n}" for w in range(6) for n in range(5)}
    assert {v["suite"] for v in listed} == expected
    index = (quality_dir / "index.html").read_text()
    assert all(f">{suite}</a>" in index for suite in expected)
    # Nothing half-written is left behind.
    assert not [p for p in quality_dir.rglob("*.tmp")]


def test_a_check_links_its_report_on_the_pages_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))
    settings = load_settings()
    result = SuiteResult([ExpectationOutcome("expect_column_values_to_be_unique", "a", True)])
    report = _record(tmp_path, "run-1", result)

    metadata = check_result("marts.fct_shares", result, report).metadata

    url = metadata["report_url"].value
    assert url == settings.page_url(report)
    assert url == "http://127.0.0.1:3001/quality/runs/run-1/gate.fct_shares.html"
    assert metadata["all_quality_reports"].value == "http://127.0.0.1:3001/quality/index.html"
    assert metadata["report"].value == str(report)
    assert not any(str(v.value).startswith("file:") for v in metadata.values())


def test_a_run_of_the_pipeline_reports_every_suite_and_links_them(
    published_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = copy_home(published_home, tmp_path / "home")
    monkeypatch.setenv("SHARESIGNAL_HOME", str(home))
    settings = load_settings()
    quality = settings.quality_dir
    (run,) = (quality / "runs").iterdir()
    listed = json.loads((run / "run.json").read_text())
    checks = {v["check"] for v in listed}
    assert checks == {"raw_contract", "load_log", "great_expectations_suite", "publish_audit"}
    assert len(listed) == len(RAW_SUITES) + len(LOAD_LOG_SUITES) + 2 * len(MART_SUITES)
    assert {v["verdict"] for v in listed} <= {"passed", "passed with warnings"}

    pages = sorted(quality.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), page
        for href in _parsed(page).hrefs:
            assert _resolves(page, href), (page, href)
    for v in listed:
        rows = _expectation_rows(run / v["page"])
        assert len(rows) == v["evaluated"] > 0
        assert all(row["observed"] not in ("", "—") for row in rows), v["page"]

    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        check = AssetCheckKey(AssetKey(["marts", "fct_shares"]), "great_expectations_suite")
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])[check]
        metadata = record.event.dagster_event.event_specific_data.metadata
        published = instance.get_latest_materialization_event(
            AssetKey(["serving", "published_marts"])
        )
    report = run / "great_expectations_suite.fct_shares.html"
    assert metadata["report_url"].value == settings.page_url(report)
    assert metadata["report_url"].value.startswith("http://127.0.0.1:3001/quality/runs/")
    quality_link = published.asset_materialization.metadata["quality_reports"].value
    assert quality_link == f"{settings.page_url(quality / 'index.html')}#run-{run.name}"
    assert f'id="run-{run.name}"' in (quality / "index.html").read_text()
