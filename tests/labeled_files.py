"""Tiny labeled datasets in the public datasets' own file formats, made for the tests (the
real datasets are not in the repository: their licences do not allow it)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

CRESCI_COLUMNS = [
    "id",
    "name",
    "screen_name",
    "statuses_count",
    "followers_count",
    "friends_count",
    "favourites_count",
    "listed_count",
    "url",
    "lang",
    "time_zone",
    "location",
    "default_profile",
    "default_profile_image",
    "geo_enabled",
    "profile_image_url",
    "protected",
    "verified",
    "description",
    "created_at",
    "timestamp",
    "crawled_at",
    "updated",
]
DEFAULT_IMAGE = "http://abs.twimg.com/sticky/default_profile_images/default_profile_1_normal.png"


def cresci_person(i: int) -> dict[str, str]:
    """An old account that likes and posts, with a bio and its own picture."""
    return {
        "id": str(1000 + i),
        "name": f"Person {i}",
        "screen_name": f"person{chr(97 + i % 26)}",
        "statuses_count": str(4000 + 37 * i),
        "followers_count": str(300 + i),
        "friends_count": str(250 + i),
        "favourites_count": str(2500 + 11 * i),
        "listed_count": str(4 + i % 7),
        "url": "",
        "lang": "en",
        "time_zone": "",
        "location": "Somewhere",
        "default_profile": "",
        "default_profile_image": "",
        "geo_enabled": "1",
        "profile_image_url": f"http://pbs.twimg.com/profile_images/{i}/me_normal.jpg",
        "protected": "",
        "verified": "1" if i == 0 else "",
        "description": "Reading, walking and the odd photo",
        "created_at": f"Tue Jun {10 + i % 18:02d} 11:20:35 +0000 2010",
        "timestamp": "2010-06-11 13:20:35",
        "crawled_at": "2015-05-02 06:41:46",
        "updated": "2016-03-15 15:53:47",
    }


def cresci_bot(i: int) -> dict[str, str]:
    """A young account that follows thousands, likes nothing and posts all day."""
    return {
        **cresci_person(i),
        "id": str(9000 + i),
        "name": f"Deals {i}",
        "screen_name": f"deals{48213 + i}",
        "statuses_count": str(9000 + i),
        "followers_count": str(i % 5),
        "friends_count": str(3000 + 13 * i),
        "favourites_count": "0",
        "listed_count": "0",
        "profile_image_url": DEFAULT_IMAGE if i % 2 else "",
        "verified": "",
        "description": "",
        "created_at": f"Sat May {1 + i % 20:02d} 08:00:00 +0000 2015",
    }


def write_cresci(
    folder: Path, people: list[dict], bots: list[dict], epoch_bots: list[dict] = ()
) -> Path:
    """cresci-2017's files: genuine people, social spambots, and (`epoch_bots`) traditional
    spambots #1, whose creation time is epoch milliseconds with an "L" and whose other
    unknowns are the literal NULL."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("genuine_users.csv", people),
        ("social_spambot_users_1.csv", bots),
        ("spambots_1.csv", list(epoch_bots)),
    ):
        if not rows:
            continue
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=CRESCI_COLUMNS, quoting=csv.QUOTE_ALL)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def write_botwiki(folder: Path, bots: list[dict], people: list[dict], unmatched: int = 0) -> Path:
    """botwiki-2019 + verified-2019: id/label TSVs and JSON lists of {created_at, user}."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, label, users in (("botwiki-2019", "bot", bots), ("verified-2019", "human", people)):
        ids = [u["id_str"] for u in users] + [
            f"77{n}" for n in range(unmatched if label == "bot" else 0)
        ]
        (folder / f"{stem}.tsv").write_text("".join(f"{i}\t{label}\n" for i in ids))
        records = [{"created_at": "Wed Jun 05 21:43:20 +0000 2019", "user": u} for u in users]
        (folder / f"{stem}_tweets.json").write_text(json.dumps(records))
    return folder


def botwiki_user(i: int, bot: bool) -> dict:
    return {
        "id": 500 + i,
        "id_str": str(500 + i),
        "name": f"Lyric Bot {i}" if bot else f"Jane Doe {i}",
        "screen_name": f"lyrics_{i}" if bot else f"janedoe{i}",
        "location": "",
        "description": "I am a bot that posts lyrics" if bot else "Journalist",
        "url": None,
        "protected": False,
        "followers_count": 20 if bot else 12000,
        "friends_count": 1 if bot else 900,
        "listed_count": 1 if bot else 300,
        "created_at": "Fri Mar 02 02:27:13 +0000 2018",
        "favourites_count": 0 if bot else 5000,
        "verified": not bot,
        "statuses_count": 3000,
        "profile_image_url_https": "https://pbs.twimg.com/profile_images/1/a_normal.jpg",
        "default_profile_image": False,
    }


def write_caverlee(
    folder: Path,
    polluters: list[tuple],
    legitimate: list[tuple],
    tweets: dict[str, list[tuple[str, str]]],
) -> Path:
    """The honeypot profiles (UserID, CreatedAt, CollectedAt, followings, followers, tweets,
    screen-name length, bio length) and the tweets per user (time, text), CRLF like the
    real files."""
    folder.mkdir(parents=True, exist_ok=True)
    header = (
        "UserID,CreatedAt,CollectedAt,NumerOfFollowings,NumberOfFollowers,NumberOfTweets,"
        "LengthOfScreenName,LengthOfDescriptionInUserProfile"
    )
    for name, rows in (("content_polluters.csv", polluters), ("legitimate_users.csv", legitimate)):
        lines = [header, *(",".join(str(v) for v in row) for row in rows)]
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode())
    polluter_ids = {str(row[0]) for row in polluters}
    for name, mine in (("polluter_tweets.csv", True), ("legitimate_tweets.csv", False)):
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(["user_id", "time", "tweet"])
            for user, posts in tweets.items():
                if (user in polluter_ids) == mine:
                    writer.writerows([user, time, text] for time, text in posts)
    return folder


def write_bot_or_not(
    folder: Path, number: int, users: list[dict], posts: list[dict], bots: list[str]
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "id": number,
        "lang": "en",
        "metadata": {"start_time": "2024-03-16T00:00:00Z", "end_time": "2024-03-18T00:00:00Z"},
        "posts": posts,
        "users": users,
    }
    (folder / f"dataset.posts_users.{number}.json").write_text(json.dumps(data))
    (folder / f"dataset.bots.{number}.txt").write_text("".join(f"{b}\n" for b in bots))
    return folder
