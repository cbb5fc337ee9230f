"""`sharesignal evaluate`: the AUC and error arithmetic on hand-made frames, the mapping of the
truth's ids to the marts' pseudonyms against the real dbt macro, and the command end to end."""

import hashlib
import itertools
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from sharesignal.config import DBT_PROJECT_DIR, REPO_ROOT, Settings
from sharesignal.evaluate import (
    auc_table,
    content_items,
    content_summary,
    evaluate_command,
    map_truth,
    roc_auc,
)

KEY = "test-evaluate-key"
DID = "did:plc:abcdefghijklmnopqrstuvwx"
URI = f"at://{DID}/app.bsky.feed.post/3mwrsobl4roya"
OTHER_DID = "did:plc:zyxwvutsrqponmlkjihgfedc"
FIRST_DAY, LAST_DAY = date(2026, 10, 5), date(2026, 10, 6)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pseudonym(value: str, key: str = KEY) -> str:
    return sha256(f"{key}\x1f{value}")


# ---------------------------------------------------------------- ROC AUC


def brute_force_auc(scores: list[float], positive: list[bool]) -> float:
    """P(a random positive outscores a random negative), ties counting half, pair by pair."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_perfect_separation_is_one_and_reversed_is_zero():
    assert roc_auc([0.9, 0.8, 0.7, 0.2, 0.1], [True, True, True, False, False]) == 1.0
    assert roc_auc([0.1, 0.2, 0.3, 0.8, 0.9], [True, True, True, False, False]) == 0.0


def test_ties_count_half():
    assert roc_auc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    # person 0.5 ties bot 0.5 (half) and beats bot 0.2 (one): 1.5 of 2 pairs
    assert roc_auc([0.5, 0.5, 0.2], [True, False, False]) == 0.75


def test_a_hand_computed_case_and_random_data_match_the_pairwise_definition():
    # people 0.9, 0.4; bots 0.5, 0.1: 0.9 beats both, 0.4 beats 0.1 only: 3 of 4 pairs
    assert roc_auc([0.9, 0.4, 0.5, 0.1], [True, True, False, False]) == 0.75
    rng = np.random.default_rng(1)
    scores = list(rng.integers(0, 6, 80) / 5)  # many ties
    positive = list(rng.random(80) < 0.3)
    assert roc_auc(scores, positive) == pytest.approx(brute_force_auc(scores, positive))


def test_null_scores_are_left_out_and_one_class_has_no_auc():
    assert roc_auc([0.9, None, 0.1], [True, False, False]) == 1.0
    assert roc_auc([0.9, 0.8], [True, True]) is None
    assert roc_auc([], []) is None


def test_auc_table_reports_overall_and_per_platform():
    accounts = pl.DataFrame(
        {
            "platform": ["x", "x", "x", "bluesky", "bluesky", "bluesky"],
            "is_person": [True, False, False, True, False, True],
            "trust_score": [0.9, 0.1, 0.2, 0.3, 0.6, None],
        }
    )
    table = auc_table(accounts, ("trust_score",))
    auc = dict(table.select("platform", "auc").iter_rows())
    # people 0.9 and 0.3 against bots 0.1, 0.2 and 0.6: 5 of 6 pairs in order
    assert auc == {"all": pytest.approx(5 / 6), "x": 1.0, "bluesky": 0.0}
    row = table.filter(pl.col("platform") == "all").row(0, named=True)
    assert (row["accounts"], row["people"], row["bots"], row["unscored"]) == (5, 2, 3, 1)


# ---------------------------------------------------------------- content errors


SHARES = pl.DataFrame(
    {
        "content_id": ["a", "a", "a", "a", "b", "b", "c", "c", "c", None],
        "content_class": ["substantive"] * 4 + ["advertisement"] * 2 + ["substantive"] * 3 + [None],
        "trust_weight": [1.0, 1.0, 0.5, 0.0, 0.2, 0.1, 0.9, 0.9, 0.9, 1.0],
        "is_person": [True, True, False, False, False, False, True, True, None, True],
    }
)


def test_relative_error_per_item():
    items = {row["content_id"]: row for row in content_items(SHARES).to_dicts()}
    assert set(items) == {"a", "b", "c"}  # shares without content are no item
    a = items["a"]
    assert (a["raw_shares"], a["people_shares"], a["bot_shares"]) == (4, 2, 2)
    assert a["trust_weighted_shares"] == 2.5
    assert a["relative_error"] == pytest.approx(0.25)  # (2.5 - 2) / 2
    assert items["b"]["relative_error"] is None  # nobody shared it: no relative error
    c = items["c"]  # a share missing from the truth counts neither as person nor as bot
    assert (c["people_shares"], c["bot_shares"], c["unmatched_shares"]) == (2, 0, 1)
    assert c["relative_error"] == pytest.approx((2.7 - 2) / 2)


def test_content_summary_medians_quantiles_and_share_within_ten_percent():
    items = pl.DataFrame(
        {
            "content_id": list("pqrst"),
            "content_class": ["substantive"] * 4 + ["advertisement"],
            "raw_shares": [20, 20, 20, 5, 40],
            "trust_weighted_shares": [19.0, 22.0, 14.0, 10.0, 5.0],
            "people_shares": [20, 20, 20, 5, 10],
            "bot_shares": [0, 0, 0, 0, 30],
        }
    ).with_columns(
        relative_error=(pl.col("trust_weighted_shares") - pl.col("people_shares"))
        / pl.col("people_shares")
    )
    summary = {r["content_class"]: r for r in content_summary(items, min_people=10).to_dicts()}
    substantive = summary["substantive"]
    # judged: p (-5%), q (+10%), r (-30%); t has 5 people shares and is not judged
    assert (substantive["items"], substantive["items_judged"]) == (4, 3)
    assert substantive["median_abs_error"] == pytest.approx(0.10)
    assert substantive["p90_abs_error"] == pytest.approx(0.10 + 0.8 * (0.30 - 0.10))
    assert substantive["share_within_10pct"] == pytest.approx(2 / 3)
    assert substantive["total_relative_error"] == pytest.approx((65 - 65) / 65)
    assert summary["advertisement"]["total_relative_error"] == pytest.approx(-0.5)
    assert summary["all"]["items"] == 5


# ---------------------------------------------------------------- id mapping


def pseudonymize_with_dbt(tmp_path: Path, values: list[str]) -> list[str]:
    """The dbt macro's pseudonyms of `values` under KEY, as dbt computes them."""
    env = {**os.environ, "SHARESIGNAL_HOME": str(tmp_path), "SHARESIGNAL_PSEUDONYM_KEY": KEY}
    columns = ", ".join(
        f"{{{{ pseudonymize(\"'{value}'\") }}}} as v{i}" for i, value in enumerate(values)
    )
    out = tmp_path / "dbt"
    shown = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "show",
            "--profiles-dir",
            ".",
            "--target-path",
            str(out),
            "--log-path",
            str(out),
            "--output",
            "json",
            "--inline",
            f"select {columns}",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    row = json.loads(shown.stdout[shown.stdout.index("\n{") :])["show"][0]
    return [row[f"v{i}"] for i in range(len(values))]


def test_truth_ids_map_to_the_pseudonyms_the_dbt_macro_makes(tmp_path):
    truth = tmp_path / "truth"
    truth.mkdir()
    pl.DataFrame(
        {
            "platform": ["x", "mastodon", "bluesky"],
            "account_id": ["1234567890123456789", "109962067968061184", DID],
            "is_bot": [False, True, False],
            "bot_farm": [None, "mastodon-farm-03", None],
            "is_business": [False, False, True],
        }
    ).write_parquet(truth / "accounts.parquet")
    repost = f"repost:{OTHER_DID}:{URI}"
    pl.DataFrame(
        {
            "platform": ["x", "mastodon", "bluesky", "bluesky"],
            "post_id": ["2105539566284904960", "117362744455032320", URI, repost],
            "account_id": ["1234567890123456789", "109962067968061184", DID, OTHER_DID],
            "share_type": ["original", "reshare", "original", "reshare"],
            "is_bot": [False, True, False, True],
            "bot_farm": [None, "mastodon-farm-03", None, "bluesky-farm-02"],
            "content_type": ["article"] * 4,
        }
    ).write_parquet(truth / "shares.parquet")

    con = duckdb.connect()
    try:
        mapped = map_truth(con, truth, KEY)
    finally:
        con.close()
    x_user, mastodon_user, did, other_did, uri = pseudonymize_with_dbt(
        tmp_path, ["1234567890123456789", "109962067968061184", DID, OTHER_DID, URI]
    )
    # the macro is the documented keyed hash, and so is the Python reading of it
    assert [x_user, did, uri] == [pseudonym("1234567890123456789"), pseudonym(DID), pseudonym(URI)]
    assert mapped["accounts"]["account_key"].to_list() == [
        f"x:{x_user}",
        f"mastodon:{mastodon_user}",
        f"bluesky:{did}",
    ]
    # X and Mastodon post ids are not personal and stay as they are; Bluesky uris name people
    assert mapped["shares"]["share_id"].to_list() == [
        "x:2105539566284904960",
        "mastodon:117362744455032320",
        f"bluesky:{uri}",
        f"bluesky:repost:{other_did}:{uri}",
    ]
    assert mapped["shares"]["is_person"].to_list() == [True, False, True, False]


def test_evaluate_reads_hand_built_marts_in_the_warehouse_schema(tmp_path):
    """The whole evaluation on a tiny warehouse: two people (x, bluesky) and one bot."""
    truth = tmp_path / "truth"
    truth.mkdir()
    accounts = {"x": "111", "bluesky": DID, "mastodon": "222"}
    pl.DataFrame(
        {
            "platform": list(accounts),
            "account_id": list(accounts.values()),
            "is_bot": [False, False, True],
            "bot_farm": [None, None, "mastodon-farm-03"],
            "is_business": [False, False, False],
        }
    ).write_parquet(truth / "accounts.parquet")
    pl.DataFrame(
        {
            "platform": ["x", "bluesky", "mastodon", "mastodon"],
            "post_id": ["900", URI, "901", "902"],
            "account_id": ["111", DID, "222", "222"],
            "share_type": ["original", "original", "reshare", "reshare"],
            "is_bot": [False, False, True, True],
            "bot_farm": [None, None, "mastodon-farm-03", "mastodon-farm-03"],
            "content_type": ["article"] * 4,
        }
    ).write_parquet(truth / "shares.parquet")
    key = {p: f"{p}:{pseudonym(a)}" for p, a in accounts.items()}
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_accounts as select * from (values "
            f"('{key['x']}', 'x', 0.9, 'trusted'), ('{key['bluesky']}', 'bluesky', 0.8, "
            f"'trusted'), ('{key['mastodon']}', 'mastodon', 0.1, 'likely_bot')) "
            "as t(account_key, platform, trust_score, trust_tier)"
        )
        con.execute(
            "create table marts.fct_shares as select * from (values "
            f"('x:900', '{key['x']}', 'x', 'c1', 0.9), "
            f"('bluesky:{pseudonym(URI)}', '{key['bluesky']}', 'bluesky', 'c1', 0.9), "
            f"('mastodon:901', '{key['mastodon']}', 'mastodon', 'c1', 0.1), "
            f"('mastodon:902', '{key['mastodon']}', 'mastodon', null, 0.1)) "
            "as t(share_id, account_key, platform, content_id, trust_weight)"
        )
        con.execute(
            "create table marts.dim_content as select 'c1' as content_id, "
            "false as is_advertisement, 'article' as content_type"
        )
    finally:
        con.close()
    settings = Settings(home=tmp_path, partitions_start=FIRST_DAY, pseudonym_key=KEY)
    assert evaluate_command(settings=settings, warehouse=True) == 0
    report = json.loads((tmp_path / "quality" / "evaluation.json").read_text())
    assert report["coverage"]["matched_shares"] == report["coverage"]["truth_shares"] == 4
    assert report["coverage"]["matched_accounts"] == 3
    assert report["targets"]["trust_score_auc"] == 1.0
    (summary,) = [r for r in report["content_summary"] if r["content_class"] == "substantive"]
    assert summary["trust_weighted_shares"] == pytest.approx(1.9)
    assert summary["people_shares"] == 2
    assert summary["total_relative_error"] == pytest.approx(-0.05)


# ---------------------------------------------------------------- the command


def sharesignal(home: Path, *args: str, key: str = KEY) -> subprocess.CompletedProcess:
    command = Path(sys.executable).parent / "sharesignal"
    env = {**os.environ, "SHARESIGNAL_HOME": str(home), "SHARESIGNAL_PSEUDONYM_KEY": key}
    return subprocess.run(
        [str(command), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def published_home(tmp_path_factory) -> Path:
    """A small hard world through the whole pipeline, pseudonymized with KEY."""
    home = tmp_path_factory.mktemp("home")
    dates = ("--start", FIRST_DAY.isoformat())
    generated = sharesignal(
        home,
        "generate",
        *dates,
        "--days",
        "2",
        "--quiet",
        "--accounts",
        "300",
        "--shares",
        "1500",
        "--bots-imitate-people",
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    run = sharesignal(home, "backfill", *dates, "--end", LAST_DAY.isoformat())
    assert run.returncode == 0, run.stdout + run.stderr
    return home


def test_evaluate_finds_every_truth_share_and_writes_the_report(published_home):
    run = sharesignal(published_home, "evaluate")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ROC AUC" in run.stdout and "substantive" in run.stdout
    report = json.loads((published_home / "quality" / "evaluation.json").read_text())
    assert (published_home / "quality" / "evaluation.md").read_text().startswith("# sharesignal")
    coverage = report["coverage"]
    assert coverage["truth_shares"] > 1000
    assert coverage["matched_shares"] == coverage["mart_shares"] == coverage["truth_shares"]
    assert coverage["matched_accounts"] == coverage["mart_accounts"] > 200
    platforms = {row["platform"] for row in report["account_auc"]}
    assert {"all", "x", "mastodon", "bluesky"} <= platforms
    auc = report["targets"]["trust_score_auc"]
    assert 0.0 <= auc <= 1.0


def test_evaluate_with_another_key_matches_nothing(published_home, tmp_path):
    run = sharesignal(
        published_home, "evaluate", "--output", str(tmp_path / "e.json"), key="another-key"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    coverage = json.loads((tmp_path / "e.json").read_text())["coverage"]
    assert coverage["matched_accounts"] == 0
    # X and Mastodon post ids are not hashed, so only Bluesky shares go unmatched
    assert 0 < coverage["matched_shares"] < coverage["truth_shares"]


def test_missing_marts_or_truth_exit_non_zero_with_a_message(tmp_path, capsys):
    settings = Settings(home=tmp_path, partitions_start=FIRST_DAY, pseudonym_key=KEY)
    assert evaluate_command(settings=settings) == 2
    error = capsys.readouterr().err
    assert "marts.duckdb" in error and "truth" in error and "sharesignal generate" in error
    assert not (tmp_path / "quality").exists()
