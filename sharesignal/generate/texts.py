"""Post texts and link cards shared by the platform writers."""

from __future__ import annotations

import numpy as np
import polars as pl

from sharesignal.generate import vocab


def choose(options: tuple[str, ...], pick: str = "comment_pick") -> pl.Expr:
    """One of `options` per row, chosen by the uniform number in column `pick`."""
    index = (pl.col(pick) * len(options)).cast(pl.Int64).clip(0, len(options) - 1)
    return pl.lit(pl.Series(list(options), dtype=pl.String)).gather(index)


def with_texts(shares: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Add `title` (of the linked page), `comment` (the words a post opens with) and
    `hashtag` (the campaign's tag, or null)."""
    titles = catalog.select(pl.col("content_idx").cast(pl.Int64), "title")
    shares = shares.join(titles, on="content_idx", how="left").sort("share_idx")
    comment = (
        pl.when(pl.col("share_type") == "quote")
        .then(choose(vocab.QUOTE_COMMENTS))
        .when(pl.col("share_type") == "reply")
        .then(choose(vocab.REPLY_COMMENTS))
        .when(pl.col("is_bot"))
        .then(choose(vocab.BOT_COMMENTS))
        .otherwise(choose(vocab.ORIGINAL_COMMENTS))
    )
    hashtag = pl.col("campaign").str.to_titlecase().str.replace_all("-", "", literal=True)
    return shares.with_columns(
        title=pl.col("title").fill_null(vocab.BRAND),
        comment=pl.when(pl.col("share_type") == "reshare").then(pl.lit("")).otherwise(comment),
        hashtag=pl.when(pl.col("campaign") != "").then(hashtag),
    )


def display_url(url: pl.Expr, keep: int = 26) -> pl.Expr:
    """A link as platforms display it: no scheme, cut with an ellipsis."""
    bare = url.str.replace(r"^https?://(www\.)?", "")
    return (
        pl.when(bare.str.len_chars() > keep)
        .then(pl.concat_str(bare.str.slice(0, keep), pl.lit("\u2026")))
        .otherwise(bare)
    )


def small_counts(rng: np.random.Generator, n: int, mean: float) -> pl.Series:
    return pl.Series(rng.poisson(mean, n).astype(np.int64))
