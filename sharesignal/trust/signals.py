"""The signals of the trust scorecard, each a column of `dim_accounts` with a points column.

A signal's values are cut into bins at `cuts` (a bin holds values from its lower cut,
inclusive, to the next, exclusive; booleans are 0 / 1). A fitted signal gets one point value
per bin from `sharesignal fit-trust`, constrained to move in its `direction` as the value
grows (+1: more is more human, -1: more is more automated, 0: free), which keeps a
scorecard from learning a dataset's quirk that runs against what the signal means. A signal
no real labeled data can check is set by hand (`hand_points`, one per bin), conservatively.

The model `int_accounts_scored` names the same signals and points columns; a test checks
that the two lists, and the seed, agree.
"""

from __future__ import annotations

from dataclasses import dataclass

PROFILE = "profile"
BEHAVIOUR = "behaviour"
FITTED = "fitted"
BY_HAND = "set by hand"


@dataclass(frozen=True)
class Signal:
    name: str
    points_column: str
    part: str
    cuts: tuple[float, ...]
    direction: int = 0
    # None for a fitted signal; else the points of each bin, from below the first cut up.
    hand_points: tuple[float, ...] | None = None

    @property
    def basis(self) -> str:
        return FITTED if self.hand_points is None else BY_HAND

    @property
    def bins(self) -> list[tuple[float | None, float | None]]:
        """(lower, upper) of each bin; None is an open bound."""
        edges: list[float | None] = [None, *self.cuts, None]
        return list(zip(edges[:-1], edges[1:], strict=True))


SIGNALS: tuple[Signal, ...] = (
    # profile: what one user object says
    Signal("account_age_days", "age_points", PROFILE, (7, 30, 90, 180, 365, 730, 1460, 2920), +1),
    Signal(
        "post_count", "activity_points", PROFILE, (10, 30, 100, 300, 1000, 3000, 10000, 30000), +1
    ),
    Signal("like_count", "likes_points", PROFILE, (1, 10, 100, 1000, 10000), +1),
    Signal("listed_count", "listed_points", PROFILE, (1, 3, 10, 30, 100), +1),
    Signal("following_per_day", "following_rate_points", PROFILE, (0.1, 0.3, 1, 3, 10, 30), -1),
    Signal(
        "follower_following_log_ratio",
        "follower_balance_points",
        PROFILE,
        (-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3),
        +1,
    ),
    Signal("has_empty_bio", "empty_bio_points", PROFILE, (1,), -1),
    Signal("has_default_profile_image", "default_image_points", PROFILE, (1,), -1),
    Signal("handle_digit_count", "handle_digit_points", PROFILE, (1, 2, 3, 4, 6), -1),
    # Verified is not learned: in the one labeled pair that has many verified accounts the
    # people were chosen for being verified, and X's paid badge since 2023 proves little.
    Signal("is_verified", "verified_points", PROFILE, (1,), hand_points=(0.0, 0.5)),
    # behaviour: what the account's shares show (accounts seen sharing at least twice)
    # No labeled data has reshare times or bursts: conservative, by hand (docs/trust.md).
    Signal(
        "median_reshare_latency_seconds",
        "latency_points",
        BEHAVIOUR,
        (10, 30, 60),
        hand_points=(-3.0, -2.0, -1.0, 0.0),
    ),
    Signal(
        "burst_count", "burst_points", BEHAVIOUR, (1, 2, 5), hand_points=(0.0, -0.5, -1.0, -2.0)
    ),
    Signal("duplicate_text_ratio", "duplicate_text_points", BEHAVIOUR, (0.2, 0.5, 0.8), -1),
    Signal(
        "pure_reshare_ratio", "pure_reshare_points", BEHAVIOUR, (0.95,), hand_points=(0.0, -1.0)
    ),
    Signal("content_diversity", "low_diversity_points", BEHAVIOUR, (0.3, 0.5, 0.7, 0.9), +1),
)
