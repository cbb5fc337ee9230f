"""The measures of evaluate-accounts on frames small enough to compute by hand."""

import math

import polars as pl
import pytest

from sharesignal.labeled import measures
from sharesignal.trust.scorecard import prior_log_odds

# Five accounts, least trusted first: bot, bot, person, bot, person (and a lost one).
FRAME = pl.DataFrame(
    {
        "is_bot": [True, True, False, True, False, True],
        "trust_score": [0.1, 0.2, 0.3, 0.4, 0.9, None],
        "trust_tier": ["likely_bot", "suspect", "suspect", "neutral", "trusted", None],
    }
)


def test_coverage_counts_the_accounts_the_pipeline_lost() -> None:
    assert measures.coverage(FRAME) == {
        "labeled": 6,
        "scored": 5,
        "coverage": 5 / 6,
        "bots": 3,
        "people": 2,
    }


def test_pr_auc_is_the_average_precision_of_finding_bots_from_the_least_trusted() -> None:
    # bots caught at ranks 1, 2 and 4: precision 1, 1 and 3/4, each a third of the recall
    assert measures.pr_auc(FRAME) == pytest.approx((1 + 1 + 3 / 4) / 3)
    # accounts of one score enter together: two of them, one bot
    tied = pl.DataFrame({"is_bot": [True, False, False], "trust_score": [0.5, 0.5, 0.9]})
    assert measures.pr_auc(tied) == pytest.approx(0.5)


def test_tiers_and_cuts_count_people_and_bots() -> None:
    tiers = measures.tier_table(FRAME)
    assert tiers.select("trust_tier", "people", "bots").rows() == [
        ("likely_bot", 0, 1),
        ("suspect", 1, 1),
        ("neutral", 0, 1),
        ("trusted", 1, 0),
    ]
    cuts = measures.cut_table(FRAME).rows(named=True)
    assert cuts[1] == {
        "flagged": "likely_bot + suspect",
        "bot_recall": pytest.approx(2 / 3),
        "people_flagged": 0.5,
        "precision": pytest.approx(2 / 3),
    }


def test_calibration_error_weighs_each_deciles_gap_by_its_accounts() -> None:
    # ten accounts, one per decile: each decile's gap is |score - (1 if person else 0)|
    scores = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]
    people = [False, False, True, False, True, False, True, True, True, True]
    frame = pl.DataFrame({"is_bot": [not p for p in people], "trust_score": scores})
    gaps = [abs(s - p) for s, p in zip(scores, people, strict=True)]
    assert measures.calibration(frame)["accounts"].to_list() == [1] * 10
    assert measures.calibration_error(frame) == pytest.approx(sum(gaps) / 10)


def test_at_base_rate_swaps_the_prior_for_the_sets_own_share_of_people() -> None:
    published = 0.88
    shifted = measures.at_base_rate(
        pl.DataFrame({"is_bot": [True, True, True, False], "trust_score": [published] * 4})
    )["trust_score"][0]
    # log-odds: the published score's, less the prior's, plus the set's (one person in four)
    expected = math.log(published / (1 - published)) - prior_log_odds() + math.log(1 / 3)
    assert shifted == pytest.approx(1 / (1 + math.exp(-expected)))
