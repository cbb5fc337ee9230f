"""Who shared what, when: original posts linking the business's content, and the
reshares, quotes and replies they attract.

People pass content on minutes to days after the original, in proportion to how good
it is and how far the author reaches. Bot farms reshare the posts of boosted campaigns
within seconds of the original, many bots at once; advertisements are boosted but
people rarely pass them on.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sharesignal.generate import ids, vocab
from sharesignal.generate.world import Window, WorldSize, diurnal_times, pick

# Behaviour overlaps too: some people's reactions come within a minute, some farm reshares
# hours later.
PEOPLE_LIVE_SHARE = 0.05
BOTS_PACED_SHARE = 0.15

ORIGINAL_AUTHORS = {"business": 0.30, "person": 0.68, "bot": 0.02}
# Of a person's reactions to a post: reshare, quote, reply (Mastodon has no quotes).
REACTIONS = {
    "x": (0.70, 0.12, 0.18),
    "mastodon": (0.80, 0.0, 0.20),
    "bluesky": (0.70, 0.10, 0.20),
}
SHORT_LINK_SHARE = 0.45  # originals whose link is a short link rather than a UTM-tagged URL
UNCATALOGUED_SHARE = 0.04  # people's originals linking a page that is not in the catalog


def build_shares(
    rng: np.random.Generator,
    size: WorldSize,
    window: Window,
    accounts: pl.DataFrame,
    catalog: pl.DataFrame,
    link_salt: int,
) -> pl.DataFrame:
    """One row per share, sorted by time, with platform post ids and the link it carries.
    `link_salt` scrambles short-link hashes (shared with the newsletter links, so the two
    never collide)."""
    originals = _originals(rng, size, window, accounts, catalog, link_salt)
    derivatives = _derivatives(rng, size, window, accounts, catalog, originals)
    shares = (
        pl.concat([originals, derivatives], how="diagonal_relaxed")
        .filter(pl.col("shared_us") < window.end_us)
        .sort("shared_us", "share_idx")
        .drop("share_idx")
        .with_row_index("share_idx")
    )
    # Re-point derivatives at their original's new row index.
    new_index = shares.filter(pl.col("share_type") == "original").select(
        "orig_key", parent_idx=pl.col("share_idx")
    )
    shares = shares.drop("parent_idx").join(new_index, on="orig_key", how="left")
    shares = shares.with_columns(
        parent_idx=pl.when(pl.col("share_type") == "original")
        .then(None)
        .otherwise(pl.col("parent_idx"))
    ).sort("share_idx")
    return _post_ids(rng, shares, accounts)


def _originals(
    rng: np.random.Generator,
    size: WorldSize,
    window: Window,
    accounts: pl.DataFrame,
    catalog: pl.DataFrame,
    link_salt: int,
) -> pl.DataFrame:
    n_orig = max(3, round(size.shares * size.original_share))
    platforms = list(REACTIONS)
    per_platform = rng.multinomial(n_orig, [0.45, 0.25, 0.30])
    authors = []
    for platform, n in zip(platforms, per_platform, strict=True):
        mine = accounts.filter(pl.col("platform") == platform)
        kind = mine["kind"].to_numpy()
        activity = rng.lognormal(0.0, 1.0, mine.height)
        weight = np.zeros(mine.height)
        for group, share in ORIGINAL_AUTHORS.items():
            in_group = kind == group
            weight[in_group] = share * activity[in_group] / activity[in_group].sum()
        authors.append(rng.choice(mine["account_idx"].to_numpy(), n, p=weight / weight.sum()))
    author_idx = np.concatenate(authors)
    kinds = accounts["kind"].to_numpy()[author_idx]

    # Content per author kind: the business posts everything, people rarely post ads,
    # bots post mostly boosted content. Content published after the window is not shared.
    popularity = catalog["popularity"].to_numpy()
    is_ad = (catalog["content_type"] == "advertisement").to_numpy()
    boosted = catalog["is_boosted"].to_numpy()
    shareable = catalog["published_us"].to_numpy() < window.end_us - 3_600_000_000
    content_weights = {
        "business": popularity * shareable,
        "person": popularity * np.where(is_ad, 0.1, 1.0) * shareable,
        "bot": popularity * np.where(boosted, 5.0, 0.2) * shareable,
    }
    content_idx = np.zeros(len(author_idx), dtype=np.int64)
    for group, weight in content_weights.items():
        in_group = kinds == group
        content_idx[in_group] = rng.choice(len(catalog), in_group.sum(), p=weight / weight.sum())
    uncatalogued = (kinds == "person") & (rng.random(len(author_idx)) < UNCATALOGUED_SHARE)

    # Post after the content is published: a time before that moves into the open span.
    published = catalog["published_us"].to_numpy()[content_idx]
    lower = np.maximum(published, window.start_us)
    candidate = diurnal_times(rng, window, len(author_idx))
    late = lower + (rng.random(len(author_idx)) * (window.end_us - lower)).astype(np.int64)
    shared_us = np.where(candidate >= lower, candidate, late)

    n = len(author_idx)
    platform = pl.Series(np.repeat(platforms, per_platform), dtype=pl.String)
    page_url = pl.concat_str(pl.lit(vocab.SITE), pick(rng, vocab.UNCATALOGUED_PATHS, n))
    frame = pl.DataFrame(
        {
            "share_idx": np.arange(n),
            "platform": platform,
            "account_idx": author_idx,
            "share_type": "original",
            "shared_us": shared_us,
            "content_idx": np.where(uncatalogued, -1, content_idx),
            "short_link": rng.random(n) < SHORT_LINK_SHARE,
            "comment_pick": rng.random(n),
        }
    ).with_columns(
        content_idx=pl.when(pl.col("content_idx") >= 0).then("content_idx"),
        orig_key=pl.col("share_idx"),
        parent_idx=pl.lit(None, dtype=pl.Int64),
    )
    frame = frame.join(
        catalog.select(
            pl.col("content_idx").cast(pl.Int64), "url", "content_type", "campaign", "is_boosted"
        ),
        on="content_idx",
        how="left",
    ).sort("share_idx")
    frame = frame.with_columns(
        content_url=pl.coalesce("url", page_url),
        campaign=pl.col("campaign").fill_null(""),
        is_boosted=pl.col("is_boosted").fill_null(False),
    ).drop("url")
    return _links(rng, frame, link_salt)


def _links(rng: np.random.Generator, originals: pl.DataFrame, link_salt: int) -> pl.DataFrame:
    """Each original's link: the content URL with UTM tags, or a short link to it."""
    n = originals.height
    index = originals["share_idx"].to_numpy()
    token = ids.scrambled(index, ids.BASE32, 8, int(rng.integers(1 << 30)))
    link_hash = ids.scrambled(index, ids.BASE62, 7, link_salt)
    originals = originals.with_columns(
        utm_content=pl.concat_str(pl.lit("s-"), token),
        link_hash=pl.when("short_link").then(link_hash),
        link_created_us=pl.col("shared_us") - pl.Series(rng.integers(60, 3_600, n)) * 1_000_000,
    )
    long_url = pl.concat_str(
        "content_url",
        pl.lit("?utm_source="),
        "platform",
        pl.lit("&utm_medium=social&utm_campaign="),
        pl.when(pl.col("campaign") == "").then(pl.lit("organic")).otherwise("campaign"),
        pl.lit("&utm_content="),
        "utm_content",
    )
    return originals.with_columns(long_url=long_url).with_columns(
        link=pl.when("short_link")
        .then(pl.concat_str(pl.lit(f"https://{vocab.SHORT_DOMAIN}/"), "link_hash"))
        .otherwise("long_url")
    )


def _derivatives(
    rng: np.random.Generator,
    size: WorldSize,
    window: Window,
    accounts: pl.DataFrame,
    catalog: pl.DataFrame,
    originals: pl.DataFrame,
) -> pl.DataFrame:
    """Reshares, quotes and replies of the originals, by people and by bot farms."""
    n_orig = originals.height
    total = max(0, size.shares - n_orig)
    author = originals["account_idx"].to_numpy()
    followers = accounts["followers"].to_numpy()[author]
    author_is_bot = accounts["is_bot"].to_numpy()[author]
    appeal = originals["content_type"].replace_strict(vocab.RESHARE_APPEAL, default=0.5)
    popularity = (
        originals.join(catalog.select("content_idx", "popularity"), on="content_idx", how="left")
        .sort("share_idx")["popularity"]
        .fill_null(0.5)
        .to_numpy()
    )
    reach = np.clip(np.sqrt(followers / 300), 0.3, 8.0)
    people_weight = appeal.to_numpy() * popularity * reach * rng.lognormal(0.0, 1.0, n_orig)
    people_weight *= np.where(author_is_bot, 0.05, 1.0)

    # Each original that bots amplify gets one farm of its platform.
    farms = accounts.filter(pl.col("is_bot")).sort("bot_farm", "account_idx")
    farm_table = farms.group_by("bot_farm", maintain_order=True).agg(
        pl.first("platform"), size=pl.len()
    )
    farm_sizes = farm_table["size"].to_numpy().astype(np.int64)
    farm_starts = np.cumsum(farm_sizes) - farm_sizes
    members = farms["account_idx"].to_numpy()
    farm_platform = farm_table["platform"].to_numpy()
    platforms = originals["platform"].to_numpy()
    farm_of = np.full(n_orig, -1)
    for platform in REACTIONS:
        options = np.flatnonzero(farm_platform == platform)
        here = platforms == platform
        if len(options):
            farm_of[here] = options[rng.integers(0, len(options), here.sum())]
    boosted = originals["is_boosted"].to_numpy()
    is_ad = (originals["content_type"] == "advertisement").to_numpy()
    # Farms also reshare a little unboosted content, as cover.
    bot_weight = np.where(boosted, 1.0, np.where(is_ad, 0.0, 0.04)) * rng.uniform(0.3, 1, n_orig)
    bot_weight *= farm_of >= 0

    n_bot_total = round(total * size.bot_amplification) if bot_weight.sum() > 0 else 0
    n_bot = np.zeros(n_orig, dtype=np.int64)
    if n_bot_total:
        n_bot = rng.multinomial(n_bot_total, bot_weight / bot_weight.sum())
    n_bot = np.minimum(n_bot, np.where(farm_of >= 0, farm_sizes[farm_of], 0))
    n_people = rng.multinomial(total - n_bot_total, people_weight / people_weight.sum())

    people = _people_reactions(rng, accounts, originals, n_people)
    bots = _bot_reshares(rng, originals, n_bot, farm_of, farm_starts, farm_sizes, members)
    reactions = pl.concat([people, bots])
    inherited = originals.select(
        "orig_key",
        "platform",
        "content_idx",
        "content_type",
        "campaign",
        "is_boosted",
        "content_url",
        "short_link",
        "utm_content",
        "link_hash",
        "link_created_us",
        "long_url",
        "link",
        parent_idx="share_idx",
        parent_us="shared_us",
    )
    reactions = reactions.join(inherited, on="orig_key", how="left").with_columns(
        shared_us=pl.col("parent_us") + pl.col("delay_us"),
        share_idx=pl.int_range(pl.len()) + n_orig,
        comment_pick=pl.Series(rng.random(reactions.height)),
    )
    return reactions.drop("parent_us", "delay_us")


def _rank_within(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts per original: the original of every reaction and its rank (0, 1, ...)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.arange(len(owner)) - starts


def _people_reactions(
    rng: np.random.Generator,
    accounts: pl.DataFrame,
    originals: pl.DataFrame,
    counts: np.ndarray,
) -> pl.DataFrame:
    """People react minutes to days later; nobody reacts twice to the same post or to
    their own post (a stride walk over the platform's people visits distinct people)."""
    frames = []
    platforms = originals["platform"].to_numpy()
    author = originals["account_idx"].to_numpy()
    for platform, (p_reshare, p_quote, _) in REACTIONS.items():
        crowd = accounts.filter((pl.col("platform") == platform) & ~pl.col("is_bot"))
        crowd_idx = crowd["account_idx"].to_numpy()
        n_crowd = len(crowd_idx)
        here = platforms == platform
        capped = np.where(here, np.minimum(counts, n_crowd - 1), 0)
        owner, rank = _rank_within(capped)
        position = np.full(len(accounts), n_crowd)  # people outside the crowd: no skip
        position[crowd_idx] = np.arange(n_crowd)
        author_pos = position[author[owner]]
        offset = rng.integers(0, n_crowd - 1, len(originals))[owner]
        stride = _coprime_strides(rng, n_crowd - 1, len(originals))[owner]
        slot = (offset + rank * stride) % (n_crowd - 1)
        slot = np.where(slot >= author_pos, slot + 1, slot)
        draw = rng.random(len(owner))
        share_type = np.where(
            draw < p_reshare, "reshare", np.where(draw < p_reshare + p_quote, "quote", "reply")
        )
        # A few people catch a post live and react within a minute.
        live = rng.random(len(owner)) < PEOPLE_LIVE_SHARE
        delay_s = np.where(
            live,
            rng.uniform(5, 60, len(owner)),
            np.maximum(60, rng.lognormal(np.log(2 * 3600), 1.4, len(owner))),
        )
        frames.append(
            pl.DataFrame(
                {
                    "orig_key": originals["share_idx"].to_numpy()[owner],
                    "account_idx": crowd_idx[slot],
                    "share_type": share_type,
                    "delay_us": (delay_s * 1_000_000).astype(np.int64),
                }
            )
        )
    return pl.concat(frames)


def _coprime_strides(rng: np.random.Generator, modulus: int, n: int) -> np.ndarray:
    """Strides that walk all residues modulo `modulus` (coprime with it)."""
    candidates = np.arange(100_003, 100_403, 2)
    coprime = candidates[np.gcd(candidates, max(modulus, 1)) == 1]
    return coprime[rng.integers(0, len(coprime), n)]


def _bot_reshares(
    rng: np.random.Generator,
    originals: pl.DataFrame,
    counts: np.ndarray,
    farm_of: np.ndarray,
    farm_starts: np.ndarray,
    farm_sizes: np.ndarray,
    members: np.ndarray,
) -> pl.DataFrame:
    """A farm's bots reshare within seconds of the original, one after another; a few drip
    in over the next hours, as farms paced to look organic do."""
    owner, rank = _rank_within(counts)
    farm = farm_of[owner]
    offset = rng.integers(0, 1 << 30, len(originals))[owner]
    slot = farm_starts[farm] + (offset + rank) % farm_sizes[farm]
    paced = rng.random(len(owner)) < BOTS_PACED_SHARE
    delay_s = np.where(
        paced,
        rng.uniform(600, 6 * 3600, len(owner)),
        2 + np.minimum(rng.exponential(20.0, len(owner)), 900),
    )
    return pl.DataFrame(
        {
            "orig_key": originals["share_idx"].to_numpy()[owner],
            "account_idx": members[slot],
            "share_type": "reshare",
            "delay_us": (delay_s * 1_000_000).astype(np.int64),
        }
    )


def _post_ids(
    rng: np.random.Generator, shares: pl.DataFrame, accounts: pl.DataFrame
) -> pl.DataFrame:
    """Post ids as each platform writes them; a Bluesky repost is identified by
    `repost:<reposter did>:<post uri>` (it has no record of its own in a feed)."""
    shares = shares.join(
        accounts.select("account_idx", "account_id", "is_bot", "bot_farm", "kind"),
        on="account_idx",
        how="left",
    ).sort("share_idx")
    ms = shares["shared_us"].to_numpy() // 1000
    tid = ids.bluesky_tids(shares["shared_us"].to_numpy(), rng)
    shares = shares.with_columns(
        x_id=ids.x_snowflakes(ms, rng),
        mastodon_id=ids.mastodon_ids(ms, rng),
        bsky_uri=pl.concat_str(
            pl.lit("at://"), "account_id", pl.lit("/app.bsky.feed.post/"), pl.lit(tid)
        ),
        cid=ids.bluesky_cids(rng, shares.height),
    )
    parents = shares.select(
        parent_idx="share_idx",
        parent_post_id=pl.when(pl.col("platform") == "x")
        .then("x_id")
        .when(pl.col("platform") == "mastodon")
        .then("mastodon_id")
        .otherwise("bsky_uri"),
    )
    shares = shares.join(parents, on="parent_idx", how="left").sort("share_idx")
    platform = pl.col("platform")
    is_repost = (platform == "bluesky") & (pl.col("share_type") == "reshare")
    shares = shares.with_columns(
        post_id=pl.when(platform == "x")
        .then("x_id")
        .when(platform == "mastodon")
        .then("mastodon_id")
        .when(is_repost)
        .then(pl.concat_str(pl.lit("repost:"), "account_id", pl.lit(":"), "parent_post_id"))
        .otherwise("bsky_uri"),
        bsky_uri=pl.when(is_repost).then(None).otherwise("bsky_uri"),
        cid=pl.when(is_repost).then(None).otherwise("cid"),
        day=pl.from_epoch("shared_us", time_unit="us").dt.date(),
    ).drop("x_id", "mastodon_id", "orig_key")
    if not shares.select(pl.struct("platform", "post_id").is_unique().all()).item():
        raise RuntimeError("generated post ids collide; this is a bug in sharesignal.generate")
    return shares


def cumulative_counts(shares: pl.DataFrame) -> pl.DataFrame:
    """Per original and day: reshares, quotes and replies it had received by the end of
    that day (what an export on that day shows in public metrics)."""
    reactions = shares.filter(pl.col("parent_idx").is_not_null())
    daily = (
        reactions.group_by("parent_idx", "day")
        .agg(
            reshares=(pl.col("share_type") == "reshare").sum(),
            bot_reshares=((pl.col("share_type") == "reshare") & pl.col("is_bot")).sum(),
            quotes=(pl.col("share_type") == "quote").sum(),
            replies=(pl.col("share_type") == "reply").sum(),
        )
        .sort("parent_idx", "day")
    )
    return daily.with_columns(
        pl.col("reshares", "bot_reshares", "quotes", "replies").cum_sum().over("parent_idx")
    ).rename({"parent_idx": "share_idx"})


def counts_asof(rows: pl.DataFrame, counts: pl.DataFrame, seed_likes: pl.DataFrame) -> pl.DataFrame:
    """Attach to `rows` (share_idx of an original, day) the counts as of that day's end,
    and a like count: people like more than they reshare, bots like what they reshare."""
    joined = rows.sort("day").join_asof(
        counts.sort("day"),
        on="day",
        by="share_idx",
        strategy="backward",
        check_sortedness=False,  # sorted by day within every share_idx group
    )
    joined = joined.join(seed_likes, on="share_idx", how="left")
    filled = joined.with_columns(
        pl.col("reshares", "bot_reshares", "quotes", "replies").fill_null(0).cast(pl.Int64)
    )
    return filled.with_columns(
        likes=(
            (pl.col("reshares") - pl.col("bot_reshares")) * pl.col("like_ratio")
            + pl.col("bot_reshares") * 0.9
            + pl.col("base_likes")
        )
        .round(0)
        .cast(pl.Int64)
    )


def like_seeds(rng: np.random.Generator, shares: pl.DataFrame) -> pl.DataFrame:
    n = shares.height
    return pl.DataFrame(
        {
            "share_idx": shares["share_idx"],
            "like_ratio": rng.uniform(1.5, 6.0, n),
            "base_likes": rng.poisson(1.5, n).astype(np.float64),
        }
    )
