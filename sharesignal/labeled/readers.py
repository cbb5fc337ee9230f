"""Readers for public labeled bot / person datasets of X accounts.

Each reader turns one dataset's files into a `LabeledSet`: one row per account with the
profile an X API v2 user lookup would give (`ACCOUNT_SCHEMA`, NULL where the dataset does
not say) and, where the dataset has them, the account's posts (`POST_SCHEMA`). What a reader
drops or changes is listed in the set's `notes`, with counts; the caveats behind each choice
are the datasets' own (their SOURCES.md).

A dataset is recognised by its files, so the folder may have any name:

| dataset | recognised by | what it holds |
|---|---|---|
| cresci2017 | genuine_users.csv | v1.1 profiles: genuine, social and traditional spambots |
| botwiki_verified2019 | botwiki-2019.tsv | v1.1 profiles: self-declared bots, verified people |
| caverlee2011 | content_polluters.csv | counts and lengths, up to 5 tweets per account |
| bot_or_not | dataset.bots.*.txt | names and bios, 2 days of posts (synthetic bots) |
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

UTC_TIME = pl.Datetime("us", "UTC")

ACCOUNT_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "is_bot": pl.Boolean(),
    # the class the dataset's files give the account: "genuine", "social spambots #1", …
    "kind": pl.String(),
    "username": pl.String(),
    "name": pl.String(),
    "description": pl.String(),
    "location": pl.String(),
    "url": pl.String(),
    "profile_image_url": pl.String(),
    "verified": pl.Boolean(),
    "protected": pl.Boolean(),
    "created_at": UTC_TIME,
    # when the profile (and its counts) was observed: the crawl, or the status it came with
    "observed_at": UTC_TIME,
    "followers_count": pl.Int64(),
    "following_count": pl.Int64(),
    "tweet_count": pl.Int64(),
    "listed_count": pl.Int64(),
    "like_count": pl.Int64(),
}

POST_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "post_id": pl.String(),
    "created_at": UTC_TIME,
    "text": pl.String(),
}


@dataclass(frozen=True)
class LabeledSet:
    name: str
    accounts: pl.DataFrame
    # Empty for a profile-only dataset: the landing then gives each account one post at the
    # time its profile was observed, which is how the pipeline sees an account.
    posts: pl.DataFrame
    # Signals whose landed value the landing had to make up (X requires a username): they
    # say nothing about the account, so fitting leaves them out for this set.
    constructed: tuple[str, ...] = ()
    # Links in the posts were replaced by one placeholder: no link entities are landed.
    links_anonymized: bool = False
    notes: tuple[str, ...] = ()

    @property
    def bots(self) -> int:
        return int(self.accounts["is_bot"].sum())

    @property
    def people(self) -> int:
        return self.accounts.height - self.bots


class NotALabeledDataset(ValueError):
    """The folder holds none of the datasets the readers know."""


def read_dataset(folder: Path) -> LabeledSet:
    """The labeled set in `folder`, recognised by its files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotALabeledDataset(f"{folder} is not a folder")
    for marker, reader in READERS.items():
        if any(folder.glob(marker)):
            return reader(folder)
    if (folder / "user based classification.csv").exists():
        raise NotALabeledDataset(
            f"{folder} holds cresci-stock-2018's derived feature table, not profiles: it "
            "cannot be landed as exports (no names, bios or dates), so it is not read"
        )
    raise NotALabeledDataset(
        f"{folder} holds no dataset the readers know; expected one of: "
        + ", ".join(
            f"{marker} ({reader.__name__.removeprefix('read_')})"
            for marker, reader in READERS.items()
        )
    )


# ---------------------------------------------------------------- shared pieces


def _typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame` with exactly `schema`'s columns, in order; missing ones NULL."""
    return frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    )


def _csv(path: Path) -> pl.DataFrame:
    # Every column as text: the files mix "NULL", empty fields and numbers.
    return pl.read_csv(path, infer_schema=False, null_values=["NULL"], encoding="utf8-lossy")


def _twitter_time(column: str) -> pl.Expr:
    """v1.1 `created_at` ("Tue Jun 11 11:20:35 +0000 2013") as UTC."""
    return (
        pl.col(column)
        .str.strptime(pl.Datetime("us", "UTC"), "%a %b %d %H:%M:%S %z %Y", strict=False)
        .dt.convert_time_zone("UTC")
    )


def _plain_time(column: str) -> pl.Expr:
    """ "2015-05-02 06:41:46", a crawl time, read as UTC."""
    return (
        pl.col(column)
        .str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
        .dt.replace_time_zone("UTC")
    )


def _flag(column: str) -> pl.Expr:
    """A v1.1 boolean column of a CSV: "1" (or "True") is true, empty is false."""
    return pl.col(column).str.to_lowercase().is_in(["1", "true"]).fill_null(False)


def _count(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False).cast(pl.Int64)


# ---------------------------------------------------------------- cresci-2017

CRESCI_FILES: dict[str, tuple[bool, str]] = {
    "genuine_users.csv": (False, "genuine"),
    "social_spambot_users_1.csv": (True, "social spambots #1"),
    "social_spambot_users_2.csv": (True, "social spambots #2"),
    "social_spambot_users_3.csv": (True, "social spambots #3"),
    "spambots_1.csv": (True, "traditional spambots #1"),
    "spambots_2.csv": (True, "traditional spambots #2"),
    "spambots_3.csv": (True, "traditional spambots #3"),
    "spambots_4.csv": (True, "traditional spambots #4"),
}


def read_cresci2017(folder: Path) -> LabeledSet:
    """Cresci et al. 2017: v1.1 profiles, no tweets. The profile was observed when crawled
    (`crawled_at`), so account age and rates are measured to then, as the pipeline measures
    them to a share; the crawl dates differ by file, which the age carries (docs/trust.md)."""
    frames = []
    for file, (is_bot, kind) in CRESCI_FILES.items():
        path = folder / file
        if path.exists():
            frames.append(_csv(path).with_columns(is_bot=pl.lit(is_bot), kind=pl.lit(kind)))
    raw = pl.concat(frames, how="diagonal_relaxed")
    # Traditional spambots #1 give creation as epoch milliseconds with a trailing "L".
    epoch_ms = pl.col("created_at").str.strip_suffix("L").cast(pl.Int64, strict=False)
    accounts = raw.select(
        account_id="id",
        is_bot="is_bot",
        kind="kind",
        username="screen_name",
        name="name",
        description=pl.col("description").fill_null(""),
        location="location",
        url="url",
        profile_image_url="profile_image_url",
        verified=_flag("verified"),
        protected=_flag("protected"),
        created_at=pl.coalesce(
            _twitter_time("created_at"),
            pl.from_epoch(epoch_ms, time_unit="ms").dt.replace_time_zone("UTC"),
        ),
        observed_at=_plain_time("crawled_at"),
        followers_count=_count("followers_count"),
        following_count=_count("friends_count"),
        tweet_count=_count("statuses_count"),
        listed_count=_count("listed_count"),
        like_count=_count("favourites_count"),
    ).unique("account_id", keep="first", maintain_order=True)
    return LabeledSet(
        name="cresci2017",
        accounts=_typed(accounts, ACCOUNT_SCHEMA),
        posts=pl.DataFrame(schema=POST_SCHEMA),
        notes=(
            f"{len(frames)} of {len(CRESCI_FILES)} account files read; profiles only (no "
            "tweets): each account is landed with one post at its crawl time",
            "the crawl-time columns are not used: age and rates are measured to the crawl",
        ),
    )


# ---------------------------------------------------------------- botwiki-2019 + verified-2019


def _botwiki_users(path: Path, labels: pl.DataFrame) -> pl.DataFrame:
    records = json.loads(path.read_text(encoding="utf-8"))
    users = pl.DataFrame(
        [
            {
                "account_id": r["user"]["id_str"],
                "status_created_at": r["created_at"],
                **{
                    key: r["user"].get(key)
                    for key in (
                        "screen_name",
                        "name",
                        "description",
                        "location",
                        "url",
                        "profile_image_url_https",
                        "protected",
                        "created_at",
                        "followers_count",
                        "friends_count",
                        "statuses_count",
                        "listed_count",
                        "favourites_count",
                    )
                },
            }
            for r in records
        ],
        infer_schema_length=None,
    )
    return users.join(labels, on="account_id", how="inner")


def read_botwiki_verified2019(folder: Path) -> LabeledSet:
    """Yang et al. 2020's botwiki-2019 (self-declared bots) and verified-2019 (people): v1.1
    user objects, each with the time of one status, when the profile was observed.

    `verified` is not landed: verified-2019 was made of verified accounts (1,971 of its
    people are, 1 bot is), so here it says how the set was built, not who is a bot."""
    frames, missing = [], 0
    for stem, label in (("botwiki-2019", "bot"), ("verified-2019", "human")):
        labels = pl.read_csv(
            folder / f"{stem}.tsv",
            separator="\t",
            has_header=False,
            new_columns=["account_id", "label"],
            schema_overrides={"account_id": pl.String, "label": pl.String},
        ).filter(pl.col("label") == label)
        users = _botwiki_users(folder / f"{stem}_tweets.json", labels)
        missing += labels.height - users.height
        frames.append(
            users.with_columns(
                is_bot=pl.lit(label == "bot"),
                kind=pl.lit("self-declared bots" if label == "bot" else "verified people"),
            )
        )
    raw = pl.concat(frames, how="diagonal_relaxed")
    accounts = raw.select(
        "account_id",
        "is_bot",
        "kind",
        username="screen_name",
        name="name",
        description=pl.col("description").fill_null(""),
        location="location",
        url="url",
        profile_image_url="profile_image_url_https",
        protected="protected",
        created_at=_twitter_time("created_at"),
        observed_at=_twitter_time("status_created_at"),
        followers_count="followers_count",
        following_count="friends_count",
        tweet_count="statuses_count",
        listed_count="listed_count",
        like_count="favourites_count",
    ).unique("account_id", keep="first", maintain_order=True)
    return LabeledSet(
        name="botwiki_verified2019",
        accounts=_typed(accounts, ACCOUNT_SCHEMA),
        posts=pl.DataFrame(schema=POST_SCHEMA),
        notes=(
            f"{missing} labelled ids have no user object and are left out",
            "`verified` is not landed: the people were chosen for being verified",
            "profiles only: each account is landed with one post at its status's time",
        ),
    )


# ---------------------------------------------------------------- caverlee-2011 honeypot


def _letters(column: str, length: str) -> pl.Expr:
    """A handle of the dataset's screen-name length with no digits (the dataset keeps only
    the length): the id's digits spelled as letters, padded with "x"."""
    spelled = pl.col(column)
    for digit, letter in zip("0123456789", "abcdefghij", strict=True):
        spelled = spelled.str.replace_all(digit, letter, literal=True)
    n = pl.col(length).cast(pl.Int64, strict=False).fill_null(8).clip(1, 15)
    return spelled.str.pad_end(15, "x").str.slice(0, n)


def read_caverlee2011(folder: Path) -> LabeledSet:
    """Lee, Eoff and Caverlee 2011: content polluters and legitimate users caught by social
    honeypots. Profiles are counts and lengths as of collection, with up to 5 tweets each.

    X requires a username: the dataset keeps only its length, so the landed handle has that
    length and no digits (handle digits are `constructed`), and the bio is that many "x".
    The 44 ids in both classes are left out."""
    classes = []
    for file, is_bot, kind in (
        ("content_polluters.csv", True, "content polluters"),
        ("legitimate_users.csv", False, "legitimate users"),
    ):
        classes.append(_csv(folder / file).with_columns(is_bot=pl.lit(is_bot), kind=pl.lit(kind)))
    raw = pl.concat(classes)
    both = raw.group_by("UserID").agg(pl.col("is_bot").n_unique()).filter(pl.col("is_bot") > 1)
    raw = raw.join(both.select("UserID"), on="UserID", how="anti")
    accounts = raw.select(
        account_id="UserID",
        is_bot="is_bot",
        kind="kind",
        username=_letters("UserID", "LengthOfScreenName"),
        description=pl.lit("x")
        .repeat_by(
            pl.col("LengthOfDescriptionInUserProfile").cast(pl.Int64, strict=False).fill_null(0)
        )
        .list.join(""),
        created_at=_plain_time("CreatedAt"),
        observed_at=_plain_time("CollectedAt"),
        followers_count=_count("NumberOfFollowers"),
        following_count=_count("NumerOfFollowings"),
        tweet_count=_count("NumberOfTweets"),
    ).unique("account_id", keep="first", maintain_order=True)
    tweets = pl.concat(
        [
            _csv(folder / "polluter_tweets.csv"),
            _csv(folder / "legitimate_tweets.csv"),
        ]
    ).join(accounts.select(user_id="account_id"), on="user_id", how="semi")
    # Tweets carry no id: the account's id and the tweet's place in the file.
    posts = tweets.select(
        account_id="user_id",
        post_id=pl.concat_str(
            "user_id", pl.lit("-"), pl.int_range(pl.len()).over("user_id").cast(pl.String)
        ),
        created_at=_plain_time("time"),
        text=pl.col("tweet").fill_null(""),
    )
    return LabeledSet(
        name="caverlee2011",
        accounts=_typed(accounts, ACCOUNT_SCHEMA),
        posts=_typed(posts, POST_SCHEMA),
        constructed=("handle_digit_count",),
        notes=(
            f"{both.height} ids in both classes left out",
            "handles are made up with the dataset's screen-name length and no digits; bios "
            "are that many 'x' (the dataset keeps lengths only)",
            f"{posts.height:,} tweets of {posts['account_id'].n_unique():,} accounts, landed "
            "as original posts (no tweet ids, no retweet references in the dataset)",
        ),
    )


# ---------------------------------------------------------------- McHacks "Bot or Not"


def read_bot_or_not(folder: Path) -> LabeledSet:
    """The McHacks "Bot or Not" practice sets: names, bios and two days of posts, no counts
    and no creation dates (synthetic bots). Posts after the sets' window are left out: only
    bots have them, an artefact of how the challenge data was made, not behaviour."""
    accounts, posts, outside = [], [], 0
    for bots_file in sorted(folder.glob("dataset.bots.*.txt")):
        number = bots_file.name.split(".")[2]
        data = json.loads((folder / f"dataset.posts_users.{number}.json").read_text("utf-8"))
        bots = set(bots_file.read_text("utf-8").split())
        start = data["metadata"]["start_time"]
        end = data["metadata"]["end_time"]
        users = pl.DataFrame(data["users"], infer_schema_length=None).select(
            account_id="id",
            is_bot=pl.col("id").is_in(list(bots)),
            username="username",
            name="name",
            description=pl.col("description").fill_null(""),
            location="location",
            observed_at=pl.lit(end).str.to_datetime(time_zone="UTC"),
        )
        accounts.append(
            users.with_columns(
                kind=pl.when("is_bot")
                .then(pl.lit(f"synthetic bots (set {number}, {data['lang']})"))
                .otherwise(pl.lit(f"people (set {number}, {data['lang']})"))
            )
        )
        set_posts = pl.DataFrame(data["posts"], infer_schema_length=None).select(
            account_id="author_id",
            post_id="id",
            created_at=pl.col("created_at").str.to_datetime(time_zone="UTC"),
            text="text",
        )
        inside = set_posts["created_at"].is_between(
            pl.Series([start]).str.to_datetime(time_zone="UTC")[0],
            pl.Series([end]).str.to_datetime(time_zone="UTC")[0],
            closed="left",
        )
        outside += int((~inside).sum())
        posts.append(set_posts.filter(inside))
    return LabeledSet(
        name="bot_or_not",
        accounts=_typed(pl.concat(accounts, how="diagonal_relaxed"), ACCOUNT_SCHEMA),
        posts=_typed(pl.concat(posts), POST_SCHEMA),
        links_anonymized=True,
        notes=(
            f"{len(accounts)} sets read",
            f"{outside:,} posts outside the sets' two-day window left out (all by bots)",
            "links are one anonymised placeholder: no link entities are landed",
            "no follower, following or post counts and no creation dates: those signals "
            "are unknown for every account",
        ),
    )


READERS: dict[str, Callable[[Path], LabeledSet]] = {
    "genuine_users.csv": read_cresci2017,
    "botwiki-2019.tsv": read_botwiki_verified2019,
    "content_polluters.csv": read_caverlee2011,
    "dataset.bots.*.txt": read_bot_or_not,
}
