"""Generalization, measured: fit on every labeled dataset but one, score the one left out.

Each dataset holds another kind of bot (social spambots, content polluters, self-declared
bots, synthetic ones) collected another way, so a dataset left out is a fair stand-in for
the accounts of a business the scorecard has never seen. Scoring uses `scorecard.apply`,
the same arithmetic as the dbt model.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from sharesignal.evaluate import roc_auc
from sharesignal.labeled import measures
from sharesignal.trust.fit import PENALTY, fit, fitted_signals
from sharesignal.trust.scorecard import MIN_BEHAVIOUR_SHARES, Scorecard, apply
from sharesignal.trust.signals import BEHAVIOUR


def for_fitting(accounts: pl.DataFrame, constructed: tuple[str, ...]) -> pl.DataFrame:
    """The scored accounts of one dataset, with the signals its landing had to make up
    (`LabeledSet.constructed`) set to unknown, so that nothing is learned from them."""
    return measures.scored(accounts).with_columns(
        pl.lit(None).cast(accounts.schema[name]).alias(name) for name in constructed
    )


def pooled(frames: dict[str, pl.DataFrame], leave_out: str | None = None) -> pl.DataFrame:
    return pl.concat(
        [frame for name, frame in frames.items() if name != leave_out], how="diagonal_relaxed"
    )


def fold(
    frames: dict[str, pl.DataFrame],
    left_out: str,
    penalty: float = PENALTY,
    without: tuple[str, ...] = (),
) -> tuple[Scorecard, pl.DataFrame]:
    """The scorecard fitted without `left_out`, and `left_out` scored by it."""
    scorecard = fit(pooled(frames, left_out), penalty, leave_out=without)
    return scorecard, apply(scorecard, frames[left_out])


def leave_one_out(frames: dict[str, pl.DataFrame], penalty: float = PENALTY) -> pl.DataFrame:
    """One row per left-out dataset: its accounts, the measures of its scores and whether
    each meets its target, and the tier cuts the other datasets chose."""
    rows = []
    for name in frames:
        scorecard, scored = fold(frames, name, penalty)
        summary = measures.summary(scored)
        met = summary.pop("met")
        rows.append(
            {
                "left_out": name,
                "fitted_on": ", ".join(n for n in frames if n != name),
                "bots": int(scored["is_bot"].sum()),
                "people": int((~scored["is_bot"]).sum()),
                **summary,
                **{f"met_{key}": value for key, value in met.items()},
                "suspect_below": scorecard.tiers["neutral"],
                "likely_bot_below": scorecard.tiers["suspect"],
            }
        )
    return pl.DataFrame(rows)


def behaviour_gain(frames: dict[str, pl.DataFrame], penalty: float = PENALTY) -> pl.DataFrame:
    """What each fitted behaviour signal adds, on the datasets with posts: ROC AUC of
    trust_score with the signal and with the scorecard fitted without it, both in-sample
    (fitted on every dataset) and on the dataset left out."""
    on_behaviour = {
        name: frame["share_count"].fill_null(0) >= MIN_BEHAVIOUR_SHARES
        for name, frame in frames.items()
    }
    with_posts = [name for name, scored in on_behaviour.items() if scored.any()]
    everything = fit(pooled(frames), penalty)
    left_out = {name: fold(frames, name, penalty)[1] for name in with_posts}
    rows: list[dict[str, Any]] = []
    for signal in (s for s in fitted_signals() if s.part == BEHAVIOUR):
        without = fit(pooled(frames), penalty, leave_out=(signal.name,))
        for name in with_posts:
            frame = frames[name]
            known = frame[signal.name].is_not_null() & on_behaviour[name]
            rows.append(
                {
                    "signal": signal.name,
                    "dataset": name,
                    "known": float(known.mean()),
                    "auc_in_sample": _auc(apply(everything, frame)),
                    "auc_in_sample_without": _auc(apply(without, frame)),
                    "auc_left_out": _auc(left_out[name]),
                    "auc_left_out_without": _auc(
                        fold(frames, name, penalty, without=(signal.name,))[1]
                    ),
                }
            )
    return pl.DataFrame(rows)


def _auc(scored: pl.DataFrame) -> float | None:
    return roc_auc(scored["trust_score"], ~scored["is_bot"])
