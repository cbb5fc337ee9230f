"""X API v2 `/2/tweets/search/recent` response pages, one per line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from sharesignal.generate import ids
from sharesignal.generate.files import (
    file_numbers,
    join_json,
    json_text,
    open_object,
    ts,
    write_days,
)
from sharesignal.generate.shares import counts_asof
from sharesignal.generate.texts import display_url, small_counts

PAGE_SIZE = 100
DEFAULT_IMAGE = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
TCO_LENGTH = 23
OPTIONAL_TWEET_KEYS = ("referenced_tweets", "in_reply_to_user_id", "urls", "hashtags", "mentions")


def _users(accounts: pl.DataFrame) -> pl.DataFrame:
    """X users as JSON, one row per account (hidden accounts are missing from includes)."""
    x = accounts.filter(pl.col("platform") == "x", ~pl.col("hidden_on_x"))
    image = pl.concat_str(
        pl.lit("https://pbs.twimg.com/profile_images/"),
        pl.col("account_id").str.slice(0, 10),
        pl.lit("/"),
        pl.col("avatar_key"),
        pl.lit("_normal.jpg"),
    )
    user = pl.struct(
        id="account_id",
        username="username",
        name="display_name",
        created_at=ts("created_us", "%Y-%m-%dT%H:%M:%S.000Z"),
        description="bio",
        verified=pl.col("verified_type") != "none",
        verified_type="verified_type",
        protected=pl.lit(False),
        profile_image_url=pl.when("default_image").then(pl.lit(DEFAULT_IMAGE)).otherwise(image),
        url=pl.lit(""),
        location="location",
        public_metrics=pl.struct(
            followers_count="followers",
            following_count="following",
            tweet_count="posts",
            listed_count="listed",
            like_count="likes",
        ),
    )
    return x.select("account_idx", user_json=json_text(user, ["location"]))


def _tweets(rng: np.random.Generator, shares: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Every X share with its text and entities (metrics are added per export day)."""
    x = shares.filter(pl.col("platform") == "x")
    n = x.height
    x = x.join(
        accounts.select("account_idx", "username", source="app"), on="account_idx", how="left"
    ).with_columns(
        tco=pl.concat_str(pl.lit("https://t.co/"), ids.random_strings(rng, n, ids.BASE62, 10))
    )
    # The original's own text: comment, title, t.co link, campaign hashtag.
    head = pl.concat_str("comment", pl.lit(" "), "title", pl.lit(" "))
    url_start = head.str.len_chars()
    originals = x.filter(pl.col("share_type") == "original").with_columns(
        text=pl.concat_str(
            head,
            "tco",
            pl.when(pl.col("hashtag").is_not_null())
            .then(pl.concat_str(pl.lit(" #"), "hashtag"))
            .otherwise(pl.lit("")),
        ),
        url_start=url_start,
    )
    parent = originals.select(
        parent_idx="share_idx",
        p_id="post_id",
        p_text="text",
        p_username="username",
        p_author_id="account_id",
        p_url_start="url_start",
        p_tco="tco",
        p_link="link",
        p_hashtag="hashtag",
    )
    x = x.join(originals.select("share_idx", "text", "url_start"), on="share_idx", how="left")
    x = x.join(parent, on="parent_idx", how="left").sort("share_idx")
    kind = pl.col("share_type")
    rt_shift = pl.col("p_username").str.len_chars() + 6  # "RT @" + handle + ": "
    reply_head = pl.concat_str(pl.lit("@"), "p_username", pl.lit(" "))
    quote_url = pl.concat_str(
        pl.lit("https://twitter.com/"), "p_username", pl.lit("/status/"), "p_id"
    )
    x = x.with_columns(
        text=pl.when(kind == "original")
        .then("text")
        .when(kind == "reshare")
        .then(pl.concat_str(pl.lit("RT @"), "p_username", pl.lit(": "), "p_text"))
        .when(kind == "quote")
        .then(pl.concat_str("comment", pl.lit(" "), "tco"))
        .otherwise(pl.concat_str(reply_head, "comment")),
        url_start=pl.when(kind == "original")
        .then("url_start")
        .when(kind == "reshare")
        .then(pl.col("p_url_start") + rt_shift)
        .when(kind == "quote")
        .then(pl.col("comment").str.len_chars() + 1),
        url=pl.when(kind == "reshare").then("p_tco").otherwise("tco"),
        expanded=pl.when(kind == "original")
        .then("link")
        .when(kind == "reshare")
        .then("p_link")
        .when(kind == "quote")
        .then(quote_url),
        tag=pl.when(kind == "original").then("hashtag").when(kind == "reshare").then("p_hashtag"),
    )
    url_entity = pl.struct(
        start="url_start",
        end=pl.col("url_start") + TCO_LENGTH,
        url="url",
        expanded_url="expanded",
        display_url=display_url(pl.col("expanded")),
    )
    tag_start = pl.col("url_start") + TCO_LENGTH + 1
    tag_entity = pl.struct(
        start=tag_start, end=tag_start + 1 + pl.col("tag").str.len_chars(), tag="tag"
    )
    mention_start = pl.when(kind == "reshare").then(3).otherwise(0)
    mention = pl.struct(
        start=mention_start,
        end=mention_start + 1 + pl.col("p_username").str.len_chars(),
        username="p_username",
        id="p_author_id",
    )
    ref_type = (
        pl.when(kind == "reshare")
        .then(pl.lit("retweeted"))
        .when(kind == "quote")
        .then(pl.lit("quoted"))
        .when(kind == "reply")
        .then(pl.lit("replied_to"))
    )
    return x.select(
        "share_idx",
        "parent_idx",
        "account_idx",
        "day",
        "shared_us",
        "share_type",
        id="post_id",
        text="text",
        author_id="account_id",
        created_at=ts("shared_us"),
        conversation_id=pl.when(kind == "reply").then("p_id").otherwise("post_id"),
        source="source",
        referenced_tweets=pl.when(kind != "original").then(
            pl.concat_list(pl.struct(type=ref_type, id="p_id"))
        ),
        in_reply_to_user_id=pl.when(kind == "reply").then("p_author_id"),
        urls=pl.when(pl.col("expanded").is_not_null()).then(pl.concat_list(url_entity)),
        hashtags=pl.when(pl.col("tag").is_not_null()).then(pl.concat_list(tag_entity)),
        mentions=pl.when(kind.is_in(["reshare", "reply"])).then(pl.concat_list(mention)),
        own_likes=pl.when(kind.is_in(["quote", "reply"]))
        .then(small_counts(rng, n, 1.2))
        .otherwise(0),
    )


def _tweet_head() -> pl.Expr:
    """The tweet's JSON without public metrics (which change from day to day)."""
    tweet = pl.struct(
        "id",
        "text",
        "author_id",
        "created_at",
        "conversation_id",
        lang=pl.lit("en"),
        source="source",
        referenced_tweets="referenced_tweets",
        in_reply_to_user_id="in_reply_to_user_id",
        entities=pl.struct("urls", "hashtags", "mentions"),
    )
    return open_object(json_text(tweet, OPTIONAL_TWEET_KEYS))


def _tweet_json(head: str, kind: pl.Expr) -> pl.Expr:
    """Head plus public metrics as of the export day. A retweet shows its original's
    retweet count; quotes and replies have a few likes of their own."""
    original = kind == "original"
    metrics = pl.concat_str(
        pl.lit(',"public_metrics":{"retweet_count":'),
        pl.when(original | (kind == "reshare")).then("reshares").otherwise(0).cast(pl.String),
        pl.lit(',"reply_count":'),
        pl.when(original).then("replies").otherwise(0).cast(pl.String),
        pl.lit(',"like_count":'),
        pl.when(original).then("likes").otherwise("own_likes").cast(pl.String),
        pl.lit(',"quote_count":'),
        pl.when(original).then("quotes").otherwise(0).cast(pl.String),
        pl.lit("}}"),
    )
    return pl.concat_str(head, metrics)


def _asof(rows: pl.DataFrame, key: str, counts: pl.DataFrame, seeds: pl.DataFrame) -> pl.DataFrame:
    """Attach the counts of share `key` as of each row's day."""
    lookup = rows.select(share_idx=pl.col(key), day="day").unique(maintain_order=True)
    metrics = counts_asof(lookup, counts, seeds).select(
        pl.col("share_idx").alias(key), "day", "reshares", "quotes", "replies", "likes"
    )
    return rows.join(metrics, on=[key, "day"], how="left")


def write_x(
    rng: np.random.Generator,
    shares: pl.DataFrame,
    accounts: pl.DataFrame,
    counts: pl.DataFrame,
    seeds: pl.DataFrame,
    landing_dir: Path,
    rows_per_file: int,
    advance: Callable[[], None],
) -> dict[str, int]:
    tweets = _tweets(rng, shares, accounts).with_columns(head=_tweet_head())
    users = _users(accounts)
    parent_author = shares.select(parent_idx="share_idx", parent_account_idx="account_idx")
    data = tweets.select(
        "share_idx",
        "parent_idx",
        "account_idx",
        "day",
        "shared_us",
        "share_type",
        "id",
        "head",
        "own_likes",
    ).join(parent_author, on="parent_idx", how="left")
    # Search returns newest first, PAGE_SIZE tweets per page.
    data = data.sort("day", "shared_us", "id", descending=[False, True, True]).with_columns(
        page=pl.int_range(pl.len()).over("day") // PAGE_SIZE
    )
    metric_key = (
        pl.when(pl.col("share_type") == "reshare").then("parent_idx").otherwise("share_idx")
    )
    data = _asof(data.with_columns(metric_key=metric_key), "metric_key", counts, seeds)
    data = data.sort("day", "page", "shared_us", "id", descending=[False, False, True, True])
    data = data.with_columns(tweet_json=_tweet_json("head", pl.col("share_type")))
    pages = data.group_by("day", "page", maintain_order=True).agg(
        data=join_json("tweet_json"),
        result_count=pl.len(),
        newest_id=pl.first("id"),
        oldest_id=pl.last("id"),
    )
    # Referenced originals go in includes.tweets, with metrics as of the page's day.
    referenced = (
        data.filter(pl.col("parent_idx").is_not_null())
        .select("day", "page", share_idx="parent_idx")
        .unique(maintain_order=True)
        .join(tweets.select("share_idx", "head", "own_likes"), on="share_idx", how="inner")
    )
    referenced = _asof(referenced, "share_idx", counts, seeds).sort("day", "page", "share_idx")
    included = (
        referenced.with_columns(tweet_json=_tweet_json("head", pl.lit("original")))
        .group_by("day", "page", maintain_order=True)
        .agg(tweets=join_json("tweet_json"))
    )
    # includes.users: authors on the page and the authors they reference.
    people = pl.concat(
        [
            data.select("day", "page", "account_idx"),
            data.filter(pl.col("parent_account_idx").is_not_null()).select(
                "day", "page", account_idx="parent_account_idx"
            ),
        ]
    ).unique(maintain_order=True)
    user_pages = (
        people.join(users, on="account_idx", how="inner")
        .sort("day", "page", "account_idx")
        .group_by("day", "page", maintain_order=True)
        .agg(users=join_json("user_json"))
    )
    pages = (
        pages.join(included, on=["day", "page"], how="left")
        .join(user_pages, on=["day", "page"], how="left")
        .sort("day", "page")
    )
    tokens = ids.random_strings(rng, pages.height, "0123456789abcdefghijklmnopqrstuvwxyz", 45)
    last_page = pl.col("page") == pl.col("page").max().over("day")
    meta = pl.struct(
        "result_count",
        "newest_id",
        "oldest_id",
        next_token=pl.when(~last_page).then(pl.lit(tokens)),
    )
    line = pl.concat_str(
        pl.lit('{"data":'),
        "data",
        pl.lit(',"includes":{"users":'),
        pl.col("users").fill_null("[]"),
        pl.when(pl.col("tweets").is_not_null())
        .then(pl.concat_str(pl.lit(',"tweets":'), "tweets"))
        .otherwise(pl.lit("")),
        pl.lit('},"meta":'),
        json_text(meta, ["next_token"]),
        pl.lit("}"),
    )
    lines = pages.select(
        "day", line=line, file_no=file_numbers("result_count", rows_per_file).over("day")
    )
    files, rows = write_days(lines, landing_dir, "x", "posts", advance)
    return {"files": files, "rows": rows}
