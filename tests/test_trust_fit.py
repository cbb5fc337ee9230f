"""Fitting the trust scorecard on small hand-made labeled sets (no pipeline run)."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sharesignal.evaluate import roc_auc
from sharesignal.trust.fit import PEOPLE_FLAGGED_AT_MOST, fit, fitted_signals, indicators, weights
from sharesignal.trust.leave_one_out import for_fitting, leave_one_out
from sharesignal.trust.scorecard import Scorecard, apply, read_seeds, write_seeds
from sharesignal.trust.signals import SIGNALS

# Its tests share a module-scoped fixture: xdist runs them on one worker, which builds it once.
pytestmark = pytest.mark.xdist_group("trust_fit")


def accounts(dataset: str, n: int, seed: int, likes_known: bool = True) -> pl.DataFrame:
    """n people and n bots: people old, liking, following few a day; bots young, liking
    nothing, following hundreds a day; both with noise, so the classes overlap a little."""
    rng = np.random.default_rng(seed)
    is_bot = np.repeat([False, True], n)
    noisy = rng.random(2 * n) < 0.1  # a tenth of each class looks like the other
    looks_bot = is_bot ^ noisy
    frame = pl.DataFrame(
        {
            "dataset": dataset,
            "labeled_account_id": [f"{i:05d}" for i in range(2 * n)],
            "account_key": [f"x:{dataset}-{i}" for i in range(2 * n)],
            "is_bot": is_bot,
            "share_count": np.ones(2 * n, dtype=np.int64),
            "is_self_declared_bot": np.zeros(2 * n, dtype=bool),
            "account_age_days": np.where(
                looks_bot, rng.uniform(1, 60, 2 * n), rng.uniform(400, 4000, 2 * n)
            ),
            "like_count": np.where(
                looks_bot, rng.integers(0, 3, 2 * n), rng.integers(200, 20000, 2 * n)
            ),
            "following_per_day": np.where(
                looks_bot, rng.uniform(40, 200, 2 * n), rng.uniform(0, 1, 2 * n)
            ),
        }
    )
    if not likes_known:
        frame = frame.with_columns(like_count=pl.lit(None, pl.Int64))
    missing = [s.name for s in SIGNALS if s.name not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.Float64).alias(name) for name in missing)


@pytest.fixture(scope="module")
def training() -> pl.DataFrame:
    return pl.concat([accounts("one", 300, 1), accounts("two", 200, 2, likes_known=False)])


def points(scorecard: Scorecard, signal: str) -> list[float]:
    return scorecard.points_of(signal)["points"].to_list()


def test_fitting_gives_the_expected_signs(training: pl.DataFrame) -> None:
    scorecard = fit(training)
    age, likes, following = (
        points(scorecard, s) for s in ("account_age_days", "like_count", "following_per_day")
    )
    # older is more human, liking is more human, following fast is less: monotone, not flat
    assert age == sorted(age) and age[-1] > age[0]
    assert likes == sorted(likes) and likes[-1] > likes[0]
    assert following == sorted(following, reverse=True) and following[0] > following[-1]
    # signals the data never show get no points
    assert set(points(scorecard, "post_count")) == {0.0}
    scored = apply(scorecard, training, person_prior=0.5)
    person = scored.filter(~pl.col("is_bot"))["trust_score"].mean()
    bot = scored.filter(pl.col("is_bot"))["trust_score"].mean()
    assert person > 0.8 and bot < 0.2


def test_the_same_accounts_in_any_order_and_under_any_key_give_the_same_seed_twice(
    training, tmp_path: Path
) -> None:
    # another pipeline run: its own pseudonymization key, rows in another order
    rekeyed = training.with_columns(
        account_key=pl.concat_str(pl.lit("x:"), pl.col("account_key").hash(7).cast(pl.String))
    ).sample(fraction=1.0, shuffle=True, seed=3)
    for folder, frame in (("a", training), ("b", rekeyed)):
        write_seeds(fit(frame), {"note": "test"}, tmp_path / folder)
    for name in ("trust_scorecard.csv", "trust_tiers.csv", "_trust__seeds.yml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # what is written is what was fitted (points and cuts already rounded as stored)
    again, fitted = read_seeds(tmp_path / "a"), fit(training)
    assert again.bins.equals(fitted.bins) and again.tiers == fitted.tiers
    assert again.intercept == fitted.intercept


def test_an_unknown_signal_adds_no_points_and_its_design_column_is_zero(training) -> None:
    scorecard = fit(training)
    lacking = training.filter(pl.col("dataset") == "two")
    assert set(apply(scorecard, lacking)["likes_points"]) == {0.0}
    raw, known, columns = indicators(lacking, fitted_signals())
    likes = [i for i, (signal, _) in enumerate(columns) if signal.name == "like_count"]
    # centring happens only where the value is known: nothing to learn from its absence
    assert not known[:, likes].any() and not raw[:, likes].any()
    # told apart by the other signals alone (at even odds)
    scored = apply(scorecard, lacking, person_prior=0.5)
    assert scored.filter(pl.col("is_bot"))["trust_score"].mean() < 0.3


def test_each_dataset_and_class_weighs_the_same(training) -> None:
    w = weights(training)
    totals = (
        training.with_columns(w=pl.Series(w)).group_by("dataset", "is_bot").agg(pl.col("w").sum())
    )
    assert totals["w"].to_list() == pytest.approx([0.25] * 4)


def test_tier_cuts_flag_at_most_the_target_share_of_each_datasets_people(training) -> None:
    scorecard = fit(training)
    tiers = scorecard.tiers
    assert tiers["likely_bot"] <= tiers["suspect"] <= tiers["neutral"] <= tiers["trusted"]
    scored = apply(scorecard, training)
    flagged = scored.group_by("dataset").agg(
        (pl.col("trust_tier").is_in(["suspect", "likely_bot"]) & ~pl.col("is_bot")).sum()
        / (~pl.col("is_bot")).sum()
    )
    assert (flagged["trust_tier"] <= PEOPLE_FLAGGED_AT_MOST).all()


def test_a_self_declared_bot_is_capped_and_likely_bot_whatever_its_profile(training) -> None:
    scorecard = fit(training)
    person = training.filter(~pl.col("is_bot")).head(1)
    assert apply(scorecard, person)["trust_tier"].item() == "trusted"
    declared = apply(scorecard, person.with_columns(is_self_declared_bot=True), cap=0.02)
    assert declared["trust_score"].item() == 0.02
    assert declared["trust_tier"].item() == "likely_bot"


def test_constructed_signals_are_left_unknown_for_fitting() -> None:
    frame = accounts("h", 5, 4).with_columns(handle_digit_count=pl.lit(0), trust_score=pl.lit(0.5))
    assert for_fitting(frame, ("handle_digit_count",))["handle_digit_count"].null_count() == 10


def test_leave_one_out_scores_each_dataset_with_the_others_fit(training) -> None:
    three = {
        "one": training.filter(pl.col("dataset") == "one"),
        "two": training.filter(pl.col("dataset") == "two"),
        "three": accounts("three", 100, 5),
    }
    table = leave_one_out(three)
    assert table["left_out"].to_list() == ["one", "two", "three"]
    assert table["fitted_on"].to_list()[0] == "two, three"
    for name in three:
        others = fit(pl.concat([f for n, f in three.items() if n != name]))
        expected = roc_auc(apply(others, three[name])["trust_score"], ~three[name]["is_bot"])
        assert table.filter(pl.col("left_out") == name)["roc_auc"].item() == expected
    # the datasets share one pattern, so each left out is still told apart
    assert (table["roc_auc"] > 0.85).all()
