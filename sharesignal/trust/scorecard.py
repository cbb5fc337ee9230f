"""The scorecard as dbt reads it: two seeds, and the same arithmetic as `int_accounts_scored`.

    seeds/trust/trust_scorecard.csv   signal, lower_bound, upper_bound, points, basis
                                      (one row per bin; the row `intercept` holds the intercept)
    seeds/trust/trust_tiers.csv       tier, min_trust_score
    seeds/trust/_trust__seeds.yml     their documentation and provenance (datasets, command, date)

`apply` computes points, scores and tiers in Polars the way the SQL does, so that fitting and
leave-one-out validation measure the model that runs (a test compares the two on a pipeline
run).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from sharesignal.config import DBT_PROJECT_DIR, dbt_var
from sharesignal.trust.signals import BEHAVIOUR, PROFILE, SIGNALS

SEED_DIR = DBT_PROJECT_DIR / "seeds" / "trust"
# From the lowest cut up: a score belongs to the highest tier whose cut it reaches.
TIERS = ("likely_bot", "suspect", "neutral", "trusted")
# A behaviour signal counts only for accounts seen sharing this often (score_basis).
MIN_BEHAVIOUR_SHARES = 2

BIN_SCHEMA = {
    "signal": pl.String,
    "lower_bound": pl.Float64,
    "upper_bound": pl.Float64,
    "points": pl.Float64,
    "basis": pl.String,
}


@dataclass(frozen=True)
class Scorecard:
    intercept: float
    # one row per bin: signal, lower_bound, upper_bound, points, basis (BIN_SCHEMA)
    bins: pl.DataFrame
    # tier -> the lowest trust_score it takes (likely_bot: 0)
    tiers: dict[str, float]

    def points_of(self, signal: str) -> pl.DataFrame:
        return self.bins.filter(pl.col("signal") == signal)


# ---------------------------------------------------------------- applying it


def signal_points(scorecard: Scorecard, name: str) -> pl.Expr:
    """The points the value of column `name` falls on; 0 when unknown (NULL)."""
    value = pl.col(name).cast(pl.Float64)
    expr: Any = pl.lit(0.0)
    # A signal's bins do not overlap (tests/test_trust_docs.py checks the seed's against
    # signals.py), so at most one matches, as in the SQL join.
    for row in reversed(scorecard.points_of(name).rows(named=True)):
        inside = value.is_not_null()
        if row["lower_bound"] is not None:
            inside = inside & (value >= row["lower_bound"])
        if row["upper_bound"] is not None:
            inside = inside & (value < row["upper_bound"])
        expr = pl.when(inside).then(pl.lit(row["points"])).otherwise(expr)
    return expr


def logistic(z: pl.Expr) -> pl.Expr:
    return 1.0 / (1.0 + (-z).exp())


def prior_log_odds(person_prior: float | None = None) -> float:
    """The log-odds of the dbt var `trust_person_prior` (or of `person_prior`)."""
    share = float(dbt_var("trust_person_prior")) if person_prior is None else person_prior
    return math.log(share / (1.0 - share))


def apply(
    scorecard: Scorecard,
    accounts: pl.DataFrame,
    cap: float | None = None,
    person_prior: float | None = None,
) -> pl.DataFrame:
    """`accounts` (the signal columns, `share_count`, `is_self_declared_bot`) with every
    points column, profile and behaviour points, the three scores and the tier, computed as
    `int_accounts_scored` computes them (with the dbt vars' cap and prior unless given)."""
    cap = float(dbt_var("self_declared_bot_cap")) if cap is None else cap
    scored_on_behaviour = pl.col("share_count").fill_null(0) >= MIN_BEHAVIOUR_SHARES
    points = []
    for signal in SIGNALS:
        expr = signal_points(scorecard, signal.name)
        if signal.part == BEHAVIOUR:
            expr = pl.when(scored_on_behaviour).then(expr).otherwise(0.0)
        points.append(expr.alias(signal.points_column))
    profile = pl.sum_horizontal(s.points_column for s in SIGNALS if s.part == PROFILE)
    behaviour = pl.sum_horizontal(s.points_column for s in SIGNALS if s.part == BEHAVIOUR)
    b = scorecard.intercept + prior_log_odds(person_prior)
    with_points = accounts.with_columns(points).with_columns(
        profile_points=profile, behaviour_points=behaviour
    )
    evidence = logistic(b + pl.col("profile_points") + pl.col("behaviour_points"))
    scored = with_points.with_columns(
        score_basis=pl.when(scored_on_behaviour)
        .then(pl.lit("profile_and_behaviour"))
        .otherwise(pl.lit("profile_only")),
        profile_score=logistic(b + pl.col("profile_points")),
        behaviour_score=pl.when(scored_on_behaviour).then(logistic(b + pl.col("behaviour_points"))),
        trust_score=pl.when(pl.col("is_self_declared_bot").fill_null(False))
        .then(pl.min_horizontal(evidence, pl.lit(cap)))
        .otherwise(evidence),
    )
    return scored.with_columns(trust_tier=tier_of(scorecard, pl.col("trust_score")))


def tier_of(scorecard: Scorecard, score: pl.Expr) -> pl.Expr:
    expr: Any = pl.lit(TIERS[0])
    for tier in TIERS[1:]:
        expr = pl.when(score >= scorecard.tiers[tier]).then(pl.lit(tier)).otherwise(expr)
    return expr


# ---------------------------------------------------------------- the seeds


def read_seeds(folder: Path = SEED_DIR) -> Scorecard:
    bins = pl.read_csv(folder / "trust_scorecard.csv", schema=BIN_SCHEMA)
    tiers = (
        pl.read_csv(
            folder / "trust_tiers.csv",
            schema={"tier": pl.String, "tier_rank": pl.Int64, "min_trust_score": pl.Float64},
        )
        .sort("tier_rank")
        .select("tier", "min_trust_score")
    )
    if tuple(tiers["tier"]) != TIERS:
        raise ValueError(f"{folder / 'trust_tiers.csv'} must rank the tiers {TIERS}")
    intercept = bins.filter(pl.col("signal") == "intercept")["points"].item()
    return Scorecard(
        intercept=intercept,
        bins=bins.filter(pl.col("signal") != "intercept"),
        tiers=dict(tiers.iter_rows()),
    )


def write_seeds(scorecard: Scorecard, provenance: dict[str, Any], folder: Path = SEED_DIR) -> None:
    """Write the two seeds and their YAML (documentation, provenance in `meta`)."""
    folder.mkdir(parents=True, exist_ok=True)
    intercept = pl.DataFrame(
        [
            {
                "signal": "intercept",
                "lower_bound": None,
                "upper_bound": None,
                "points": scorecard.intercept,
                "basis": "fitted",
            }
        ],
        schema=BIN_SCHEMA,
    )
    rows = pl.concat([intercept, scorecard.bins.select(list(BIN_SCHEMA))])
    rows.with_columns(pl.col("points").round(4)).write_csv(folder / "trust_scorecard.csv")
    pl.DataFrame(
        {
            "tier": list(TIERS),
            "tier_rank": list(range(1, len(TIERS) + 1)),
            "min_trust_score": [round(scorecard.tiers[t], 4) for t in TIERS],
        }
    ).write_csv(folder / "trust_tiers.csv")
    (folder / "_trust__seeds.yml").write_text(_seeds_yaml(provenance), encoding="utf-8")


def _seeds_yaml(provenance: dict[str, Any]) -> str:
    documentation = {
        "version": 2,
        "seeds": [
            {
                "name": "trust_scorecard",
                "description": (
                    "The trust scorecard `int_accounts_scored` applies: for each signal, the "
                    "points (log-odds) each bin of its values adds; the row `intercept` holds "
                    "the intercept. `basis` says whether the points were fitted on real "
                    "labeled accounts or set by hand. Written by `sharesignal fit-trust`; "
                    "its provenance is in `meta` (docs/trust.md)."
                ),
                "config": {
                    "column_types": {
                        "signal": "varchar",
                        "lower_bound": "double",
                        "upper_bound": "double",
                        "points": "double",
                        "basis": "varchar",
                    },
                    "meta": {"provenance": copy.deepcopy(provenance)},
                },
                "columns": [
                    {
                        "name": "signal",
                        "description": "The signal column of int_accounts_scored, or `intercept`.",
                        "data_tests": ["not_null"],
                    },
                    {
                        "name": "lower_bound",
                        "description": "Lowest value of the bin, inclusive; empty for no bound.",
                    },
                    {
                        "name": "upper_bound",
                        "description": "Where the next bin starts, exclusive; empty for no bound.",
                    },
                    {
                        "name": "points",
                        "description": "Log-odds the bin adds (positive: evidence of a person).",
                        "data_tests": ["not_null"],
                    },
                    {"name": "basis", "description": "`fitted` or `set by hand`."},
                ],
            },
            {
                "name": "trust_tiers",
                "description": (
                    "The trust tiers as cuts of trust_score: an account is in the highest tier "
                    "(by `tier_rank`) whose `min_trust_score` its score reaches; a tier whose "
                    "cut equals the next one's is empty. Chosen by `sharesignal fit-trust` on "
                    "the labeled accounts (docs/trust.md)."
                ),
                "config": {
                    "column_types": {
                        "tier": "varchar",
                        "tier_rank": "integer",
                        "min_trust_score": "double",
                    },
                    "meta": {"provenance": copy.deepcopy(provenance)},
                },
                "columns": [
                    {
                        "name": "tier",
                        "description": "likely_bot, suspect, neutral or trusted.",
                        "data_tests": ["unique", "not_null"],
                    },
                    {
                        "name": "tier_rank",
                        "description": "1 for likely_bot up to 4 for trusted.",
                        "data_tests": ["unique", "not_null"],
                    },
                    {
                        "name": "min_trust_score",
                        "description": "The lowest trust_score in the tier.",
                        "data_tests": ["not_null"],
                    },
                ],
            },
        ],
    }
    header = (
        "# Written by `sharesignal fit-trust` with the seeds beside it: do not edit by hand,\n"
        "# fit again (docs/trust.md says how).\n"
    )
    return header + yaml.safe_dump(documentation, sort_keys=False, width=100, allow_unicode=True)
