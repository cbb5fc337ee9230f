"""How well trust scores tell labeled bots from people: the measures of one dataset.

Every function takes the accounts of one dataset with `is_bot`, `trust_score` and
`trust_tier` (and, for `signal_aucs`, the signal and points columns) and returns a frame or
a number. trust_score is read as the probability that the account is a person: ROC AUC is
the chance that a random person scores above a random bot (ties half); PR AUC (average
precision) ranks accounts from least to most trusted and takes bots as the positives;
calibration compares, per decile of trust_score, the mean score with the share of people.

A probability depends on the base rate: trust_score assumes the dbt var
`trust_person_prior` of people, a labeled set has its own mix (cresci-2017 is two thirds
bots). `at_base_rate` swaps the one for the other in each score's log-odds, so calibration
measures the evidence the scorecard adds, not the prior; `calibration_error` is measured
there, `published_calibration_error` on trust_score as published.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from sharesignal.evaluate import roc_auc
from sharesignal.trust.scorecard import TIERS, prior_log_odds
from sharesignal.trust.signals import BEHAVIOUR, SIGNALS

# The targets of issue 15, on every left-out dataset.
TARGETS = {
    "roc_auc": 0.90,
    "likely_bot_precision": 0.90,
    "flagged_bot_recall": 0.70,
    "flagged_people": 0.05,
    "calibration_error": 0.05,
}
CALIBRATION_BINS = 10


def scored(frame: pl.DataFrame) -> pl.DataFrame:
    """The accounts the pipeline scored (a labeled account it lost has no score)."""
    return frame.filter(pl.col("trust_score").is_not_null())


def coverage(frame: pl.DataFrame) -> dict[str, Any]:
    found = scored(frame)
    return {
        "labeled": frame.height,
        "scored": found.height,
        "coverage": found.height / frame.height if frame.height else None,
        "bots": int(found["is_bot"].sum()),
        "people": int((~found["is_bot"]).sum()),
    }


def pr_auc(frame: pl.DataFrame) -> float | None:
    """Average precision of finding bots, accounts taken from the least trusted up; accounts
    with the same score enter together."""
    found = scored(frame)
    bots = int(found["is_bot"].sum())
    if bots == 0 or bots == found.height:
        return None
    steps = (
        found.group_by("trust_score")
        .agg(n=pl.len(), bots=pl.col("is_bot").sum())
        .sort("trust_score")
        .with_columns(flagged=pl.col("n").cum_sum(), caught=pl.col("bots").cum_sum())
    )
    return float(((steps["bots"] / bots) * (steps["caught"] / steps["flagged"])).sum())


def tier_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Per tier: its people and bots, the share of all people and of all bots it holds, and
    the share of bots in it."""
    found = scored(frame)
    people, bots = max((~found["is_bot"]).sum(), 1), max(found["is_bot"].sum(), 1)
    counts = found.group_by("trust_tier").agg(
        people=(~pl.col("is_bot")).sum(), bots=pl.col("is_bot").sum()
    )
    return (
        pl.DataFrame({"trust_tier": list(TIERS)})
        .join(counts, on="trust_tier", how="left")
        .fill_null(0)
        .with_columns(
            share_of_people=pl.col("people") / people,
            share_of_bots=pl.col("bots") / bots,
            bot_share=pl.when(pl.col("people") + pl.col("bots") > 0).then(
                pl.col("bots") / (pl.col("people") + pl.col("bots"))
            ),
        )
    )


def cut_table(frame: pl.DataFrame) -> pl.DataFrame:
    """At each tier cut, the accounts flagged (the tiers below it): the share of bots caught
    (recall), of people flagged, and of bots among the flagged (precision)."""
    tiers = tier_table(frame)
    rows = []
    for depth in range(1, len(TIERS)):
        flagged = tiers.head(depth)
        bots, people = flagged["bots"].sum(), flagged["people"].sum()
        rows.append(
            {
                "flagged": " + ".join(TIERS[:depth]),
                "bot_recall": flagged["share_of_bots"].sum(),
                "people_flagged": flagged["share_of_people"].sum(),
                "precision": bots / (bots + people) if bots + people else None,
            }
        )
    return pl.DataFrame(rows)


def at_base_rate(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with trust_score re-expressed for the set's own share of people as prior."""
    found = scored(frame)
    people = float((~found["is_bot"]).mean())
    shift = math.log(people / (1 - people)) - prior_log_odds() if 0 < people < 1 else 0.0
    p = pl.col("trust_score").clip(1e-12, 1 - 1e-12)
    return found.with_columns(trust_score=1 / (1 + (-((p / (1 - p)).log() + shift)).exp()))


def calibration(frame: pl.DataFrame, bins: int = CALIBRATION_BINS) -> pl.DataFrame:
    """Per decile of trust_score (accounts ranked, ties kept together): accounts, mean
    trust_score and the observed share of people."""
    found = scored(frame)
    ranked = found.with_columns(
        decile=(pl.col("trust_score").rank("min") - 1) * bins // max(found.height, 1) + 1
    )
    return (
        ranked.group_by("decile")
        .agg(
            accounts=pl.len(),
            mean_trust_score=pl.col("trust_score").mean(),
            person_share=(~pl.col("is_bot")).mean(),
        )
        .sort("decile")
    )


def calibration_error(frame: pl.DataFrame) -> float | None:
    """Expected calibration error: the deciles' |mean score - person share|, weighted by
    their accounts."""
    table = calibration(frame)
    total = table["accounts"].sum()
    if not total:
        return None
    gap = (table["mean_trust_score"] - table["person_share"]).abs()
    return float((gap * table["accounts"]).sum() / total)


def signal_aucs(frame: pl.DataFrame) -> pl.DataFrame:
    """Each signal on its own: the share of accounts where it is known (for behaviour: and
    the account is scored on it), the ROC AUC of its value (above 0.5: people have more of
    it) and of its points (above 0.5: the points point the right way), over those accounts."""
    found = scored(frame)
    person = ~found["is_bot"]
    rows = []
    for signal in SIGNALS:
        if signal.name not in found.columns:
            continue
        value = found[signal.name].cast(pl.Float64)
        known = value.is_not_null()
        if signal.part == BEHAVIOUR:
            # behaviour counts only for accounts scored on it
            known = known & (found["score_basis"] == "profile_and_behaviour")
        rows.append(
            {
                "signal": signal.name,
                "part": signal.part,
                "basis": signal.basis,
                "known": float(known.mean()) if found.height else None,
                "value_auc": roc_auc(value.filter(known), person.filter(known)),
                "points_auc": roc_auc(
                    found[signal.points_column].filter(known), person.filter(known)
                )
                if signal.points_column in found.columns
                else None,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"value_auc": pl.Float64, "points_auc": pl.Float64})


def summary(frame: pl.DataFrame) -> dict[str, Any]:
    """The headline measures and whether each meets its target."""
    found = scored(frame)
    cuts = cut_table(frame)
    flagged = cuts.filter(pl.col("flagged") == "likely_bot + suspect").row(0, named=True)
    likely_bot = cuts.filter(pl.col("flagged") == "likely_bot").row(0, named=True)
    measured = {
        "roc_auc": roc_auc(found["trust_score"], ~found["is_bot"]),
        "pr_auc": pr_auc(frame),
        "likely_bot_precision": likely_bot["precision"],
        "likely_bot_recall": likely_bot["bot_recall"],
        "flagged_bot_recall": flagged["bot_recall"],
        "flagged_people": flagged["people_flagged"],
        "calibration_error": calibration_error(at_base_rate(frame)),
        "published_calibration_error": calibration_error(frame),
    }
    met = {
        "roc_auc": _at_least(measured["roc_auc"], TARGETS["roc_auc"]),
        "likely_bot_precision": _at_least(
            measured["likely_bot_precision"], TARGETS["likely_bot_precision"]
        ),
        "flagged": _at_least(measured["flagged_bot_recall"], TARGETS["flagged_bot_recall"])
        and measured["flagged_people"] <= TARGETS["flagged_people"],
        "calibration_error": measured["calibration_error"] is not None
        and measured["calibration_error"] <= TARGETS["calibration_error"],
    }
    return {**measured, "met": met}


def _at_least(value: float | None, target: float) -> bool:
    return value is not None and value >= target
