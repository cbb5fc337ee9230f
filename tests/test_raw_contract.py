"""The raw contract suites run inside DuckDB on really ingested exports: good loads pass, and
each planted defect fails the expectation that names it."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from helpers import run_sharesignal

from data_quality import SuiteResult, validate_table
from data_quality.raw_suites import LOAD_LOG, LOAD_LOG_SUITES, RAW_SCHEMA, RAW_SUITES
from sharesignal.config import SOURCES
from sharesignal.ingest import ingest_partition

# Its tests share a module-scoped fixture: xdist runs them on one worker, which builds it once.
pytestmark = pytest.mark.xdist_group("raw_contract")

FIRST_DAY, DAYS = date(2026, 10, 1), 6
COMPLIANCE_EVENTS = [
    {
        "data": {
            "delete": {"tweet": {"id": "11", "author_id": "12"}, "event_at": "2026-10-05T08:00:00Z"}
        }
    },
    {"data": {"user_protect": {"user": {"id": "12"}, "event_at": "2026-10-05T09:00:00Z"}}},
]
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    """Six days of generated exports of every source, ingested into a warehouse."""
    home = tmp_path_factory.mktemp("home")
    generated = run_sharesignal(
        home, "generate", "--start", FIRST_DAY.isoformat(), "--days", str(DAYS), "--quiet"
    )
    assert generated.returncode == 0, generated.stderr
    # The generator writes no compliance events: one stream's worth, of the documented shape.
    (home / "landing" / "x" / str(LAST_DAY) / "compliance.jsonl").write_text(
        "".join(json.dumps(event) + "\n" for event in COMPLIANCE_EVENTS)
    )
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for source in SOURCES:
            for offset in range(DAYS):
                day = FIRST_DAY + timedelta(days=offset)
                ingest_partition(con, source, day, home / "landing", load_id=f"load-{day}")
    return warehouse


def _copy(ingested: Path, tmp_path: Path, defect: str) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(ingested, path)
    with duckdb.connect(str(path)) as con:
        con.execute(defect)
    return path


def _raw(path: Path, table: str) -> SuiteResult:
    return validate_table(path, RAW_SCHEMA, table, RAW_SUITES[table])


def _load_log(path: Path, source: str) -> SuiteResult:
    return validate_table(path, RAW_SCHEMA, LOAD_LOG, LOAD_LOG_SUITES[source])


def _failed(result: SuiteResult) -> dict[str, list[dict]]:
    assert not result.success
    return {f.label: f.rows for f in result.errors}


@pytest.mark.parametrize("table", sorted(RAW_SUITES))
def test_ingested_raw_table_meets_its_contract(ingested: Path, table: str) -> None:
    result = _raw(ingested, table)

    assert result.failed == []
    assert result.evaluated == len(RAW_SUITES[table].expectations)


@pytest.mark.parametrize("source", SOURCES)
def test_every_file_of_every_source_is_accounted_for(ingested: Path, source: str) -> None:
    assert _load_log(ingested, source).failed == []


def test_a_column_of_another_type_or_an_undeclared_column_breaks_the_contract(
    ingested: Path, tmp_path: Path
) -> None:
    path = _copy(
        ingested,
        tmp_path,
        "alter table raw.clicks alter column nk type varchar; "
        "alter table raw.clicks add column surprise integer",
    )

    rows = _failed(_raw(path, "clicks"))[
        "unexpected_rows_expectation: the columns and types are the declared ones"
    ]

    assert sorted((r["problem"], r["column_name"], r["column_type"]) for r in rows) == [
        ("missing", "nk", "INTEGER"),
        ("unexpected", "nk", "VARCHAR"),
        ("unexpected", "surprise", "INTEGER"),
    ]


def test_a_loaded_row_without_its_id_breaks_the_row_rules(ingested: Path, tmp_path: Path) -> None:
    path = _copy(
        ingested,
        tmp_path,
        "update raw.x_posts set id = null where _line = 1 and _item = 0 "
        f"and _partition_date = '{FIRST_DAY}' and not _included",
    )

    rows = _failed(_raw(path, "x_posts"))[
        "unexpected_rows_expectation: no loaded row breaks an ingest row rule"
    ]

    assert len(rows) == 1
    assert rows[0]["reasons"].startswith("id is missing")


def test_a_compliance_event_about_nothing_breaks_the_row_rules(
    ingested: Path, tmp_path: Path
) -> None:
    path = _copy(
        ingested,
        tmp_path,
        "update raw.x_compliance_events set post_id = null, user_id = null where _line = 1",
    )

    rows = _failed(_raw(path, "x_compliance_events"))[
        "unexpected_rows_expectation: no loaded row breaks an ingest row rule"
    ]

    assert [r["reasons"] for r in rows] == [
        "a compliance event without the post or account it is about; fix the record at its "
        "source and re-deliver the file, then re-run the partition"
    ]


def test_a_row_without_its_source_file_breaks_the_lineage(ingested: Path, tmp_path: Path) -> None:
    path = _copy(ingested, tmp_path, "update raw.crm_leads set _source_file = null")

    failed = _raw(path, "crm_leads").errors

    assert [(f.expectation, f.column) for f in failed] == [
        ("expect_column_values_to_not_be_null", "_source_file")
    ]


def test_a_file_that_does_not_balance_is_named(ingested: Path, tmp_path: Path) -> None:
    path = _copy(
        ingested,
        tmp_path,
        f"update raw._load_log set rows_loaded = rows_loaded - 1 "
        f"where source = 'clicks' and partition_date = '{FIRST_DAY}'",
    )

    rows = _failed(_load_log(path, "clicks"))[
        "unexpected_rows_expectation: every file balances: rows read = rows loaded + rows rejected"
    ]

    assert [(r["source"], r["partition_date"]) for r in rows] == [("clicks", str(FIRST_DAY))]


def test_rejected_rows_that_were_not_kept_are_named(ingested: Path, tmp_path: Path) -> None:
    path = _copy(
        ingested,
        tmp_path,
        "update raw._load_log set rows_read = rows_read + 2, rows_rejected = 2 "
        f"where source = 'mastodon' and partition_date = '{LAST_DAY}'",
    )

    rows = _failed(_load_log(path, "mastodon"))[
        "unexpected_rows_expectation: every file's rejected rows are kept in raw._rejects"
    ]

    assert {r["rows_rejected"] for r in rows} == {2}


def test_a_partition_with_90_percent_fewer_rows_is_a_volume_anomaly(
    ingested: Path, tmp_path: Path
) -> None:
    path = _copy(
        ingested,
        tmp_path,
        "update raw._load_log set rows_loaded = rows_loaded // 10, rows_rejected = 0, "
        f"rows_read = rows_loaded // 10 where source = 'web_analytics' "
        f"and partition_date = '{LAST_DAY}'",
    )

    rows = _failed(_load_log(path, "web_analytics"))[
        "unexpected_rows_expectation: no recent partition of web_analytics has far fewer rows "
        "than usual"
    ]

    assert [r["day"] for r in rows] == [str(LAST_DAY)]
    assert rows[0]["n"] < 0.25 * rows[0]["usual"]


def test_a_rerun_partition_is_judged_by_its_latest_load(ingested: Path, tmp_path: Path) -> None:
    # An earlier load of the last day was truncated and did not balance (5 rows read, 1
    # loaded); the re-run that replaced it did both right. Judging every load would fail.
    path = _copy(
        ingested,
        tmp_path,
        "insert into raw._load_log select 'load-early', source, partition_date, source_file, "
        "file_sha256, loaded_at - interval 1 hour, 5, 1, 0, status, message, new_fields "
        f"from raw._load_log where source = 'web_analytics' and partition_date = '{LAST_DAY}'",
    )

    assert _load_log(path, "web_analytics").failed == []
