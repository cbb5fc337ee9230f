"""The mart suites really evaluate inside DuckDB: good marts pass, planted defects fail
with the expectation, column and unexpected count that name them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from data_quality import MART_SUITES, FailedExpectation, SuiteResult, validate_table

# Small marts in the shape of SPEC §4 that meet every expectation.
GOOD_MARTS = """
create schema marts;
create table marts.fct_shares as select * from (values
    ('x:1', 'x', '1', 'x:a', 'original', timestamp '2026-10-01 10:00', date '2026-10-01',
     'c1', 'https://www.acme-analytics.example/article/one', null, 1.0),
    ('x:2', 'x', '2', 'x:b', 'reshare', timestamp '2026-10-01 10:01', date '2026-10-01',
     'c1', 'https://www.acme-analytics.example/article/one', 'x:1', 0.05),
    ('bluesky:at://p', 'bluesky', 'at://p', 'bluesky:did:plc:c', 'quote',
     timestamp '2026-10-02 09:00', date '2026-10-02', null, null, null, 0.5)
) as t(share_id, platform, post_id, account_key, share_type, shared_at, share_date,
       content_id, shared_url, parent_share_id, trust_weight);

create table marts.dim_accounts as select * from (values
    ('x:a', 'x', 'a', 'alice', timestamp '2020-01-01', 120, 80, 900, false, true, true,
     1.0, 'trusted'),
    ('x:b', 'x', 'b', 'bot', timestamp '2026-09-30', 2, 900, 5000, true, false, true,
     0.05, 'likely_bot'),
    ('bluesky:did:plc:c', 'bluesky', 'did:plc:c', 'carol.bsky.social', timestamp '2024-05-01',
     null, null, null, false, false, false, 0.5, 'neutral')
) as t(account_key, platform, account_id, handle, account_created_at, followers_count,
       following_count, post_count, is_self_declared_bot, is_verified, has_profile_counts,
       trust_score, trust_tier);

create table marts.dim_content as select * from (values
    ('c1', 'https://www.acme-analytics.example/article/one', 'One', 'article', 'launch', false,
     timestamp '2026-09-15 09:00'),
    ('c2', 'https://www.acme-analytics.example/advertisement/two', 'Two', 'advertisement', null,
     true, timestamp '2026-09-16 09:00')
) as t(content_id, canonical_url, title, content_type, campaign, is_advertisement,
       published_at);

create table marts.mart_content_performance as select * from (values
    ('c1', date '2026-10-01', 2, 1.05, 3, 2, 1, 1, 1200.00::decimal(18, 2)),
    ('c1', date '2026-10-02', 0, 0.0, 1, 1, 0, 0, 0.00::decimal(18, 2)),
    ('c2', date '2026-10-01', 1, 1.0, 0, 0, 0, 0, 0.00::decimal(18, 2))
) as t(content_id, activity_date, raw_shares, trust_weighted_shares, clicks, sessions, leads,
       opportunities, won_revenue);
"""


def _warehouse(tmp_path: Path, defect: str = "") -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(GOOD_MARTS)
        if defect:
            con.execute(defect)
    return path


def _validate(path: Path, table: str) -> SuiteResult:
    return validate_table(path, "marts", table, MART_SUITES[table])


def _only_failure(result: SuiteResult) -> FailedExpectation:
    assert not result.success
    assert len(result.failed) == 1, result.failed
    return result.failed[0]


@pytest.mark.parametrize("table", sorted(MART_SUITES))
def test_good_mart_passes_every_expectation(tmp_path: Path, table: str) -> None:
    result = _validate(_warehouse(tmp_path), table)

    assert result.failed == []
    assert result.success
    assert result.evaluated == len(MART_SUITES[table].expectations)


def test_duplicate_key_fails_uniqueness_with_both_rows(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "update marts.fct_shares set share_id = 'x:1' where post_id = '2'")

    failure = _only_failure(_validate(path, "fct_shares"))

    assert failure.expectation == "expect_column_values_to_be_unique"
    assert failure.column == "share_id"
    assert failure.unexpected_count == 2
    assert failure.sample == ["x:1", "x:1"]


def test_null_key_fails_not_null(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.dim_accounts set account_key = null where handle = 'bot'"
    )

    failure = _only_failure(_validate(path, "dim_accounts"))

    assert failure.expectation == "expect_column_values_to_not_be_null"
    assert failure.column == "account_key"
    assert failure.unexpected_count == 1


@pytest.mark.parametrize(
    ("table", "column", "defect"),
    [
        (
            "fct_shares",
            "trust_weight",
            "update marts.fct_shares set trust_weight = 1.5 where post_id = '1'",
        ),
        (
            "fct_shares",
            "trust_weight",
            "update marts.fct_shares set trust_weight = -0.1 where post_id = '2'",
        ),
        (
            "dim_accounts",
            "trust_score",
            "update marts.dim_accounts set trust_score = 2 where handle = 'alice'",
        ),
    ],
)
def test_trust_outside_zero_to_one_fails_range(
    tmp_path: Path, table: str, column: str, defect: str
) -> None:
    failure = _only_failure(_validate(_warehouse(tmp_path, defect), table))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == column
    assert failure.unexpected_count == 1


def test_negative_revenue_fails_range(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_content_performance set won_revenue = -5 where content_id = 'c2'",
    )

    failure = _only_failure(_validate(path, "mart_content_performance"))

    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == "won_revenue"
    assert failure.unexpected_count == 1
    assert failure.sample == ["-5.00"]


def test_duplicate_grain_fails_compound_uniqueness(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_content_performance set activity_date = date '2026-10-01'"
        " where raw_shares = 0",
    )

    failure = _only_failure(_validate(path, "mart_content_performance"))

    assert failure.expectation == "expect_compound_columns_to_be_unique"
    assert failure.column == "content_id, activity_date"
    assert failure.unexpected_count == 2


def test_more_weighted_than_raw_shares_fails(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path,
        "update marts.mart_content_performance set trust_weighted_shares = 3"
        " where content_id = 'c2'",
    )

    failure = _only_failure(_validate(path, "mart_content_performance"))

    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.unexpected_count == 1


def test_unknown_category_fails_value_set(tmp_path: Path) -> None:
    path = _warehouse(
        tmp_path, "update marts.dim_accounts set trust_tier = 'vip' where handle = 'alice'"
    )

    failure = _only_failure(_validate(path, "dim_accounts"))

    assert failure.expectation == "expect_column_values_to_be_in_set"
    assert failure.column == "trust_tier"
    assert failure.sample == ["vip"]


def test_missing_column_fails_schema_and_its_expectations(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, "alter table marts.fct_shares drop column trust_weight")

    result = _validate(path, "fct_shares")

    assert not result.success
    failed = {(f.expectation, f.column): f for f in result.failed}
    schema = failed.pop(("expect_table_columns_to_match_set", None))
    assert schema.sample == ["missing: trust_weight"]
    # Every expectation on the missing column fails with an error naming it, nothing else.
    assert {column for _, column in failed} == {"trust_weight"}
    assert all("trust_weight" in (f.error or "") for f in failed.values())


def test_warehouse_is_left_unlocked_for_the_next_writer(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)

    _validate(path, "dim_content")

    with duckdb.connect(str(path)) as con:
        con.execute("create table marts.after_validation as select 1 as one")


def test_missing_warehouse_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build the marts"):
        _validate(tmp_path / "absent.duckdb", "dim_content")
