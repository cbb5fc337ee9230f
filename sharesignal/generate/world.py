"""The cast of the generated world: accounts on the three platforms (people, the
business's own accounts, and bots organised in farms) and the business's content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from sharesignal.generate import ids, vocab

DAY_US = 86_400_000_000
YEAR_US = 365 * DAY_US
PLATFORM_WEIGHTS = {"x": 0.45, "mastodon": 0.25, "bluesky": 0.30}


@dataclass(frozen=True)
class WorldSize:
    """How big the generated world is. Defaults make a ~30 day world that the whole
    pipeline processes in seconds."""

    accounts: int = 2_000
    shares: int = 30_000  # total over all days and platforms (a few late reshares fall off)
    contents: int = 60
    bot_share: float = 0.2  # fraction of accounts that are bots
    bot_farms: int = 6
    bot_amplification: float = 0.35  # fraction of reshares/quotes/replies made by bots
    original_share: float = 0.22  # fraction of shares that are original posts
    clicks_per_share: float = 0.3  # clicks per share by a person
    organic_sessions: float = 0.5  # sessions not from shares, per session from a share
    rows_per_file: int = 5_000  # records per landing file before a new file starts
    # The hard world: bots draw every profile feature (account age, follower and following
    # counts, posts, listed count, profile image, bio, handle shape, location, verified badge,
    # posting app, Mastodon instance) from the people's distributions and never declare
    # themselves, so only their behaviour (reshares within seconds, coordinated bursts,
    # duplicate text, pure resharing of few items) gives them away.
    bots_imitate_people: bool = False

    def __post_init__(self) -> None:
        if self.accounts < 60 or self.shares < 100 or self.contents < 5:
            raise ValueError(
                f"WorldSize too small ({self}): use at least 60 accounts, 100 shares and "
                "5 contents so every platform gets people, bots and business accounts."
            )
        if not 0 < self.bot_share < 0.9 or not 0 <= self.bot_amplification < 1:
            raise ValueError("bot_share must be in (0, 0.9) and bot_amplification in [0, 1).")


@dataclass(frozen=True)
class Window:
    """The export dates, as microsecond bounds [start_us, end_us)."""

    start: date
    days: int

    @property
    def start_us(self) -> int:
        moment = datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)
        return int(moment.timestamp()) * 1_000_000

    @property
    def end_us(self) -> int:
        return self.start_us + self.days * DAY_US


def pick(rng: np.random.Generator, options: tuple | list, n: int) -> pl.Series:
    """One random option per row."""
    return pl.Series(list(options), dtype=pl.String).gather(rng.integers(0, len(options), n))


def diurnal_times(rng: np.random.Generator, window: Window, n: int) -> np.ndarray:
    weights = np.array(vocab.HOUR_WEIGHTS, dtype=float)
    hours = rng.choice(24, size=n, p=weights / weights.sum())
    day = rng.integers(0, window.days, n)
    within = rng.integers(0, 3_600_000_000, n)
    return window.start_us + day * DAY_US + hours * 3_600_000_000 + within


def build_accounts(rng: np.random.Generator, size: WorldSize, window: Window) -> pl.DataFrame:
    """One row per account. Bots are mostly young, follow many and are followed by few,
    post a lot, like next to nothing, often keep the default picture, an empty bio and digits
    in the handle; a share of people look like that in one feature or another and a share of
    bots look like people (as in real labeled data). In the hard world
    (`size.bots_imitate_people`) every bot profile looks like people's.

    Every feature is drawn for every row from both distributions and picked per row, so the
    hard world consumes the same random numbers as the default one: the same seed gives the
    same cast and farms, and the same bot behaviour; only the bots' profiles differ (and,
    through a bot author's reach, how many people react to the few posts bots write)."""
    counts = rng.multinomial(size.accounts, list(PLATFORM_WEIGHTS.values()))
    frames = []
    farm_platforms = _farm_platforms(size.bot_farms)
    for platform, n in zip(PLATFORM_WEIGHTS, counts, strict=True):
        n_bots = int(round(n * size.bot_share))
        n_business = max(3, n // 200)
        kind = np.array(
            ["business"] * n_business + ["bot"] * n_bots + ["person"] * (n - n_bots - n_business)
        )
        farms = [f for f, p in farm_platforms if p == platform]
        farm = pick(rng, farms, n)
        frames.append(
            pl.DataFrame({"platform": platform, "kind": kind}).with_columns(
                bot_farm=pl.when(pl.col("kind") == "bot").then(farm)
            )
        )
    accounts = pl.concat(frames).with_row_index("account_idx")
    n = accounts.height
    is_bot = accounts["kind"].to_numpy() == "bot"
    is_business = accounts["kind"].to_numpy() == "business"
    first_in_platform = (
        accounts.select(pl.int_range(pl.len()).over("platform")).to_series().to_numpy() == 0
    )
    # Whose profile is drawn from the bots' distributions.
    bot_profile = is_bot & (not size.bots_imitate_people)

    # Profiles overlap the way real ones do (the labeled sets of docs/evaluation.md): some
    # people are new, quiet, follow many or like little; some bots are aged accounts with
    # bought followers that like posts. `unlike` marks, per feature, the accounts whose
    # value is drawn from the other kind's distribution.
    def unlike(person_share: float, bot_share: float) -> np.ndarray:
        return rng.random(n) < np.where(bot_profile, bot_share, person_share)

    looks_like_bot = bot_profile ^ unlike(0.08, 0.25)
    # Account age: people joined years ago (Bluesky and Mastodon are younger), bots weeks ago.
    max_age_years = (
        accounts["platform"].replace_strict({"x": 14.0, "mastodon": 8.0, "bluesky": 2.0}).to_numpy()
    )
    person_age = rng.uniform(0.1, 1.0, n) * max_age_years * YEAR_US
    bot_age = rng.uniform(5, 120, n) * DAY_US
    created_us = window.start_us - np.where(looks_like_bot, bot_age, person_age).astype(np.int64)

    follows_like_bot = bot_profile ^ unlike(0.10, 0.20)
    followers = np.where(
        follows_like_bot, rng.integers(0, 25, n), rng.lognormal(np.log(300), 1.3, n)
    ).astype(np.int64)
    followers = np.where(is_business, rng.integers(800, 5_000, n), followers)
    followers = np.where(
        is_business & first_in_platform, rng.integers(20_000, 60_000, n), followers
    )
    following = np.where(
        follows_like_bot, rng.integers(800, 4_900, n), rng.lognormal(np.log(350), 1.0, n)
    ).astype(np.int64)
    age_days = (window.start_us - created_us) / DAY_US
    posts = np.where(
        bot_profile ^ unlike(0.10, 0.25),
        age_days * rng.uniform(40, 250, n),
        rng.lognormal(np.log(1_500), 1.2, n),
    ).astype(np.int64)
    # Likes given (X only): people like a lot, bots next to nothing.
    likes = np.where(
        bot_profile ^ unlike(0.10, 0.20), rng.integers(0, 6, n), rng.lognormal(np.log(900), 1.4, n)
    ).astype(np.int64)
    default_image = np.where(bot_profile, rng.random(n) < 0.6, rng.random(n) < 0.04)
    default_image &= ~is_business

    first = pick(rng, vocab.FIRST_NAMES, n)
    last = pick(rng, vocab.LAST_NAMES, n)
    separator = pick(rng, ("", "_", ".", ""), n)
    digits = pl.Series(rng.integers(10_000_000, 99_999_999, n)).cast(pl.String)
    short_digits = pl.Series(rng.integers(1, 99, n)).cast(pl.String)
    person_handle = (
        pl.when(pl.Series(rng.random(n) < 0.25))
        .then(pl.concat_str(first, last, short_digits))
        .otherwise(pl.concat_str(first, separator, last))
    )
    bot_handle = (
        pl.when(pl.Series(rng.random(n) < 0.6))
        .then(pl.concat_str(first, digits))
        .otherwise(pl.concat_str(first, pl.lit("_"), last, short_digits.str.slice(0, 1)))
    )
    bio_a = pick(rng, vocab.BIO_WORDS, n)
    bio_b = pick(rng, vocab.BIO_WORDS, n)
    person_bio = (
        pl.when(pl.Series(rng.random(n) < 0.15))
        .then(pl.lit(""))
        .otherwise(pl.concat_str(bio_a.str.to_titlecase(), pl.lit(" | "), bio_b))
    )
    accounts = accounts.with_columns(
        is_bot=pl.Series(is_bot),
        is_business=pl.Series(is_business),
        is_brand=pl.Series(is_business & first_in_platform),
        created_us=pl.Series(created_us),
        followers=pl.Series(followers),
        following=pl.Series(following),
        posts=pl.Series(posts),
        likes=pl.Series(likes),
        listed=pl.Series(followers // 60),
        default_image=pl.Series(default_image),
        display_name=pl.concat_str(first, pl.lit(" "), last),
        handle_base=pl.when(pl.Series(bot_profile))
        .then(bot_handle)
        .otherwise(person_handle)
        .str.to_lowercase(),
        bio=pl.when(pl.Series(bot_profile) & pl.Series(rng.random(n) < 0.6))
        .then(pl.lit(""))
        .otherwise(person_bio),
        location=pl.when(pl.Series(rng.random(n) < np.where(bot_profile, 0.1, 0.6))).then(
            pick(rng, vocab.LOCATIONS, n)
        ),
        verified_type=pl.when(pl.Series(is_business & first_in_platform))
        .then(pl.lit("business"))
        .when(pl.Series(rng.random(n) < np.where(bot_profile, 0.08, 0.04)))
        .then(pl.lit("blue"))
        .otherwise(pl.lit("none")),
        # Bots post through their farm's automation app half of the time (X `source`).
        app=pl.when(pl.Series(bot_profile) & pl.Series(rng.random(n) < 0.5))
        .then(pick(rng, vocab.BOT_APPS, n))
        .otherwise(pick(rng, vocab.X_SOURCES, n)),
        mastodon_declares_bot=pl.Series(bot_profile & (rng.random(n) < 0.35)),
        # Posts through an automation client (Mastodon shows it on every status).
        automated_client=pl.Series(bot_profile),
        instance=pl.when(pl.Series(bot_profile))
        .then(pick(rng, vocab.BOT_INSTANCES, n))
        .otherwise(pick(rng, vocab.MASTODON_INSTANCES, n)),
        hidden_on_x=pl.Series((rng.random(n) < 0.01) & ~is_business),
        avatar_key=ids.random_strings(rng, n, ids.BASE32, 16),
    )
    # The business's own accounts carry the brand's name.
    accounts = accounts.with_columns(
        handle_base=pl.when("is_brand").then(pl.lit("acmeanalytics")).otherwise("handle_base"),
        display_name=pl.when("is_brand").then(pl.lit(vocab.BRAND)).otherwise("display_name"),
        bio=pl.when("is_brand")
        .then(pl.lit("Analytics that follow the money. Official account."))
        .when("is_business")
        .then(
            pl.concat_str(pl.col("bio"), pl.lit(" | works at Acme Analytics")).str.strip_chars(" |")
        )
        .otherwise("bio"),
        instance=pl.when("is_business").then(pl.lit(vocab.MASTODON_HOME)).otherwise("instance"),
    )
    # Handles are unique per platform: a repeated handle gets a counter. In the hard world
    # the counters go in a random order, not bots first (a counter is digits in the handle).
    order = pl.col("avatar_key") if size.bots_imitate_people else pl.col("account_idx")
    dup = order.rank("ordinal").over("platform", "handle_base") - 1
    accounts = accounts.with_columns(
        username=pl.when(dup == 0)
        .then("handle_base")
        .otherwise(pl.concat_str("handle_base", dup.cast(pl.String)))
    )
    return _platform_ids(accounts, rng)


def _farm_platforms(n_farms: int) -> list[tuple[str, str]]:
    """Farm names and platforms: each platform gets at least one farm, X the most."""
    order = ["x", "bluesky", "mastodon", "x", "bluesky", "x"]
    platforms = [order[i % len(order)] for i in range(max(n_farms, 3))]
    return [(f"{p}-farm-{i + 1:02d}", p) for i, p in enumerate(platforms)]


def _platform_ids(accounts: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Account ids and handles as each platform writes them."""
    n = accounts.height
    created_ms = accounts["created_us"].to_numpy() // 1000
    x_ids = ids.x_snowflakes(created_ms, rng)
    mastodon_ids = ids.mastodon_ids((created_ms // 86_400_000) * 86_400_000, rng)
    dids = "did:plc:" + ids.random_strings(rng, n, ids.BASE32, 24)
    platform = pl.col("platform")
    return accounts.with_columns(
        account_id=pl.when(platform == "x")
        .then(pl.lit(x_ids))
        .when(platform == "mastodon")
        .then(pl.lit(mastodon_ids))
        .otherwise(pl.lit(dids)),
        handle=pl.when(platform == "x")
        .then("username")
        .when(platform == "mastodon")
        .then(
            pl.when(pl.col("instance") == vocab.MASTODON_HOME)
            .then("username")
            .otherwise(pl.concat_str("username", pl.lit("@"), "instance"))
        )
        .otherwise(
            pl.when("is_brand")
            .then(pl.lit("acme-analytics.example"))
            .otherwise(pl.concat_str("username", pl.lit(".bsky.social")))
        ),
    )


def build_catalog(rng: np.random.Generator, size: WorldSize, window: Window) -> pl.DataFrame:
    """The business's content: URL, title, type, campaign, publication time, and how
    popular each item is. Advertisements always belong to a boosted campaign."""
    n = size.contents
    types = list(vocab.CONTENT_KIND)
    drawn = np.array(types)[rng.choice(len(types), n, p=[0.33, 0.2, 0.15, 0.15, 0.17])]
    # Every type exists, so every kind of share shows up even in small worlds.
    drawn[: len(types)] = types
    content_type = pl.Series(drawn, dtype=pl.String)
    template_a = content_type.replace_strict({k: v[0] for k, v in vocab.TITLE_TEMPLATES.items()})
    template_b = content_type.replace_strict({k: v[1] for k, v in vocab.TITLE_TEMPLATES.items()})
    template = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.5)).then(template_a).otherwise(template_b)
    ).to_series()
    title = template.str.replace("{topic}", pick(rng, vocab.TOPICS, n), literal=True).str.replace(
        "{company}", pick(rng, vocab.COMPANIES, n), literal=True
    )
    is_ad = (content_type == "advertisement").to_numpy()
    campaign = np.where(
        is_ad,
        np.array(vocab.BOOSTED_CAMPAIGNS)[rng.integers(0, len(vocab.BOOSTED_CAMPAIGNS), n)],
        np.where(
            rng.random(n) < 0.4,
            np.array(vocab.CAMPAIGNS)[rng.integers(0, len(vocab.CAMPAIGNS), n)],
            "",
        ),
    )
    # Most content predates the window; some is published during it (on the hour).
    before = window.start_us - rng.integers(1, 120, n) * DAY_US
    during = window.start_us + (rng.random(n) * window.days * 0.8).astype(np.int64) * DAY_US
    day_us = np.where(rng.random(n) < 0.8, before, during)
    published_us = day_us - day_us % DAY_US + rng.integers(8, 18, n) * 3_600_000_000
    catalog = pl.DataFrame(
        {
            "content_idx": np.arange(n),
            "title": title,
            "content_type": content_type,
            "campaign": campaign,
            "published_us": published_us,
            "popularity": rng.lognormal(0.0, 0.8, n),
        }
    )
    slug = (
        pl.col("title").str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")
    )
    dup = pl.int_range(pl.len()).over(slug)
    return catalog.with_columns(
        url=pl.concat_str(
            pl.lit(vocab.SITE + "/"),
            pl.col("content_type").replace_strict(vocab.CONTENT_KIND),
            pl.lit("/"),
            pl.when(dup == 0)
            .then(slug)
            .otherwise(pl.concat_str(slug, pl.lit("-"), (dup + 1).cast(pl.String))),
        ),
        is_boosted=pl.col("campaign").is_in(list(vocab.BOOSTED_CAMPAIGNS)),
    )
