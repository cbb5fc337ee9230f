"""Bluesky `app.bsky.feed.getAuthorFeed` pages (one actor's posts and reposts per line)
and `app.bsky.actor.getProfiles` responses for the actors seen that day."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from sharesignal.generate import vocab
from sharesignal.generate.files import (
    file_numbers,
    join_json,
    json_text,
    members,
    open_object,
    ts,
    write_days,
)
from sharesignal.generate.shares import counts_asof
from sharesignal.generate.texts import display_url, small_counts

PAGE_SIZE = 50
PROFILES_PER_CALL = 25
OPTIONAL_KEYS = ("avatar", "reason", "reply", "embed", "external", "record", "facets")
NO_LABELS = pl.lit(pl.Series([[]], dtype=pl.List(pl.String))).first()


def _actors(accounts: pl.DataFrame) -> pl.DataFrame:
    b = accounts.filter(pl.col("platform") == "bluesky")
    avatar = pl.concat_str(
        pl.lit("https://cdn.bsky.app/img/avatar/plain/"),
        "account_id",
        pl.lit("/bafkrei"),
        "avatar_key",
        pl.lit("@jpeg"),
    )
    return b.select(
        "account_idx",
        "followers",
        "following",
        "posts",
        "bio",
        did="account_id",
        handle="handle",
        display_name="display_name",
        avatar=pl.when("default_image").then(None).otherwise(avatar),
        created_at=ts("created_us"),
    )


def _basic(prefix: str) -> pl.Expr:
    """ProfileViewBasic: no follower or post counts."""
    return pl.struct(
        did=pl.col(f"{prefix}did"),
        handle=pl.col(f"{prefix}handle"),
        displayName=pl.col(f"{prefix}display_name"),
        avatar=pl.col(f"{prefix}avatar"),
        labels=NO_LABELS,
        createdAt=pl.col(f"{prefix}created_at"),
    )


def _post_head(prefix: str) -> pl.Expr:
    """A PostView as JSON without its closing brace and without the counts (those
    depend on the export day)."""
    c = lambda name: pl.col(f"{prefix}{name}")  # noqa: E731
    view = pl.struct(
        uri=c("uri"),
        cid=c("cid"),
        author=_basic(f"{prefix}a_"),
        record=pl.struct(
            **{"$type": pl.lit("app.bsky.feed.post")},
            text=c("text"),
            createdAt=c("created_at"),
            langs=pl.lit(pl.Series([["en"]])).first(),
            reply=c("record_reply"),
            embed=c("embed"),
            facets=c("facets"),
        ),
    )
    return open_object(json_text(view, OPTIONAL_KEYS))


def _post_view(
    head: str, replies: str, reposts: str, likes: str, quotes: str, indexed: str
) -> pl.Expr:
    return pl.concat_str(
        head,
        members(
            replyCount=pl.col(replies),
            repostCount=pl.col(reposts),
            likeCount=pl.col(likes),
            quoteCount=pl.col(quotes),
        ),
        pl.lit(',"indexedAt":"'),
        indexed,
        pl.lit('","labels":[]}'),
    )


def _items(rng: np.random.Generator, shares: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    actors = _actors(accounts)
    prefixed = actors.select(
        "account_idx", *[pl.col(c).alias(f"p_a_{c}") for c in actors.columns if c != "account_idx"]
    )
    b = shares.filter(pl.col("platform") == "bluesky").join(prefixed, on="account_idx", how="left")
    n = b.height
    kind = pl.col("share_type")
    link_text = display_url(pl.col("link"), 24)
    head = pl.concat_str("comment", pl.lit(" "), "title", pl.lit("\n\n"))
    b = b.with_columns(
        p_uri="bsky_uri",
        p_cid="cid",
        p_created_at=ts("shared_us"),
        p_indexed_at=pl.from_epoch(
            pl.col("shared_us") + pl.Series(rng.integers(200_000, 2_000_000, n)), time_unit="us"
        ).dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        p_text=pl.when(kind == "original")
        .then(pl.concat_str(head, link_text))
        .otherwise("comment"),
        # Link facets count UTF-8 bytes; the ellipsis of a cut link is three bytes.
        p_facets=pl.when(kind == "original").then(
            pl.concat_list(
                pl.struct(
                    features=pl.concat_list(
                        pl.struct(**{"$type": pl.lit("app.bsky.richtext.facet#link")}, uri="link")
                    ),
                    index=pl.struct(
                        byteStart=head.str.len_bytes(),
                        byteEnd=head.str.len_bytes() + link_text.str.len_bytes(),
                    ),
                )
            )
        ),
        p_external=pl.when(kind == "original").then(
            pl.struct(
                uri="link",
                title="title",
                description=pl.concat_str(pl.lit(f"{vocab.BRAND}: "), "title"),
            )
        ),
        p_own_likes=small_counts(rng, n, 1.0),
    )
    originals = b.filter(kind == "original")
    parents = originals.select(parent_idx="share_idx", o_uri="p_uri", o_cid="p_cid")
    b = b.join(parents, on="parent_idx", how="left").sort("share_idx")
    ref = pl.struct(uri="o_uri", cid="o_cid")
    b = b.with_columns(
        p_embed=pl.when(kind == "original")
        .then(
            pl.struct(
                **{"$type": pl.lit("app.bsky.embed.external")},
                external="p_external",
                record=pl.lit(None, dtype=pl.Struct({"uri": pl.String, "cid": pl.String})),
            )
        )
        .when(kind == "quote")
        .then(
            pl.struct(
                **{"$type": pl.lit("app.bsky.embed.record")},
                external=pl.lit(None, dtype=b.schema["p_external"]),
                record=ref,
            )
        ),
        p_record_reply=pl.when(kind == "reply").then(pl.struct(root=ref, parent=ref)),
        actor_idx="account_idx",
    )
    return b


def _profiles_json(actors: pl.DataFrame) -> pl.DataFrame:
    profile = pl.struct(
        did="did",
        handle="handle",
        displayName="display_name",
        description="bio",
        avatar="avatar",
        createdAt="created_at",
        indexedAt="indexed_at",
        followersCount="followers",
        followsCount="following",
        postsCount="posts",
        labels=NO_LABELS,
    )
    return actors.with_columns(profile=json_text(profile, ["avatar"]))


def write_bluesky(
    rng: np.random.Generator,
    shares: pl.DataFrame,
    accounts: pl.DataFrame,
    counts: pl.DataFrame,
    seeds: pl.DataFrame,
    landing_dir: Path,
    rows_per_file: int,
    advance: Callable[[], None],
) -> dict[str, dict[str, int]]:
    items = _items(rng, shares, accounts)
    is_repost = pl.col("share_type") == "reshare"
    items = items.with_columns(
        head=pl.when(is_repost).then(None).otherwise(_post_head("p_")),
        reason=pl.when(is_repost).then(
            json_text(
                pl.struct(
                    **{"$type": pl.lit("app.bsky.feed.defs#reasonRepost")},
                    by=_basic("p_a_"),
                    indexedAt="p_created_at",
                ),
                OPTIONAL_KEYS,
            )
        ),
    ).select(
        "share_idx",
        "parent_idx",
        "share_type",
        "day",
        "shared_us",
        "actor_idx",
        "account_idx",
        "head",
        "reason",
        "p_created_at",
        "p_indexed_at",
        "p_own_likes",
    )
    own = counts_asof(items.select("share_idx", "day"), counts, seeds).select(
        "share_idx",
        "day",
        c_reposts="reshares",
        c_replies="replies",
        c_quotes="quotes",
        c_likes="likes",
    )
    parent = counts_asof(
        items.filter(pl.col("parent_idx").is_not_null())
        .select(share_idx="parent_idx", day="day")
        .unique(maintain_order=True),
        counts,
        seeds,
    ).select(
        parent_idx="share_idx",
        day="day",
        o_reposts="reshares",
        o_replies="replies",
        o_quotes="quotes",
        o_likes="likes",
    )
    heads = items.select(parent_idx="share_idx", o_head="head", o_indexed_at="p_indexed_at")
    original = pl.col("share_type") == "original"
    items = (
        items.join(own, on=["share_idx", "day"], how="left")
        .join(parent, on=["parent_idx", "day"], how="left")
        .join(heads, on="parent_idx", how="left")
        .with_columns(
            c_reposts=pl.when(original).then("c_reposts").otherwise(0),
            c_replies=pl.when(original).then("c_replies").otherwise(0),
            c_quotes=pl.when(original).then("c_quotes").otherwise(0),
            c_likes=pl.when(original).then("c_likes").otherwise("p_own_likes"),
        )
    )
    own_view = _post_view("head", "c_replies", "c_reposts", "c_likes", "c_quotes", "p_indexed_at")
    parent_view = _post_view(
        "o_head", "o_replies", "o_reposts", "o_likes", "o_quotes", "o_indexed_at"
    )
    is_reply = pl.col("share_type") == "reply"
    item = pl.concat_str(
        pl.lit('{"post":'),
        pl.when(is_repost).then(parent_view).otherwise(own_view),
        pl.when(is_repost)
        .then(pl.concat_str(pl.lit(',"reason":'), "reason"))
        .otherwise(pl.lit("")),
        pl.when(is_reply)
        .then(
            pl.concat_str(
                pl.lit(',"reply":{"root":'),
                parent_view,
                pl.lit(',"parent":'),
                parent_view,
                pl.lit("}"),
            )
        )
        .otherwise(pl.lit("")),
        pl.lit("}"),
    )
    # One author feed per actor and day: newest first, PAGE_SIZE items per response.
    items = (
        items.with_columns(item=item)
        .sort("day", "actor_idx", "shared_us", descending=[False, False, True])
        .with_columns(page=pl.int_range(pl.len()).over("day", "actor_idx") // PAGE_SIZE)
    )
    pages = items.group_by("day", "actor_idx", "page", maintain_order=True).agg(
        feed=join_json("item"), cursor=pl.last("p_created_at"), n=pl.len()
    )
    line = pl.concat_str(pl.lit('{"feed":'), "feed", pl.lit(',"cursor":"'), "cursor", pl.lit('"}'))
    lines = pages.select("day", line=line, file_no=file_numbers("n", rows_per_file).over("day"))
    feed = write_days(lines, landing_dir, "bluesky", "feed", advance)

    # Profiles of every actor in the day's feeds: reposters, authors, reposted authors.
    reposted_authors = items.filter(is_repost).join(
        shares.select(parent_idx="share_idx", reposted="account_idx"), on="parent_idx"
    )
    seen = (
        pl.concat(
            [
                items.select("day", "account_idx"),
                reposted_authors.select("day", account_idx="reposted"),
            ]
        )
        .unique()
        .sort("day", "account_idx")
    )
    profiles = seen.join(_actors(accounts), on="account_idx").with_columns(
        indexed_at=pl.col("day").dt.strftime("%Y-%m-%dT00:00:00.000Z")
    )
    profiles = (
        _profiles_json(profiles)
        .sort("day", "account_idx")
        .with_columns(call=pl.int_range(pl.len()).over("day") // PROFILES_PER_CALL)
    )
    calls = profiles.group_by("day", "call", maintain_order=True).agg(
        profiles=join_json("profile"), n=pl.len()
    )
    lines = calls.select(
        "day",
        line=pl.concat_str(pl.lit('{"profiles":'), "profiles", pl.lit("}")),
        file_no=file_numbers("n", rows_per_file).over("day"),
    )
    profile_files = write_days(lines, landing_dir, "bluesky", "profiles")
    return {
        "feed": {"files": feed[0], "rows": feed[1]},
        "profiles": {"files": profile_files[0], "rows": profile_files[1]},
    }
