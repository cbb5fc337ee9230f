"""`sharesignal evaluate-accounts` on two tiny labeled datasets, each through the whole
pipeline once (a shared world): the report against measures computed by hand, and the
Python scorecard against the SQL that scored the accounts: profiles with counts, accounts
without counts whose posts give behaviour, co-posted texts, and a self-declared bot."""

import json
from itertools import product
from pathlib import Path

import polars as pl
import pytest
from helpers import run_sharesignal, shared_world
from labeled_files import cresci_bot, cresci_person, write_bot_or_not, write_cresci

from sharesignal.trust.scorecard import apply, read_seeds
from sharesignal.trust.signals import SIGNALS

# One worker builds the labeled world and runs every test of it, instead of the other waiting.
pytestmark = pytest.mark.xdist_group("evaluate_accounts")


def bot_or_not_set(folder: Path) -> Path:
    """Six people posting their own words hours apart, six bots posting one text within a
    minute (co-posting), one of them calling itself a bot; no counts at all."""
    users, posts = [], []
    for i in range(12):
        bot = i >= 6
        users.append(
            {
                "id": f"u{i}",
                "username": f"user{i}",
                "name": "Promo Bot" if i == 11 else f"Name {i}",
                "description": "" if bot else "Runner",
                "location": None,
            }
        )
        for n in range(3):
            minute = f"{10 + n:02d}:00:{i:02d}" if bot else f"{8 + 4 * n:02d}:{5 * i:02d}:00"
            posts.append(
                {
                    "id": f"p{i}-{n}",
                    "author_id": f"u{i}",
                    "lang": "en",
                    "created_at": f"2024-03-16T{minute}.000Z",
                    "text": "Win a prize now" if bot else f"my own words {i} {n}",
                }
            )
    return write_bot_or_not(folder, 30, users, posts, [f"u{i}" for i in range(6, 12)])


@pytest.fixture(scope="session")
def evaluated(tmp_path_factory) -> Path:
    """The report `sharesignal evaluate-accounts` writes for the two datasets (its output
    folder), built once for every xdist worker."""

    def build(root: Path) -> None:
        epoch_bots = [
            {**cresci_bot(30 + i), "id": str(7000 + i), "created_at": "1430467200000L"}
            for i in range(3)
        ]
        # a bot that looks like a person
        disguised = {**cresci_person(50), "id": "9999"}
        folder = write_cresci(
            root / "cresci2017",
            [cresci_person(i) for i in range(20)],
            [cresci_bot(i) for i in range(20)] + [disguised],
            epoch_bots,
        )
        # and a person who looks like a bot: AUC below 1
        (folder / "genuine_users.csv").open("a").write(
            ",".join(f'"{v}"' for v in {**cresci_bot(99), "id": "1999"}.values()) + "\n"
        )
        posts = bot_or_not_set(root / "bot_or_not")
        run = run_sharesignal(
            root / "home",
            "evaluate-accounts",
            str(folder),
            str(posts),
            "--output",
            str(root / "out"),
            "--work",
            str(root / "work"),
        )
        assert run.returncode == 0, run.stdout + run.stderr

    return shared_world(tmp_path_factory, "labeled_accounts", build) / "out"


def reports(out: Path) -> dict[str, dict]:
    return {r["dataset"]: r for r in json.loads((out / "accounts-evaluation.json").read_text())}


def hand_auc(scores: list[float], person: list[bool]) -> float:
    """The share of (person, bot) pairs where the person scores higher, ties half."""
    people = [s for s, p in zip(scores, person, strict=True) if p]
    bots = [s for s, p in zip(scores, person, strict=True) if not p]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in product(people, bots))
    return wins / (len(people) * len(bots))


def test_the_report_gives_the_auc_computed_by_hand(evaluated: Path) -> None:
    report = reports(evaluated)["cresci2017"]
    accounts = pl.read_parquet(evaluated / "cresci2017.parquet")
    assert report["coverage"] == {
        "labeled": 45,
        "scored": 45,
        "coverage": 1.0,
        "bots": 24,
        "people": 21,
    }
    by_hand = hand_auc(accounts["trust_score"].to_list(), (~accounts["is_bot"]).to_list())
    assert 0.5 < by_hand < 1.0
    assert report["summary"]["roc_auc"] == pytest.approx(by_hand, abs=1e-12)
    likes = next(s for s in report["signals"] if s["signal"] == "like_count")
    assert likes["value_auc"] == pytest.approx(
        hand_auc(accounts["like_count"].to_list(), (~accounts["is_bot"]).to_list())
    )
    markdown = (evaluated / "accounts-evaluation.md").read_text()
    assert "## cresci2017" in markdown and f"{by_hand:.3f}" in markdown


def test_tiers_cuts_and_calibration_account_for_every_scored_account(evaluated: Path) -> None:
    report = reports(evaluated)["cresci2017"]
    tiers = pl.DataFrame(report["tiers"])
    assert tiers["trust_tier"].to_list() == ["likely_bot", "suspect", "neutral", "trusted"]
    assert (tiers["people"].sum(), tiers["bots"].sum()) == (21, 24)
    accounts = pl.read_parquet(evaluated / "cresci2017.parquet")
    flagged = accounts.filter(pl.col("trust_tier").is_in(["likely_bot", "suspect"]))
    cut = next(c for c in report["cuts"] if c["flagged"] == "likely_bot + suspect")
    assert cut["bot_recall"] == pytest.approx(flagged["is_bot"].sum() / 24)
    assert cut["people_flagged"] == pytest.approx((~flagged["is_bot"]).sum() / 21)
    assert sum(row["accounts"] for row in report["calibration"]) == 45


@pytest.mark.parametrize("dataset", ["cresci2017", "bot_or_not"])
def test_the_python_scorecard_scores_every_account_as_the_sql_did(
    evaluated: Path, dataset: str
) -> None:
    accounts = pl.read_parquet(evaluated / f"{dataset}.parquet")
    again = apply(read_seeds(), accounts)
    columns = [s.points_column for s in SIGNALS] + [
        "profile_points",
        "behaviour_points",
        "profile_score",
        "behaviour_score",
        "trust_score",
    ]
    for column in columns:
        expected = accounts[column].to_list()
        assert again[column].to_list() == pytest.approx(expected, abs=1e-12, nan_ok=True), column
    assert again["trust_tier"].to_list() == accounts["trust_tier"].to_list()
    assert again["score_basis"].to_list() == accounts["score_basis"].to_list()
    # the scorecard did not score everyone alike
    assert accounts["trust_score"].n_unique() > 2


def test_the_posts_gave_behaviour_and_the_self_declared_bot_its_cap(evaluated: Path) -> None:
    accounts = pl.read_parquet(evaluated / "bot_or_not.parquet").sort("labeled_account_id")
    assert (accounts["score_basis"] == "profile_and_behaviour").all()
    assert not accounts["has_profile_counts"].any()
    bots = accounts.filter(pl.col("is_bot"))
    assert (bots["duplicate_text_ratio"] == 1.0).all()
    assert (accounts.filter(~pl.col("is_bot"))["duplicate_text_ratio"] == 0.0).all()
    declared = accounts.filter(pl.col("labeled_account_id") == "u11").row(0, named=True)
    assert declared["is_self_declared_bot"] and declared["trust_score"] == 0.02
    assert declared["trust_tier"] == "likely_bot"
