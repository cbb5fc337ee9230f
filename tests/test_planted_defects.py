"""Planted defects, each through the pipeline as an operator meets it: every one blocks
publication, the run fails naming the failed expectation, and BI keeps the last good version
(issue 6, reliability c).

A world is built and published once (conftest's ten-day world); each defect gets its own
copy of that home. Defects in the marts are planted in the warehouse and caught by
`sharesignal publish` (the gates, then publish); the truncated export is planted in a landing
file and caught by a daily run.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import TEN_DAYS_LAST
from helpers import copy_home, run_sharesignal

LAST_BUILT = TEN_DAYS_LAST
NEXT_DAY = LAST_BUILT + timedelta(days=1)

# (defect, SQL planting it in the warehouse, the failed check, the expectation it names)
MART_DEFECTS = [
    (
        "duplicated key",
        "insert into marts.dim_content select * from marts.dim_content limit 1",
        "marts/dim_content",
        "expect_column_values_to_be_unique(content_id)",
    ),
    (
        # The built mart refuses a null key (a constraint of its contract): the defect is a
        # mart re-created without it after the build.
        "null key",
        "create or replace table marts.fct_shares as select * replace ("
        "case when share_id in (select share_id from marts.fct_shares order by share_id limit 3)"
        " then null else share_id end as share_id) from marts.fct_shares",
        "marts/fct_shares",
        "expect_column_values_to_not_be_null(share_id)",
    ),
    (
        "trust out of range",
        "update marts.dim_accounts set trust_score = 1.5 where account_key in "
        "(select account_key from marts.dim_accounts order by account_key limit 1)",
        "marts/dim_accounts",
        "expect_column_values_to_be_between(trust_score)",
    ),
    (
        "credits that do not sum to 1",
        "update marts.fct_attributed_opportunities set credit_linear = credit_linear * 0.9",
        "marts/fct_attributed_opportunities",
        "each attribution model's credits for one opportunity sum to 1",
    ),
    (
        "a day with 90% fewer shares than usual",
        "delete from marts.fct_shares where platform = 'bluesky' "
        f"and share_date = '{LAST_BUILT}' and hash(share_id) % 10 <> 0",
        "marts/fct_shares",
        "no recent day has fewer than 25% of the usual shares per platform",
    ),
    (
        "an orphan foreign key",
        "delete from marts.dim_accounts where account_key in "
        "(select account_key from marts.fct_shares order by share_id limit 1)",
        "marts/fct_shares",
        "every account_key is in marts.dim_accounts",
    ),
    (
        "trust-weighted shares above raw shares",
        "update marts.mart_content_performance set trust_weighted_shares = raw_shares + 1",
        "marts/mart_content_performance",
        "expect_column_pair_values_a_to_be_greater_than_b(raw_shares, trust_weighted_shares)",
    ),
    (
        "a share dated next week",
        "update marts.fct_shares set shared_at = now()::timestamp + interval 7 day "
        "where share_id in (select share_id from marts.fct_shares order by share_id limit 1)",
        "marts/fct_shares",
        "shared_at is not in the future",
    ),
    (
        "marts behind the loaded exports",
        f"delete from marts.fct_shares where share_date >= '{LAST_BUILT - timedelta(days=2)}'",
        "marts/fct_shares",
        "the shares are as fresh as the newest post of the loaded share exports",
    ),
    (
        "a funnel that widens from sessions to leads",
        "update marts.mart_share_funnel set leads = sessions + 1 where sessions > 0",
        "marts/mart_share_funnel",
        "expect_column_pair_values_a_to_be_greater_than_b(sessions, leads)",
    ),
    (
        "an unknown platform",
        "update marts.fct_shares set platform = 'myspace' where share_id in "
        "(select share_id from marts.fct_shares order by share_id limit 1)",
        "marts/fct_shares",
        "expect_column_values_to_be_in_set(platform)",
    ),
    (
        "a dropped column",
        "alter table marts.mart_campaign_comparison drop column won_revenue_per_1000_shares",
        "marts/mart_campaign_comparison",
        "expect_table_columns_to_match_set",
    ),
]


def published_at(home: Path) -> object:
    with duckdb.connect(str(home / "serving" / "marts.duckdb"), read_only=True) as con:
        return con.execute("select published_at from _publication").fetchone()[0]


@pytest.fixture
def home(ten_days_home: Path, tmp_path: Path) -> Path:
    """A copy of the ten-day world: ten days published, the eleventh's exports in landing."""
    return copy_home(ten_days_home, tmp_path / "home")


def test_the_world_as_built_passes_every_gate(home: Path) -> None:
    result = run_sharesignal(home, "publish")

    assert result.returncode == 0, result.stdout
    assert " 0 failed" in result.stdout


@pytest.mark.parametrize(
    "plant, check, expectation",
    [defect[1:] for defect in MART_DEFECTS],
    ids=[defect[0] for defect in MART_DEFECTS],
)
def test_a_planted_defect_blocks_publication_and_is_named(
    home: Path, plant: str, check: str, expectation: str
) -> None:
    last_good = published_at(home)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        planted = con.execute(plant).fetchall()
    assert planted != [(0,)], "the defect touched no row"

    result = run_sharesignal(home, "publish")

    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert any(f"FAILED {check} great_expectations_suite" in line for line in failed), failed
    assert any(expectation in line for line in failed), failed
    assert "nothing new was published" in result.stdout
    assert published_at(home) == last_good


def test_a_truncated_export_blocks_the_daily_run_and_is_named(home: Path) -> None:
    last_good = published_at(home)
    # The X export of the next day arrives with 1 record in 25 of every page: posts and the
    # posts and users they include. (The next day is a busy one, three times the usual: 1 in
    # 10 would still be more than the floor of a quarter of the usual.)
    for page_file in (home / "landing" / "x" / str(NEXT_DAY)).iterdir():
        pages = [json.loads(line) for line in page_file.read_text().splitlines()]
        for page in pages:
            page["data"] = page["data"][::25]
            page["includes"] = {kind: items[::25] for kind, items in page["includes"].items()}
        page_file.write_text("".join(json.dumps(page) + "\n" for page in pages))

    result = run_sharesignal(home, "backfill", "--start", str(NEXT_DAY), "--end", str(NEXT_DAY))

    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert any(
        "FAILED raw/x_posts load_log" in line
        and "no recent partition of x has far fewer rows than usual" in line
        for line in failed
    ), failed
    assert published_at(home) == last_good
