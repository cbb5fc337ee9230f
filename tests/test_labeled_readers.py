"""The labeled-dataset readers and their landing as X API v2 exports, on tiny files made in
the public datasets' own formats."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from labeled_files import (
    botwiki_user,
    cresci_bot,
    cresci_person,
    write_bot_or_not,
    write_botwiki,
    write_caverlee,
    write_cresci,
)

from sharesignal.labeled.landing import export_date, land
from sharesignal.labeled.readers import NotALabeledDataset, read_dataset


def test_cresci_reads_both_date_forms_nulls_and_labels(tmp_path: Path) -> None:
    epoch_bot = {
        **cresci_bot(7),
        "id": "7248952",
        "created_at": "1183552203000L",
        "default_profile_image": "NULL",
        "listed_count": "NULL",
    }
    folder = write_cresci(
        tmp_path / "c", [cresci_person(0), cresci_person(1)], [cresci_bot(2)], [epoch_bot]
    )
    labeled = read_dataset(folder)
    accounts = labeled.accounts.sort("account_id")
    assert labeled.name == "cresci2017"
    assert dict(accounts.select("account_id", "is_bot").iter_rows()) == {
        "1000": False,
        "1001": False,
        "7248952": True,
        "9002": True,
    }
    epoch = accounts.filter(pl.col("account_id") == "7248952").row(0, named=True)
    assert epoch["created_at"] == datetime(2007, 7, 4, 12, 30, 3, tzinfo=UTC)
    assert epoch["listed_count"] is None and epoch["kind"] == "traditional spambots #1"
    person = accounts.filter(pl.col("account_id") == "1000").row(0, named=True)
    assert person["verified"] is True and person["like_count"] == 2500
    assert person["observed_at"] == datetime(2015, 5, 2, 6, 41, 46, tzinfo=UTC)
    assert labeled.posts.is_empty()


def test_botwiki_lands_no_verified_flag_and_counts_users_without_objects(tmp_path: Path) -> None:
    folder = write_botwiki(
        tmp_path / "b", [botwiki_user(1, bot=True)], [botwiki_user(2, bot=False)], unmatched=2
    )
    labeled = read_dataset(folder)
    assert labeled.bots == 1 and labeled.people == 1
    # verified-2019 was made of verified people: the flag would say how the set was built
    assert labeled.accounts["verified"].null_count() == 2
    assert any("2 labelled ids have no user object" in note for note in labeled.notes)


def test_caverlee_drops_ids_in_both_classes_and_makes_digit_free_handles(tmp_path: Path) -> None:
    polluters = [
        (11, "2009-01-01 00:00:00", "2010-01-05 10:00:00", 900, 20, 400, 9, 30),
        (12, "2009-06-01 00:00:00", "2010-01-05 10:00:00", 900, 20, 400, 6, 0),
    ]
    legitimate = [
        (12, "2008-01-01 00:00:00", "2009-11-20 10:00:00", 90, 80, 700, 6, 10),
        (13, "2008-01-01 00:00:00", "2009-11-20 10:00:00", 90, 80, 700, 7, 10),
    ]
    tweets = {
        "11": [("2010-01-01 10:00:00", "buy http://ow.ly/x"), ("2010-01-02 10:00:00", "hi")],
        "12": [("2010-01-01 10:00:00", "in both classes")],
        "13": [("2009-11-19 10:00:00", "@friend lunch?")],
    }
    labeled = read_dataset(write_caverlee(tmp_path / "h", polluters, legitimate, tweets))
    accounts = labeled.accounts.sort("account_id")
    assert accounts["account_id"].to_list() == ["11", "13"]
    assert accounts["username"].to_list() == ["bbxxxxxxx", "bdxxxxx"]
    assert accounts["description"].str.len_chars().to_list() == [30, 10]
    assert labeled.constructed == ("handle_digit_count",)
    assert labeled.posts.sort("post_id")["post_id"].to_list() == ["11-0", "11-1", "13-0"]
    assert any("1 ids in both classes" in note for note in labeled.notes)


def test_bot_or_not_leaves_out_posts_after_the_window(tmp_path: Path) -> None:
    users = [
        {"id": "u1", "username": "ann", "name": "Ann", "description": "hi", "location": None},
        {"id": "u2", "username": "bot7", "name": "B", "description": "", "location": None},
    ]
    posts = [
        {"id": "p1", "author_id": "u1", "created_at": "2024-03-16T10:00:00.000Z", "text": "a"},
        {"id": "p2", "author_id": "u2", "created_at": "2024-03-17T10:00:00.000Z", "text": "b"},
        {"id": "p3", "author_id": "u2", "created_at": "2025-01-09T10:00:00.000Z", "text": "c"},
    ]
    labeled = read_dataset(write_bot_or_not(tmp_path / "m", 30, users, posts, ["u2"]))
    assert labeled.bots == 1 and labeled.links_anonymized
    assert sorted(labeled.posts["post_id"]) == ["p1", "p2"]
    assert any("1 posts outside" in note for note in labeled.notes)
    assert labeled.accounts["followers_count"].null_count() == 2


def test_a_folder_of_no_known_dataset_says_what_it_expected(tmp_path: Path) -> None:
    with pytest.raises(NotALabeledDataset, match="genuine_users.csv"):
        read_dataset(tmp_path)
    (tmp_path / "user based classification.csv").write_text("id,bot\n1,0\n")
    with pytest.raises(NotALabeledDataset, match="derived feature table"):
        read_dataset(tmp_path)


def _pages(landing: Path) -> list[dict]:
    return [
        json.loads(line)
        for f in sorted(landing.rglob("*.jsonl"))
        for line in f.read_text().splitlines()
    ]


def test_landing_writes_what_is_known_and_one_post_per_profile_only_account(tmp_path: Path) -> None:
    epoch_bot = {**cresci_bot(3), "id": "77", "listed_count": "NULL"}
    labeled = read_dataset(write_cresci(tmp_path / "c", [cresci_person(0)], [], [epoch_bot]))
    day, posts, pages = land(labeled, tmp_path / "landing")
    assert day == export_date(labeled) == date(2015, 5, 2)
    assert (posts, pages) == (2, 1)
    [page] = _pages(tmp_path / "landing" / "x" / "2015-05-02")
    users = {u["id"]: u for u in page["includes"]["users"]}
    # an unknown count is null, which the pipeline loads as unknown, never as 0
    assert users["77"]["public_metrics"]["listed_count"] is None
    assert users["1000"]["public_metrics"]["like_count"] == 2500
    texts = [t["text"] for t in page["data"]]
    # every profile-only post has words of its own: no two accounts co-post
    assert len(set(texts)) == len(texts) and all("entities" not in t for t in page["data"])
    assert {t["created_at"] for t in page["data"]} == {"2015-05-02T06:41:46.000Z"}


def test_landing_gives_links_entities_unless_the_dataset_anonymized_them(tmp_path: Path) -> None:
    polluters = [(11, "2009-01-01 00:00:00", "2010-01-05 10:00:00", 900, 20, 400, 9, 30)]
    tweets = {"11": [("2010-01-01 10:00:00", "buy now http://ow.ly/x1 !")]}
    land(read_dataset(write_caverlee(tmp_path / "h", polluters, [], tweets)), tmp_path / "l1")
    [tweet] = _pages(tmp_path / "l1")[0]["data"]
    assert tweet["entities"]["urls"][0]["expanded_url"] == "http://ow.ly/x1"
    users = [{"id": "u1", "username": "ann", "name": "Ann", "description": "", "location": None}]
    posts = [
        {
            "id": "p1",
            "author_id": "u1",
            "created_at": "2024-03-16T10:00:00.000Z",
            "text": "look https://t.co/twitter_link",
        }
    ]
    land(read_dataset(write_bot_or_not(tmp_path / "m", 31, users, posts, [])), tmp_path / "l2")
    [page] = _pages(tmp_path / "l2")
    assert "entities" not in page["data"][0]
    # no counts in the dataset: no public_metrics at all, so the pipeline knows they are unknown
    assert "public_metrics" not in page["includes"]["users"][0]
