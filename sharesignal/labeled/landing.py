"""A labeled set as the export a business would have: X API v2 `/2/tweets/search/recent`
response pages (`data` posts, `includes.users` their authors), one page per line.

Only what the dataset says is landed: a field it does not have is left out of the user
object, so the pipeline sees it as unknown (NULL), never as a guess. An account without posts
gets one, at the time its profile was observed, so the pipeline sees it as a sharer would be
seen. Every profile-only post has a text of its own, so no two accounts "co-post".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from sharesignal.generate.files import MS_FORMAT, join_json, json_text, write_lines
from sharesignal.generate.x_export import PAGE_SIZE
from sharesignal.labeled.readers import LabeledSet

PAGES_PER_FILE = 500
# What X's entity parser takes for a link in a tweet's text.
URL_PATTERN = r"https?://[^\s]+"
USER_OPTIONAL = (
    "name",
    "description",
    "location",
    "url",
    "profile_image_url",
    "verified",
    "protected",
    "created_at",
    "public_metrics",
)
METRICS = ("followers_count", "following_count", "tweet_count", "listed_count", "like_count")


def export_date(labeled: LabeledSet) -> date:
    """The date of the export: the day of its newest post (an account without posts is
    landed with one at the time its profile was observed), so the export is as fresh as what
    it holds."""
    return posts_to_land(labeled)["created_at"].max().date()


def posts_to_land(labeled: LabeledSet) -> pl.DataFrame:
    """The dataset's posts, plus one post at `observed_at` for every account that has none."""
    without = labeled.accounts.join(labeled.posts, on="account_id", how="anti").select(
        "account_id",
        post_id=pl.concat_str(pl.lit(f"{labeled.name}-"), "account_id"),
        created_at="observed_at",
        text=pl.concat_str(pl.lit(f"post of {labeled.name} account "), "account_id"),
    )
    return pl.concat([labeled.posts, without]).sort("created_at", "post_id")


def user_json(accounts: pl.DataFrame) -> pl.DataFrame:
    """Each account as an X API v2 User object (`account_id`, `user_json`)."""
    metrics = pl.struct(*METRICS)
    known_metrics = pl.any_horizontal(pl.col(m).is_not_null() for m in METRICS)
    user = pl.struct(
        id="account_id",
        username="username",
        name="name",
        created_at=pl.col("created_at").dt.strftime(MS_FORMAT),
        description="description",
        verified="verified",
        protected="protected",
        profile_image_url="profile_image_url",
        url="url",
        location="location",
        public_metrics=pl.when(known_metrics).then(metrics),
    )
    return accounts.select("account_id", user_json=json_text(user, USER_OPTIONAL))


def tweet_json(posts: pl.DataFrame, links: bool) -> pl.DataFrame:
    """Each post as an X API v2 Tweet with its link entities (`url` and `expanded_url` the
    link as written: the datasets do not say where shortened links led)."""
    link = pl.element()
    entity = pl.struct(url=link, expanded_url=link, display_url=link.str.replace(r"^https?://", ""))
    found = pl.col("text").str.extract_all(URL_PATTERN).list.eval(entity)
    with_urls = posts.with_columns(
        # an empty list is no entity: X leaves `urls` out
        urls=pl.when(links & (found.list.len() > 0)).then(found)
    )
    tweet = pl.struct(
        id="post_id",
        text="text",
        author_id="account_id",
        created_at=pl.col("created_at").dt.strftime(MS_FORMAT),
        entities=pl.when(pl.col("urls").is_not_null()).then(pl.struct("urls")),
    )
    return with_urls.select("post_id", "account_id", tweet_json=json_text(tweet, ["entities"]))


def land(labeled: LabeledSet, landing_dir: Path) -> tuple[date, int, int]:
    """Write `labeled` as X API v2 pages into `landing_dir/x/<export date>/`; returns the
    export date and the numbers of posts and pages written."""
    day = export_date(labeled)
    posts = tweet_json(posts_to_land(labeled), links=not labeled.links_anonymized)
    posts = posts.with_columns(page=pl.int_range(pl.len()) // PAGE_SIZE)
    users = user_json(labeled.accounts)
    authors = (
        posts.select("page", "account_id")
        .unique(maintain_order=True)
        .join(users, on="account_id", how="inner")
        .group_by("page", maintain_order=True)
        .agg(users=join_json("user_json"))
    )
    pages = (
        posts.group_by("page", maintain_order=True)
        .agg(data=join_json("tweet_json"), n=pl.len())
        .join(authors, on="page", how="left")
        .select(
            file_no=pl.col("page") // PAGES_PER_FILE + 1,
            line=pl.concat_str(
                pl.lit('{"data":'),
                "data",
                pl.lit(',"includes":{"users":'),
                "users",
                pl.lit('},"meta":{"result_count":'),
                pl.col("n").cast(pl.String),
                pl.lit("}}"),
            ),
        )
    )
    folder = landing_dir / "x" / day.isoformat()
    write_lines(pages, folder, f"labeled-{labeled.name}")
    return day, posts.height, pages.height
