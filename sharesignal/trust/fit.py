"""Fitting the scorecard's points on labeled accounts: a regularized logistic regression.

Each fitted signal is cut into its bins; the design has one column per cut, "the value is
at least this cut", so a coefficient is the step in points from one bin to the next. Steps
are bounded to the signal's direction (a monotone scorecard) and shrunk by an L2 penalty,
which keeps neighbouring bins close where the data are thin. Columns are centred on the
accounts where the signal is known, so 0 points is what an average account adds and an
unknown signal (NULL, 0 points) leaves the score where knowing nothing leaves it; no signal
can learn from which datasets lack it. Signals set by hand enter as a fixed offset.

Every dataset weighs the same, and within a dataset bots and people weigh the same: the
datasets' class mixes say how they were collected, not how common bots are. The intercept
is therefore the log-odds of a person at even odds; the model adds the log-odds of the dbt
var `trust_person_prior`, the share of people expected among the accounts scored.

Self-declared bots are left out of the fit: the cap (dbt var `self_declared_bot_cap`)
decides their score, not their other signals.

Deterministic: the same accounts (in any order) give the same scorecard.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy.optimize import minimize

from sharesignal.config import dbt_var
from sharesignal.trust.scorecard import BIN_SCHEMA, MIN_BEHAVIOUR_SHARES, TIERS, Scorecard, apply
from sharesignal.trust.signals import BEHAVIOUR, BY_HAND, FITTED, SIGNALS, Signal

# L2 penalty on the steps, per unit of (normalized) log-loss.
PENALTY = 1e-3
# Points and cuts as the seeds store them.
DECIMALS = 4
# Tier cuts, chosen so that on every dataset fitted on (scores at the dbt vars' prior):
PEOPLE_FLAGGED_AT_MOST = 0.05  # suspect + likely_bot flag at most 5% of people,
LIKELY_BOT_PRECISION = 0.98  # likely_bot holds at least 98% bots (at even odds),
TRUSTED_PRECISION = 0.95  # trusted holds at least 95% people (at even odds).


def fitted_signals(leave_out: tuple[str, ...] = ()) -> list[Signal]:
    return [s for s in SIGNALS if s.basis == FITTED and s.name not in leave_out]


def hand_scorecard() -> Scorecard:
    """The signals set by hand, with no intercept and no tiers: the fit's offset."""
    rows = [
        {"signal": s.name, "lower_bound": lo, "upper_bound": hi, "points": p, "basis": BY_HAND}
        for s in SIGNALS
        if s.basis == BY_HAND
        for (lo, hi), p in zip(s.bins, s.hand_points or (), strict=True)
    ]
    return Scorecard(0.0, pl.DataFrame(rows, schema=BIN_SCHEMA), dict.fromkeys(TIERS, 0.0))


def known_values(accounts: pl.DataFrame, signal: Signal) -> np.ndarray:
    """The signal's values as floats, NaN where unknown (and, for behaviour, where the
    account is scored on its profile alone)."""
    value = pl.col(signal.name).cast(pl.Float64)
    if signal.part == BEHAVIOUR:
        value = pl.when(pl.col("share_count").fill_null(0) >= MIN_BEHAVIOUR_SHARES).then(value)
    return accounts.select(value.fill_null(float("nan")))[signal.name].to_numpy()


def indicators(
    accounts: pl.DataFrame, signals: list[Signal]
) -> tuple[np.ndarray, np.ndarray, list]:
    """One column per cut of every signal: 1 where the value is at least the cut; with the
    mask of where the signal is known."""
    values, known, columns = [], [], []
    for signal in signals:
        x = known_values(accounts, signal)
        for cut in signal.cuts:
            values.append(np.where(np.isnan(x), 0.0, (x >= cut).astype(float)))
            known.append(~np.isnan(x))
            columns.append((signal, float(cut)))
    if not values:
        empty = np.zeros((accounts.height, 0))
        return empty, empty.astype(bool), columns
    return np.column_stack(values), np.column_stack(known), columns


def weights(accounts: pl.DataFrame) -> np.ndarray:
    """Each dataset weighs the same, and within it each class; normalized to sum to 1."""
    groups = accounts.select(
        n=pl.len().over("dataset", "is_bot"),
        classes=pl.col("is_bot").n_unique().over("dataset"),
        datasets=pl.col("dataset").n_unique(),
    )
    w = 1.0 / (groups["n"] * groups["classes"] * groups["datasets"]).to_numpy().astype(float)
    return w / w.sum()


def solve(
    x: np.ndarray,
    person: np.ndarray,
    w: np.ndarray,
    offset: np.ndarray,
    bounds: list,
    penalty: float,
) -> np.ndarray:
    """Intercept and steps minimizing weighted log-loss + penalty/2 * |steps|^2 (L-BFGS-B,
    from zero, so the result depends on the data only)."""

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        z = b[0] + offset + x @ b[1:]
        log_loss = np.logaddexp(0.0, -z) * person + np.logaddexp(0.0, z) * (1.0 - person)
        residual = w * (1.0 / (1.0 + np.exp(-z)) - person)
        value = float(w @ log_loss + penalty / 2 * (b[1:] @ b[1:]))
        gradient = np.concatenate([[residual.sum()], x.T @ residual + penalty * b[1:]])
        return value, gradient

    result = minimize(
        loss,
        np.zeros(x.shape[1] + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None), *bounds],
        options={"maxiter": 20000, "ftol": 1e-14, "gtol": 1e-10},
    )
    if not result.success:
        raise RuntimeError(f"the trust fit did not converge: {result.message}")
    return result.x


def step_bounds(signal: Signal) -> tuple[float | None, float | None]:
    if signal.direction > 0:
        return (0.0, None)
    if signal.direction < 0:
        return (None, 0.0)
    return (None, None)


def fit(
    accounts: pl.DataFrame, penalty: float = PENALTY, leave_out: tuple[str, ...] = ()
) -> Scorecard:
    """The scorecard fitted on `accounts` (columns `dataset`, `labeled_account_id`,
    `is_bot`, `share_count`, `is_self_declared_bot` and the signals), its points and cuts
    rounded as the seeds store them. `leave_out` names fitted signals to leave out (their
    points are 0), to measure what each adds."""
    # Sorted by the datasets' own ids: pseudonyms change with each pipeline run's key.
    frame = accounts.sort("dataset", "labeled_account_id")
    fitting = frame.filter(~pl.col("is_self_declared_bot").fill_null(False))
    signals = fitted_signals(leave_out)
    hand = hand_scorecard()
    offset = apply(hand, fitting, cap=1.0)
    offset_points = (offset["profile_points"] + offset["behaviour_points"]).to_numpy()
    raw, known, columns = indicators(fitting, signals)
    w = weights(fitting)
    means = (w @ (raw * known)) / np.maximum(w @ known, 1e-300)
    centred = np.where(known, raw - means, 0.0)
    person = (~fitting["is_bot"]).cast(pl.Float64).to_numpy()
    coefficients = solve(
        centred, person, w, offset_points, [step_bounds(s) for s, _ in columns], penalty
    )
    bins = pl.concat([hand.bins, _fitted_bins(signals, columns, coefficients[1:], means)])
    order = {s.name: i for i, s in enumerate(SIGNALS)}
    bins = bins.sort(
        pl.col("signal").replace_strict(order), pl.col("lower_bound"), nulls_last=False
    ).with_columns(pl.col("points").round(DECIMALS))
    intercept = round(float(coefficients[0]), DECIMALS)
    cap = float(dbt_var("self_declared_bot_cap"))
    untiered = Scorecard(intercept, bins, dict.fromkeys(TIERS, 0.0))
    return Scorecard(intercept, bins, tier_cuts(apply(untiered, frame, cap=cap), cap))


def _fitted_bins(
    signals: list[Signal], columns: list, steps: np.ndarray, means: np.ndarray
) -> pl.DataFrame:
    """Each fitted signal's points per bin: the steps up to the bin, less the centring."""
    rows = []
    for signal in signals:
        mine = [i for i, (s, _) in enumerate(columns) if s is signal]
        shift = float(steps[mine] @ means[mine])
        cumulative = np.concatenate([[0.0], np.cumsum(steps[mine])])
        for (lo, hi), total in zip(signal.bins, cumulative, strict=True):
            rows.append(
                {
                    "signal": signal.name,
                    "lower_bound": lo,
                    "upper_bound": hi,
                    "points": float(total - shift),
                    "basis": FITTED,
                }
            )
    return pl.DataFrame(rows, schema=BIN_SCHEMA)


# ---------------------------------------------------------------- tier cuts


def tier_cuts(scored: pl.DataFrame, cap: float) -> dict[str, float]:
    """Each tier's lowest score, chosen on the scored accounts so that it holds on every
    dataset at once: an account is flagged (suspect or likely_bot) below the cut under which
    at most PEOPLE_FLAGGED_AT_MOST of any dataset's people fall; likely_bot lies below the
    highest cut under which LIKELY_BOT_PRECISION are bots in every dataset, and above the
    self-declared bots' `cap`, so that they are always likely_bot; trusted from the lowest
    cut above which TRUSTED_PRECISION are people in every dataset."""
    per_set = [
        (
            group.filter(pl.col("is_bot"))["trust_score"].to_numpy(),
            group.filter(~pl.col("is_bot"))["trust_score"].to_numpy(),
        )
        for _, group in scored.group_by("dataset", maintain_order=True)
    ]
    per_set = [(bots, people) for bots, people in per_set if bots.size and people.size]
    candidates = np.unique(scored["trust_score"].to_numpy())
    flag_cut = min(
        float(np.quantile(people, PEOPLE_FLAGGED_AT_MOST, method="lower")) for _, people in per_set
    )
    # per dataset and candidate cut: the share of its bots and people below the cut
    below = [
        (_share_below(bots, candidates), _share_below(people, candidates))
        for bots, people in per_set
    ]
    bots_below = np.min([_precision(b, p) for b, p in below], axis=0)
    people_above = np.min([_precision(1 - p, 1 - b) for b, p in below], axis=0)
    bot_cuts = candidates[
        (candidates > cap) & (candidates <= flag_cut) & (bots_below >= LIKELY_BOT_PRECISION)
    ]
    trusted_cuts = candidates[(candidates > flag_cut) & (people_above >= TRUSTED_PRECISION)]
    # A self-declared bot (at the cap) is always likely_bot, the cuts never fall out of
    # order, and rounding never flags more people than the cut chosen.
    above_cap = cap + 10**-DECIMALS
    flag = max(flag_cut, above_cap)
    bot = max(min(float(bot_cuts.max()) if bot_cuts.size else above_cap, flag), above_cap)
    trusted = max(float(trusted_cuts.min()) if trusted_cuts.size else 1.0, flag)
    return {
        "likely_bot": 0.0,
        "suspect": _round_down(bot),
        "neutral": _round_down(flag),
        "trusted": _round_up(trusted),
    }


def _round_down(value: float) -> float:
    # the nudge keeps a value already at DECIMALS (0.0201 is 200.99999… ten-thousandths) as it is
    return math.floor(value * 10**DECIMALS + 1e-6) / 10**DECIMALS


def _round_up(value: float) -> float:
    return math.ceil(value * 10**DECIMALS - 1e-6) / 10**DECIMALS


def _share_below(scores: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.sort(scores), cuts, side="left") / scores.size


def _precision(hit: np.ndarray, false_hit: np.ndarray) -> np.ndarray:
    """Precision at even odds from the two rates; 1 where nothing is flagged."""
    flagged = hit + false_hit
    return np.where(flagged > 0, hit / np.where(flagged > 0, flagged, 1.0), 1.0)
