"""`sharesignal evaluate`: the AUC and error arithmetic on hand-made frames, the mapping of the
truth's ids to the marts' pseudonyms against the real dbt macro, and the command end to end."""

import hashlib
import itertools
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from conftest import KEY
from helpers import copy_home, run_sharesignal

from sharesignal.config import DBT_PROJECT_DIR, Settings
from sharesignal.evaluate import (
    ATTRIBUTION_MODELS,
    attribution,
    auc_table,
    content_items,
    content_summary,
    evaluate_command,
    link_misses,
    link_scores,
    map_truth,
    revenue_check,
    roc_auc,
    trail_links,
    won_revenue,
)

DID = "did:plc:abcdefghijklmnopqrstuvwx"
URI = f"at://{DID}/app.bsky.feed.post/3mwrsobl4roya"
OTHER_DID = "did:plc:zyxwvutsrqponmlkjihgfedc"
FIRST_DAY = date(2026, 10, 5)


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


def build_tiny_warehouse(tmp_path: Path) -> dict[str, str]:
    """Truth and a warehouse's marts for two people (x, bluesky) and one bot (mastodon);
    returns the account keys per platform."""
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
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
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
    return key


def test_evaluate_reads_hand_built_marts_in_the_warehouse_schema(tmp_path):
    """The whole evaluation on a tiny warehouse: two people (x, bluesky) and one bot."""
    build_tiny_warehouse(tmp_path)
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
    # no truth/conversions.parquet: the attribution is reported as not evaluated
    assert report["attribution"]["available"] is False
    assert report["targets"]["links_met"] is False
    assert "Not evaluated" in (tmp_path / "quality" / "evaluation.md").read_text()


# ---------------------------------------------------------------- attribution

T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)


def chain(
    opportunity: str | None,
    share: str | None,
    channel: str = "social",
    session_days_before: float | None = 2.0,
    amount: float = 1000.0,
    is_won: bool | None = True,
    **extra,
) -> dict:
    """One truth visit chain with mapped ids; the opportunity is created at T0."""
    session = None if session_days_before is None else T0 - timedelta(days=session_days_before)
    return {
        "channel": channel,
        "opportunity_id": opportunity,
        "share_id": share,
        "session_started_at": session,
        "lead_id": None if opportunity is None else f"00Q{opportunity}",
        "opportunity_created_at": T0,
        "amount": amount,
        "is_won": is_won,
        **extra,
    }


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None)


def test_the_trail_is_a_social_chain_with_session_lead_and_opportunity_in_the_window():
    chains = frame(
        [
            chain("o1", "x:1"),  # a click on a share's link, a session, a lead, an opportunity
            chain("o1", "x:1"),  # a second chain of the same link counts once
            chain("o2", None, channel="email"),  # newsletter: no share
            chain("o3", None, channel="offline", session_days_before=None),
            chain("o4", "x:4", session_days_before=None),  # no session: no trail
            chain("o5", "bluesky:h5", session_days_before=31),  # outside the 30-day window
            chain("o6", "bluesky:h6", session_days_before=30),  # just inside
            chain("o7", "x:7", session_days_before=-0.5),  # session after the opportunity
            chain(None, "x:8"),  # a click that led nowhere
        ]
    )
    links = trail_links(chains, lookback_days=30)
    assert links.select("opportunity_id", "share_id", "platform").rows() == [
        ("o1", "x:1", "x"),
        ("o6", "bluesky:h6", "bluesky"),
    ]
    assert trail_links(chains, lookback_days=40)["opportunity_id"].to_list() == ["o1", "o5", "o6"]


TRUTH_LINKS = frame(
    [
        chain("o1", "x:1", short_link=True, lead_on_return=False, audience_share_id="x:1"),
        chain("o2", "x:2", short_link=False, lead_on_return=True, audience_share_id="x:22"),
        chain("o3", "bluesky:h3", short_link=False, lead_on_return=False, audience_share_id="-"),
        chain("o4", "mastodon:4", short_link=True, lead_on_return=True, audience_share_id="-"),
    ]
)
PREDICTED = pl.DataFrame(
    {
        "opportunity_id": ["o1", "o1", "o2", "o3", "o5", "o2"],
        "share_id": ["x:1", "x:1", "x:9", "bluesky:h3", "x:7", "x:22"],
        "match_rule": ["link_hash", "utm_content", "utm_campaign", "utm_content", "ga_client", "x"],
        "touch_kind": ["click", "session", "session", "session", "session", "session"],
    }
)


def test_precision_and_recall_count_distinct_links_overall_and_per_platform():
    scores = {row["platform"]: row for row in link_scores(PREDICTED, TRUTH_LINKS).to_dicts()}
    overall = scores["all"]
    # predicted: (o1, x:1) twice = one link, (o2, x:9), (o2, x:22), (o3, h3), (o5, x:7)
    assert (overall["truth_links"], overall["predicted_links"], overall["correct"]) == (4, 5, 2)
    assert (overall["false_pos"], overall["missed"]) == (3, 2)
    assert overall["precision"] == pytest.approx(2 / 5)
    assert overall["recall"] == pytest.approx(2 / 4)
    x = scores["x"]  # truth x:1, x:2; predicted x:1, x:9, x:22, x:7
    assert (x["precision"], x["recall"]) == (pytest.approx(1 / 4), pytest.approx(1 / 2))
    assert (scores["bluesky"]["precision"], scores["bluesky"]["recall"]) == (1.0, 1.0)
    # nothing predicted on mastodon: no precision, recall 0
    assert scores["mastodon"]["precision"] is None and scores["mastodon"]["recall"] == 0.0


def test_perfect_links_and_no_links():
    perfect = link_scores(TRUTH_LINKS.select("opportunity_id", "share_id"), TRUTH_LINKS)
    assert perfect.filter(pl.col("platform") == "all").select("precision", "recall").row(0) == (
        1.0,
        1.0,
    )
    empty = pl.DataFrame(schema={"opportunity_id": pl.String, "share_id": pl.String})
    none = link_scores(empty, TRUTH_LINKS).filter(pl.col("platform") == "all").row(0, named=True)
    assert none["precision"] is None and none["recall"] == 0.0


def test_misses_name_the_reason_the_platform_and_the_rule():
    chains = frame(
        [
            *TRUTH_LINKS.drop("short_link", "lead_on_return", "audience_share_id").to_dicts(),
            chain("o5", None, channel="organic_search"),
        ]
    )
    misses = {
        (r["kind"], r["reason"], r["platform"], r["detail"]): r["links"]
        for r in link_misses(PREDICTED, TRUTH_LINKS, chains).to_dicts()
    }
    assert misses == {
        ("missed", "linked to other shares only", "x", "tagged link, lead on a return visit"): 1,
        ("missed", "opportunity not linked", "mastodon", "short link, lead on a return visit"): 1,
        ("false_pos", "other share than the truth's", "x", "utm_campaign / session"): 1,
        ("false_pos", "the resharer, not the link's poster", "x", "x / session"): 1,
        (
            "false_pos",
            "opportunity without a share trail (channel organic_search)",
            "x",
            "ga_client / session",
        ): 1,
    }
    # without rules or link details the misses are still counted
    bare = link_misses(
        PREDICTED.select("opportunity_id", "share_id"),
        TRUTH_LINKS.select("opportunity_id", "share_id"),
        chains.filter(pl.col("opportunity_id") != "o5"),
    )
    assert bare["links"].sum() == 5
    assert "opportunity not in the truth" in bare["reason"].to_list()
    assert "? / ?" in bare["detail"].to_list()
    # the rule that tied the lead to its sessions joins the detail when the table has it
    with_lead = link_misses(
        PREDICTED.with_columns(lead_match_rule=pl.lit("ga_client_id")), TRUTH_LINKS, chains
    )
    assert "utm_campaign / session / ga_client_id" in with_lead["detail"].to_list()


def attributed(rows: list[tuple], revenue_decimals: int | None = None) -> pl.DataFrame:
    """fct_attributed_opportunities rows (opportunity, share, amount, is_won, linear credit);
    every model gets the linear credit, revenue = credit x won amount (rounded if asked)."""
    out = pl.DataFrame(
        rows, schema=["opportunity_id", "share_id", "amount", "is_won", "credit"], orient="row"
    )
    won = pl.when("is_won").then("amount").otherwise(0.0)
    revenue = pl.col("credit") * won
    if revenue_decimals is not None:
        revenue = revenue.round(revenue_decimals)
    return out.with_columns(
        *(pl.col("credit").alias(f"credit_{m}") for m in ATTRIBUTION_MODELS),
        *(revenue.alias(f"revenue_{m}") for m in ATTRIBUTION_MODELS),
    ).drop("credit")


# o1 won 1,000.10 with three touches; o2 lost with two; o3 won 250.25 with one
ATTRIBUTED_ROWS = [
    ("o1", "x:1", 1000.10, True, 1 / 3),
    ("o1", "x:2", 1000.10, True, 1 / 3),
    ("o1", "bluesky:h", 1000.10, True, 1 / 3),
    ("o2", "x:1", 500.00, False, 0.5),
    ("o2", "x:3", 500.00, False, 0.5),
    ("o3", "mastodon:4", 250.25, True, 1.0),
]


def test_revenue_per_model_sums_to_the_won_revenue_to_the_cent():
    table = revenue_check(attributed(ATTRIBUTED_ROWS), truth_won_revenue=1250.35)
    assert table["model"].to_list() == list(ATTRIBUTION_MODELS)
    for row in table.to_dicts():
        assert row["attributed_revenue"] == pytest.approx(1250.35)
        assert row["mart_won_revenue"] == pytest.approx(1250.35)  # o1 once, not three times
        assert abs(row["difference_to_truth"]) < 0.005 and row["credits_not_summing_to_1"] == 0
        assert row["met"] is True
    # the truth has a won opportunity the mart does not attribute: off by its amount
    short = revenue_check(attributed(ATTRIBUTED_ROWS), truth_won_revenue=1250.35 + 99.0)
    assert short["difference_to_truth"].to_list() == pytest.approx([-99.0] * 6)
    assert not short["met"].any()


def test_revenue_rounded_per_row_or_credits_not_summing_to_one_fail():
    # 1,000.10 / 3 = 333.3667 -> 333.37 per row: three rows make 1,000.11, a cent too much
    rounded = revenue_check(attributed(ATTRIBUTED_ROWS, revenue_decimals=2), 1250.35)
    assert rounded["difference_to_mart"].to_list() == pytest.approx([0.01] * 6)
    assert not rounded["met"].any()
    broken = [*ATTRIBUTED_ROWS[:2], *ATTRIBUTED_ROWS[3:]]  # o1 loses a touch: credits 2/3
    table = revenue_check(attributed(broken), 1250.35)
    assert table["credits_not_summing_to_1"].to_list() == [1] * 6
    assert not table["met"].any()


def test_revenue_from_credits_when_the_revenue_columns_are_missing():
    credits_only = attributed(ATTRIBUTED_ROWS).select(pl.exclude("^revenue_.*$"))
    table = revenue_check(credits_only, 1250.35)
    assert table["attributed_revenue"].to_list() == pytest.approx([1250.35] * 6)
    assert table["met"].all()


def test_a_world_without_opportunities_gives_empty_scores_not_an_error():
    """A short world may have no opportunity: the query's frames come out untyped."""
    names = ["channel", "opportunity_id", "share_id", "session_started_at", "lead_id"]
    chains = pl.DataFrame([], schema=names, orient="row")
    chains = chains.with_columns(
        opportunity_created_at=pl.lit(None), amount=pl.lit(None), is_won=pl.lit(None)
    )
    predicted = pl.DataFrame([], schema=["opportunity_id", "share_id"], orient="row")
    evidence = attribution({"int_opportunity_touches": predicted}, chains, lookback=30)
    assert evidence["facts"]["truth_trail_links"] == 0
    overall = evidence["links"].filter(pl.col("platform") == "all").row(0, named=True)
    assert overall["precision"] is None and overall["recall"] is None
    assert evidence["misses"].is_empty()


def test_won_revenue_counts_each_opportunity_once():
    links = frame([chain("o1", "x:1"), chain("o1", "x:2"), chain("o2", "x:3", is_won=None)])
    assert won_revenue(links) == 1000.0


def test_attribution_end_to_end_on_a_hand_built_warehouse(tmp_path):
    """Truth chains with raw ids against fct_attributed_opportunities and
    int_opportunity_touches with the marts' ids (a Bluesky uri pseudonymized)."""
    build_tiny_warehouse(tmp_path)
    t0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
    session = t0 - timedelta(days=3)
    pl.DataFrame(
        {
            "channel": ["social", "social", "email", "bot"],
            "platform": ["x", "bluesky", None, "x"],
            "share_post_id": ["900", URI, None, "900"],
            "original_post_id": ["900", URI, None, "900"],
            "link_hash": ["abc1234", None, None, "abc1234"],
            "click_logged": [True, False, False, True],
            "clicked_at": [session] * 4,
            "session_started_at": [session, session, session, None],
            "lead_id": ["00Q1", "00Q2", "00Q3", None],
            "lead_created_at": [session + timedelta(minutes=5)] * 3 + [None],
            "opportunity_id": ["006A", "006B", "006C", None],
            "opportunity_created_at": [t0] * 3 + [None],
            "amount": [1000.10, 250.25, 700.0, None],
            "is_won": [True, False, True, None],
        }
    ).write_parquet(tmp_path / "truth" / "conversions.parquet")
    bluesky = f"bluesky:{pseudonym(URI)}"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_opportunity_touches as select * from (values "
            "('006A', 'x:900', 'link_hash', 'click'), ('006A', 'x:900', 'utm', 'session'), "
            f"('006B', '{bluesky}', 'utm', 'session')) "
            "as t(opportunity_id, share_id, match_rule, touch_kind)"
        )
        con.execute(
            "create table marts.fct_attributed_opportunities as select * from (values "
            "('006A', 'x:900', 1000.10::decimal(18, 2), true, 1.0, 1000.10::double), "
            f"('006B', '{bluesky}', 250.25::decimal(18, 2), false, 1.0, 0.0::double), "
            "('006C', 'x:900', 700.00::decimal(18, 2), true, 1.0, 700.0::double)) "
            "as t(opportunity_id, share_id, amount, is_won, credit_linear, revenue_linear)"
        )
    finally:
        con.close()
    settings = Settings(home=tmp_path, partitions_start=FIRST_DAY, pseudonym_key=KEY)
    assert evaluate_command(settings=settings, warehouse=True) == 0
    report = json.loads((tmp_path / "quality" / "evaluation.json").read_text())
    facts = report["attribution"]
    assert facts["sources"] == ["fct_attributed_opportunities", "int_opportunity_touches"]
    assert (facts["truth_trail_links"], facts["truth_trail_won_revenue"]) == (2, 1000.10)
    scores = {(r["source"], r["platform"]): r for r in report["attribution_links"]}
    touches = scores[("int_opportunity_touches", "all")]
    assert (touches["precision"], touches["recall"]) == (1.0, 1.0)
    fct = scores[("fct_attributed_opportunities", "all")]  # 006C is a newsletter lead
    assert (fct["precision"], fct["recall"]) == (pytest.approx(2 / 3), 1.0)
    (wrong,) = report["attribution_link_misses"]
    assert wrong["reason"] == "opportunity without a share trail (channel email)"
    targets = report["targets"]
    assert targets["links_source"] == "fct_attributed_opportunities"
    assert targets["links_met"] is False
    (linear,) = report["attribution_revenue"]
    assert linear["attributed_revenue"] == pytest.approx(1700.10)
    assert linear["mart_won_revenue"] == pytest.approx(1700.10)
    assert linear["difference_to_truth"] == pytest.approx(700.0)
    assert targets["revenue_mart_met"] is True and targets["revenue_met"] is False


# ---------------------------------------------------------------- the command


@pytest.fixture
def evaluated_home(keyed_home, tmp_path) -> Path:
    """A copy of the keyed world (conftest), for `sharesignal evaluate` to write its report in."""
    return copy_home(keyed_home, tmp_path / "home")


def test_evaluate_finds_every_truth_share_and_writes_the_report(evaluated_home):
    run = run_sharesignal(evaluated_home, "evaluate", key=KEY)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ROC AUC" in run.stdout and "substantive" in run.stdout
    report = json.loads((evaluated_home / "quality" / "evaluation.json").read_text())
    assert (evaluated_home / "quality" / "evaluation.md").read_text().startswith("# sharesignal")
    coverage = report["coverage"]
    assert coverage["truth_shares"] > 1000
    assert coverage["matched_shares"] == coverage["mart_shares"] == coverage["truth_shares"]
    assert coverage["matched_accounts"] == coverage["mart_accounts"] > 200
    platforms = {row["platform"] for row in report["account_auc"]}
    assert {"all", "x", "mastodon", "bluesky"} <= platforms
    auc = report["targets"]["trust_score_auc"]
    assert 0.0 <= auc <= 1.0


def test_evaluate_with_another_key_matches_nothing(keyed_home, tmp_path):
    run = run_sharesignal(
        keyed_home, "evaluate", "--output", str(tmp_path / "e.json"), key="another-key"
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
