"""Mastodon timeline pages (`GET /api/v1/timelines/...`): a JSON array of statuses per line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from sharesignal.generate import vocab
from sharesignal.generate.files import (
    file_numbers,
    join_json,
    members,
    open_object,
    ts,
    write_days,
)
from sharesignal.generate.shares import counts_asof
from sharesignal.generate.texts import small_counts

PAGE_SIZE = 40
MENTION = pl.Struct({"id": pl.String, "username": pl.String, "url": pl.String, "acct": pl.String})
TAG = pl.Struct({"name": pl.String, "url": pl.String})


def empty(inner: pl.DataType) -> pl.Expr:
    """An empty JSON array of the given item type, in every row."""
    return pl.lit(pl.Series([[]], dtype=pl.List(inner))).first()


def _accounts(accounts: pl.DataFrame) -> pl.DataFrame:
    m = accounts.filter(pl.col("platform") == "mastodon")
    home = pl.concat_str(pl.lit("https://"), "instance")
    avatar = pl.concat_str(
        home, pl.lit("/system/accounts/avatars/"), "avatar_key", pl.lit("/original/avatar.png")
    )
    return m.select(
        "account_idx",
        a_id="account_id",
        a_username="username",
        a_acct="handle",
        a_display_name="display_name",
        a_bot="mastodon_declares_bot",
        a_created_at=ts("created_us", "%Y-%m-%dT00:00:00.000Z"),
        a_note=pl.when(pl.col("bio") == "")
        .then(pl.lit(""))
        .otherwise(pl.concat_str(pl.lit("<p>"), "bio", pl.lit("</p>"))),
        a_url=pl.concat_str(home, pl.lit("/@"), "username"),
        a_avatar=pl.when("default_image")
        .then(pl.concat_str(home, pl.lit("/avatars/original/missing.png")))
        .otherwise(avatar),
        a_header=pl.concat_str(home, pl.lit("/headers/original/missing.png")),
        a_followers="followers",
        a_following="following",
        a_statuses="posts",
        a_instance="instance",
        a_app="app",
        a_automated="automated_client",
    )


def _account_struct(prefix: str, last_status_at: pl.Expr) -> pl.Expr:
    c = lambda name: pl.col(f"{prefix}{name}")  # noqa: E731
    return pl.struct(
        id=c("id"),
        username=c("username"),
        acct=c("acct"),
        display_name=c("display_name"),
        locked=pl.lit(False),
        bot=c("bot"),
        discoverable=pl.lit(True),
        group=pl.lit(False),
        created_at=c("created_at"),
        note=c("note"),
        url=c("url"),
        avatar=c("avatar"),
        avatar_static=c("avatar"),
        header=c("header"),
        header_static=c("header"),
        followers_count=c("followers"),
        following_count=c("following"),
        statuses_count=c("statuses"),
        last_status_at=last_status_at,
    )


def _status_head(prefix: str) -> pl.Expr:
    """A Status from columns named `<prefix><field>`, as JSON without its closing brace
    and without `reblog` and the counts (those depend on the export day)."""
    c = lambda name: pl.col(f"{prefix}{name}")  # noqa: E731
    status = pl.struct(
        id=c("id"),
        created_at=c("created_at"),
        in_reply_to_id=c("in_reply_to_id"),
        in_reply_to_account_id=c("in_reply_to_account_id"),
        sensitive=pl.lit(False),
        spoiler_text=pl.lit(""),
        visibility=pl.lit("public"),
        language=pl.lit("en"),
        uri=c("uri"),
        url=c("url"),
        edited_at=pl.lit(None, dtype=pl.String),
        content=c("content"),
        application=pl.when(c("a_automated") | (c("app_pick") < 0.5))
        .then(pl.struct(name=c("app_name"), website=c("app_site")))
        .otherwise(None),
        account=_account_struct(f"{prefix}a_", c("created_at").str.slice(0, 10)),
        media_attachments=empty(pl.String),
        mentions=c("mentions"),
        tags=c("tags"),
        card=c("card"),
    )
    return open_object(status.struct.json_encode())


def _counts(reblogs: str, replies: str, likes: str) -> pl.Expr:
    return members(
        replies_count=pl.col(replies), reblogs_count=pl.col(reblogs), favourites_count=pl.col(likes)
    )


def _statuses(
    rng: np.random.Generator, shares: pl.DataFrame, accounts: pl.DataFrame
) -> pl.DataFrame:
    m = shares.filter(pl.col("platform") == "mastodon").join(
        _accounts(accounts), on="account_idx", how="left"
    )
    n = m.height
    kind = pl.col("share_type")
    status_url = pl.concat_str("a_url", pl.lit("/"), "post_id")
    status_uri = pl.concat_str(
        pl.lit("https://"),
        "a_instance",
        pl.lit("/users/"),
        "a_username",
        pl.lit("/statuses/"),
        "post_id",
    )
    link = pl.col("link")
    # Mastodon writes the link into the HTML with its query's & escaped.
    href = link.str.replace_all("&", "&amp;", literal=True)
    bare = link.str.replace(r"^https?://", "")
    anchor = pl.concat_str(
        pl.lit('<a href="'),
        href,
        pl.lit(
            '" target="_blank" rel="nofollow noopener" translate="no">'
            '<span class="invisible">https://</span><span class="ellipsis">'
        ),
        bare.str.slice(0, 30).str.replace_all("&", "&amp;", literal=True),
        pl.lit('</span><span class="invisible">'),
        bare.str.slice(30).str.replace_all("&", "&amp;", literal=True),
        pl.lit("</span></a>"),
    )
    tag_html = (
        pl.when(pl.col("hashtag").is_not_null())
        .then(
            pl.concat_str(
                pl.lit(f' <a href="https://{vocab.MASTODON_HOME}/tags/'),
                "hashtag",
                pl.lit('" class="mention hashtag" rel="tag">#<span>'),
                "hashtag",
                pl.lit("</span></a>"),
            )
        )
        .otherwise(pl.lit(""))
    )
    m = m.with_columns(
        s_id="post_id",
        s_created_at=ts("shared_us"),
        s_uri=pl.when(kind == "reshare")
        .then(pl.concat_str(status_uri, pl.lit("/activity")))
        .otherwise(status_uri),
        s_url=pl.when(kind == "reshare")
        .then(pl.concat_str(status_uri, pl.lit("/activity")))
        .otherwise(status_url),
        s_original_content=pl.concat_str(
            pl.lit("<p>"),
            "comment",
            pl.lit(" "),
            "title",
            pl.lit(" "),
            anchor,
            tag_html,
            pl.lit("</p>"),
        ),
        s_card=pl.when(pl.Series(rng.random(n) < 0.9)).then(
            pl.struct(
                url="link",
                title="title",
                description=pl.concat_str(pl.lit(f"{vocab.BRAND}: "), "title"),
                type=pl.lit("link"),
            )
        ),
        s_tags=pl.when(pl.col("hashtag").is_not_null()).then(
            pl.concat_list(
                pl.struct(
                    name=pl.col("hashtag").str.to_lowercase(),
                    url=pl.concat_str(
                        pl.lit(f"https://{vocab.MASTODON_HOME}/tags/"),
                        pl.col("hashtag").str.to_lowercase(),
                    ),
                )
            )
        ),
        s_app_pick=pl.Series(rng.random(n)),
        s_app_name=pl.when("a_automated")
        .then("a_app")
        .otherwise(pl.lit(vocab.MASTODON_APPS[0][0])),
        s_app_site=pl.when("a_automated")
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.lit(vocab.MASTODON_APPS[0][1])),
        s_own_likes=small_counts(rng, n, 1.0),
    ).rename({c: f"s_{c}" for c in _accounts(accounts.head(1)).columns if c.startswith("a_")})
    originals = m.filter(kind == "original")
    parent_cols = [c for c in m.columns if c.startswith("s_")]
    parents = originals.select(
        pl.col("share_idx").alias("parent_idx"),
        *[pl.col(c).alias("o_" + c[2:]) for c in parent_cols],
    )
    m = m.join(parents, on="parent_idx", how="left").sort("share_idx")
    mention = pl.struct(id="o_a_id", username="o_a_username", url="o_a_url", acct="o_a_acct")
    reply_content = pl.concat_str(
        pl.lit('<p><span class="h-card" translate="no"><a href="'),
        "o_a_url",
        pl.lit('" class="u-url mention">@<span>'),
        "o_a_username",
        pl.lit("</span></a></span> "),
        "comment",
        pl.lit("</p>"),
    )
    return m.with_columns(
        s_content=pl.when(kind == "original")
        .then("s_original_content")
        .when(kind == "reply")
        .then(reply_content)
        .otherwise(pl.lit("")),
        s_in_reply_to_id=pl.when(kind == "reply").then("o_id"),
        s_in_reply_to_account_id=pl.when(kind == "reply").then("o_a_id"),
        s_mentions=pl.when(kind == "reply").then(pl.concat_list(mention)).otherwise(empty(MENTION)),
        s_tags=pl.when(kind == "original").then("s_tags"),
        s_card=pl.when(kind == "original").then("s_card"),
        o_in_reply_to_id=pl.lit(None, dtype=pl.String),
        o_in_reply_to_account_id=pl.lit(None, dtype=pl.String),
        o_content="o_original_content",
        o_mentions=empty(MENTION),
    ).with_columns(
        s_tags=pl.col("s_tags").fill_null(empty(TAG)),
    )


def write_mastodon(
    rng: np.random.Generator,
    shares: pl.DataFrame,
    accounts: pl.DataFrame,
    counts: pl.DataFrame,
    seeds: pl.DataFrame,
    landing_dir: Path,
    rows_per_file: int,
    advance: Callable[[], None],
) -> dict[str, int]:
    statuses = _statuses(rng, shares, accounts).with_columns(head=_status_head("s_"))
    statuses = statuses.select(
        "share_idx",
        "parent_idx",
        "share_type",
        "day",
        "shared_us",
        "post_id",
        "head",
        "s_own_likes",
    )
    own = counts_asof(statuses.select("share_idx", "day"), counts, seeds).select(
        "share_idx", "day", s_reblogs="reshares", s_replies="replies", s_likes="likes"
    )
    parent_rows = statuses.filter(pl.col("parent_idx").is_not_null())
    parent = counts_asof(
        parent_rows.select(share_idx="parent_idx", day="day").unique(maintain_order=True),
        counts,
        seeds,
    ).select(
        parent_idx="share_idx",
        day="day",
        o_reblogs="reshares",
        o_replies="replies",
        o_likes="likes",
    )
    heads = statuses.select(parent_idx="share_idx", o_head="head")
    statuses = (
        statuses.join(own, on=["share_idx", "day"], how="left")
        .join(parent, on=["parent_idx", "day"], how="left")
        .join(heads, on="parent_idx", how="left")
    )
    kind = pl.col("share_type")
    original = kind == "original"
    statuses = statuses.with_columns(
        s_reblogs=pl.when(original).then("s_reblogs").otherwise(0),
        s_replies=pl.when(original).then("s_replies").otherwise(0),
        s_likes=pl.when(original)
        .then("s_likes")
        .when(kind == "reply")
        .then("s_own_likes")
        .otherwise(0),
    )
    # A reblog wraps the full original status, with the original's counts of that day.
    reblog = (
        pl.when(kind == "reshare")
        .then(
            pl.concat_str(
                "o_head",
                pl.lit(',"reblog":null'),
                _counts("o_reblogs", "o_replies", "o_likes"),
                pl.lit("}"),
            )
        )
        .otherwise(pl.lit("null"))
    )
    statuses = statuses.with_columns(
        status=pl.concat_str(
            "head",
            pl.lit(',"reblog":'),
            reblog,
            _counts("s_reblogs", "s_replies", "s_likes"),
            pl.lit("}"),
        )
    )
    # Timeline pages: newest first, PAGE_SIZE statuses each.
    statuses = statuses.sort(
        "day", "shared_us", "post_id", descending=[False, True, True]
    ).with_columns(page=pl.int_range(pl.len()).over("day") // PAGE_SIZE)
    pages = statuses.group_by("day", "page", maintain_order=True).agg(
        line=join_json("status"), n=pl.len()
    )
    lines = pages.select("day", "line", file_no=file_numbers("n", rows_per_file).over("day"))
    files, rows = write_days(lines, landing_dir, "mastodon", "statuses", advance)
    return {"files": files, "rows": rows}
