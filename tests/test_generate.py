"""The sample-export generator: deterministic, in the real formats, consistent with its truth."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sharesignal.generate import WorldSize, generate, vocab
from sharesignal.generate.world import Window, build_accounts

# Its tests share a module-scoped fixture: xdist runs them on one worker, which builds it once.
pytestmark = pytest.mark.xdist_group("generate")

START = date(2026, 10, 1)
DAYS = 6
# Small world, small files: several files per day and several pages per file.
SIZE = WorldSize(accounts=300, shares=4_000, contents=15, clicks_per_share=1.0, rows_per_file=150)
LEAD_HEADER = (
    "Id,IsDeleted,LastName,FirstName,Name,Company,Email,Phone,LeadSource,Status,IsConverted,"
    "ConvertedDate,ConvertedAccountId,ConvertedOpportunityId,CreatedDate,LastModifiedDate,"
    "SystemModstamp,UTM_Source__c,UTM_Medium__c,UTM_Campaign__c,UTM_Content__c,GA_Client_ID__c"
)
OPPORTUNITY_HEADER = (
    "Id,IsDeleted,AccountId,Name,StageName,Amount,Probability,CloseDate,Type,LeadSource,"
    "IsClosed,IsWon,CampaignId,CreatedDate,LastModifiedDate,SystemModstamp"
)
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SF_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$")


def _run(root: Path, seed: int) -> dict[str, dict]:
    return generate(
        root / "landing", root / "truth", START, DAYS, seed=seed, size=SIZE, progress=False
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    root = tmp_path_factory.mktemp("world")
    return root, _run(root, seed=7)


def _files(landing: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(landing)): p.read_bytes()
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }


def _lines(landing: Path, source: str, pattern: str) -> list[dict | list]:
    return [
        json.loads(line)
        for path in sorted((landing / source).glob(f"*/{pattern}"))
        for line in path.read_text().splitlines()
    ]


def _parse_ms(text: str) -> datetime:
    assert ISO_MS.match(text), text
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def test_same_seed_gives_byte_identical_files(world, tmp_path):
    root, summary = world
    again = _run(tmp_path, seed=7)
    assert again == summary
    assert _files(tmp_path / "landing") == _files(root / "landing")
    for name in ("accounts", "shares", "conversions"):
        assert pl.read_parquet(tmp_path / "truth" / f"{name}.parquet").equals(
            pl.read_parquet(root / "truth" / f"{name}.parquet")
        )


def test_other_seed_gives_other_files(world, tmp_path):
    root, _ = world
    _run(tmp_path, seed=8)
    ours, theirs = _files(root / "landing"), _files(tmp_path / "landing")
    for source in ("x", "mastodon", "bluesky", "clicks", "web_analytics", "crm"):
        mine = {k: v for k, v in ours.items() if k.startswith(source + "/")}
        other = {k: v for k, v in theirs.items() if k.startswith(source + "/")}
        assert mine != other, source


def test_every_source_and_day_has_files_and_summary_counts_them(world):
    root, summary = world
    landing = root / "landing"
    for source in ("x", "mastodon", "bluesky", "clicks", "web_analytics", "crm", "content"):
        days = sorted(p.name for p in (landing / source).iterdir())
        assert days == [date(2026, 10, d).isoformat() for d in range(1, 1 + DAYS)], source
        files = [p for p in (landing / source).rglob("*") if p.is_file()]
        assert summary[source]["files"] == len(files)
        if source not in ("crm", "content"):
            assert summary[source]["rows"] == sum(len(p.read_text().splitlines()) for p in files)
    # Large days spill into a second file.
    assert any(p.name.endswith("-0002.jsonl") for p in (landing / "web_analytics").rglob("*"))


def test_x_pages_have_the_search_response_shape(world):
    root, _ = world
    pages = _lines(root / "landing", "x", "posts-*.jsonl")
    assert pages
    retweets = 0
    for page in pages:
        assert set(page) == {"data", "includes", "meta"}
        assert page["meta"]["result_count"] == len(page["data"]) > 0
        ids_here = {t["id"] for t in page["data"]} | {
            t["id"] for t in page["includes"].get("tweets", [])
        }
        users = {u["id"] for u in page["includes"]["users"]}
        for user in page["includes"]["users"]:
            assert {"id", "username", "created_at", "public_metrics", "verified"} <= set(user)
            _parse_ms(user["created_at"])
        for tweet in page["data"]:
            _parse_ms(tweet["created_at"])
            assert set(tweet["public_metrics"]) == {
                "retweet_count",
                "reply_count",
                "like_count",
                "quote_count",
            }
            refs = tweet.get("referenced_tweets", [])
            for ref in refs:
                assert ref["id"] in ids_here
            if refs and refs[0]["type"] == "retweeted":
                retweets += 1
                original = next(t for t in page["includes"]["tweets"] if t["id"] == refs[0]["id"])
                assert tweet["text"].startswith("RT @")
                assert "referenced_tweets" not in original
                assert original["author_id"] in users or original["author_id"]
            for url in tweet["entities"].get("urls", []):
                assert tweet["text"][url["start"] : url["end"]] == url["url"]
    assert retweets > 0


def test_mastodon_lines_are_arrays_of_statuses(world):
    root, _ = world
    pages = _lines(root / "landing", "mastodon", "statuses-*.jsonl")
    reblogs = declared_bots = 0
    for page in pages:
        assert isinstance(page, list) and page
        for status in page:
            _parse_ms(status["created_at"])
            assert status["account"]["created_at"].endswith("T00:00:00.000Z")
            if status["reblog"] is not None:
                reblogs += 1
                assert status["content"] == ""
                assert status["reblog"]["reblog"] is None if "reblog" in status["reblog"] else True
                assert 'href="' in status["reblog"]["content"]
            declared_bots += status["account"]["bot"]
    assert reblogs > 0 and declared_bots > 0


def test_bluesky_feed_and_profiles_have_the_xrpc_shape(world):
    root, _ = world
    feeds = _lines(root / "landing", "bluesky", "feed-*.jsonl")
    kinds = set()
    for response in feeds:
        assert set(response) == {"feed", "cursor"}
        for item in response["feed"]:
            post = item["post"]
            assert post["uri"].startswith("at://did:plc:")
            _parse_ms(post["record"]["createdAt"])
            assert "followersCount" not in post["author"]
            if "reason" in item:
                assert item["reason"]["$type"] == "app.bsky.feed.defs#reasonRepost"
                _parse_ms(item["reason"]["indexedAt"])
                kinds.add("repost")
            elif "reply" in post["record"]:
                kinds.add("reply")
            else:
                kinds.add(post["record"]["embed"]["$type"])
    assert kinds == {"repost", "reply", "app.bsky.embed.external", "app.bsky.embed.record"}
    profiles = _lines(root / "landing", "bluesky", "profiles-*.jsonl")
    assert all(
        0 < len(p["profiles"]) <= 25 and "followersCount" in p["profiles"][0] for p in profiles
    )


def test_clicks_and_ga4_rows_have_the_real_fields(world):
    root, _ = world
    clicks = _lines(root / "landing", "clicks", "clicks-*.jsonl")
    heartbeats = [c for c in clicks if "_heartbeat_" in c]
    real = [c for c in clicks if "_heartbeat_" not in c]
    assert heartbeats and real
    assert all({"h", "u", "t", "hh", "a", "r"} <= set(c) and "utm_source=" in c["u"] for c in real)
    events = _lines(root / "landing", "web_analytics", "events-*.jsonl")
    names = {e["event_name"] for e in events}
    assert {
        "session_start",
        "page_view",
        "first_visit",
        "user_engagement",
        "generate_lead",
    } <= names
    for event in events:
        assert isinstance(event["event_timestamp"], int)
        moment = datetime.fromtimestamp(event["event_timestamp"] / 1e6, tz=UTC)
        assert moment.strftime("%Y%m%d") == event["event_date"]
        params = {p["key"]: p["value"] for p in event["event_params"]}
        assert isinstance(params["ga_session_id"]["int_value"], int)
        assert params["page_location"]["string_value"].startswith("https://")


def test_crm_csvs_have_the_salesforce_header_and_ids(world):
    root, _ = world
    seen = {}
    for name, header, prefix in (
        ("Lead", LEAD_HEADER, "00Q"),
        ("Opportunity", OPPORTUNITY_HEADER, "006"),
    ):
        rows = []
        for path in sorted((root / "landing" / "crm").glob(f"*/{name}.csv")):
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf")
            text = raw.decode("utf-8-sig")
            assert text.splitlines()[0] == header
            rows += list(csv.DictReader(text.splitlines()))
        assert rows, name
        for row in rows:
            assert len(row["Id"]) == 18 and row["Id"].startswith(prefix)
            assert SF_TIME.match(row["SystemModstamp"]) and SF_TIME.match(row["CreatedDate"])
            assert row["IsDeleted"] in ("true", "false")
        seen[name] = rows
    # A record modified later shows up again in a later day's file.
    assert any(n > 1 for n in pl.Series([r["Id"] for r in seen["Lead"]]).value_counts()["count"])
    converted = [r for r in seen["Lead"] if r["IsConverted"] == "true"]
    opportunity_ids = {r["Id"] for r in seen["Opportunity"]}
    assert converted and all(r["ConvertedOpportunityId"] in opportunity_ids for r in converted)


def test_truth_matches_the_landing_files(world):
    root, _ = world
    landing = root / "landing"
    truth = pl.read_parquet(root / "truth" / "shares.parquet")
    seen = set()
    for page in _lines(landing, "x", "posts-*.jsonl"):
        seen |= {("x", t["id"]) for t in page["data"]}
    for page in _lines(landing, "mastodon", "statuses-*.jsonl"):
        seen |= {("mastodon", s["id"]) for s in page}
    for response in _lines(landing, "bluesky", "feed-*.jsonl"):
        for item in response["feed"]:
            if "reason" in item:
                seen.add(("bluesky", f"repost:{item['reason']['by']['did']}:{item['post']['uri']}"))
            else:
                seen.add(("bluesky", item["post"]["uri"]))
    assert truth.select(pl.struct("platform", "post_id").is_unique().all()).item()
    expected = set(truth.select("platform", "post_id").iter_rows())
    assert expected == seen
    reshares = truth.filter(pl.col("share_type") == "reshare")
    assert 0.15 < reshares["is_bot"].mean() < 0.6
    # Bots reshare within seconds; people take minutes to days.
    parents = truth.select(parent_post_id="post_id", platform="platform", parent_at="shared_at")
    delay = reshares.join(parents, on=["platform", "parent_post_id"]).with_columns(
        seconds=(pl.col("shared_at") - pl.col("parent_at")).dt.total_seconds()
    )
    median = dict(delay.group_by("is_bot").agg(pl.col("seconds").median()).iter_rows())
    assert median[True] < 120 < median[False]
    # yet they overlap: a few people react within a minute, some farm reshares come hours on
    fast_people = delay.filter(~pl.col("is_bot"))["seconds"].lt(60).mean()
    paced_bots = delay.filter(pl.col("is_bot"))["seconds"].gt(600).mean()
    assert 0.02 < fast_people < 0.1 and 0.08 < paced_bots < 0.25
    accounts = pl.read_parquet(root / "truth" / "accounts.parquet")
    assert accounts["bot_farm"].is_not_null().sum() == accounts["is_bot"].sum() > 0


def test_conversions_come_from_people_and_tie_to_crm(world):
    root, _ = world
    chains = pl.read_parquet(root / "truth" / "conversions.parquet")
    assert chains.filter(pl.col("share_is_bot") & pl.col("lead_id").is_not_null()).is_empty()
    social_leads = chains.filter(pl.col("channel") == "social", pl.col("lead_id").is_not_null())
    assert social_leads.height > 0
    leads = pl.concat(
        [
            pl.read_csv(p, infer_schema=False)
            for p in sorted((root / "landing" / "crm").glob("*/Lead.csv"))
        ]
    )
    by_id = dict(leads.select("Id", "GA_Client_ID__c").iter_rows())
    for lead_id, client in social_leads.select("lead_id", "user_pseudo_id").iter_rows():
        assert by_id[lead_id] == client
    shares = pl.read_parquet(root / "truth" / "shares.parquet")
    assert set(social_leads["share_post_id"]) <= set(shares["post_id"])


# ---------------------------------------------------------------- the hard world

HARD = replace(SIZE, bots_imitate_people=True)


@pytest.fixture(scope="module")
def hard_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hard")
    generate(root / "landing", root / "truth", START, DAYS, seed=7, size=HARD, progress=False)
    return root


def _profiles(hard: bool) -> pl.DataFrame:
    """A large cast (no files written): people and bots with their profile features."""
    size = WorldSize(accounts=6_000, bots_imitate_people=hard)
    accounts = build_accounts(np.random.default_rng([7, 0]), size, Window(START, 30))
    return accounts.filter(pl.col("kind") != "business").with_columns(
        age_days=(Window(START, 30).start_us - pl.col("created_us")) / 86_400_000_000,
        handle_digits=pl.col("username").str.contains(r"\d"),
        empty_bio=pl.col("bio") == "",
        has_location=pl.col("location").is_not_null(),
        verified=pl.col("verified_type") != "none",
        bot_app=pl.col("app").is_in(list(vocab.BOT_APPS)),
        bot_instance=pl.col("instance").is_in(list(vocab.BOT_INSTANCES)),
    )


def _ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two ECDFs."""
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / len(a)
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


NUMERIC_PROFILE = ("age_days", "followers", "following", "posts", "listed", "likes")
FLAG_PROFILE = (
    "default_image",
    "handle_digits",
    "empty_bio",
    "has_location",
    "verified",
    "bot_app",
    "bot_instance",
    "mastodon_declares_bot",
    "automated_client",
)


def _profile_gaps(profiles: pl.DataFrame) -> dict[str, float]:
    bots, people = profiles.filter("is_bot"), profiles.filter(~pl.col("is_bot"))
    gaps = {
        name: _ks_distance(bots[name].to_numpy().astype(float), people[name].to_numpy())
        for name in NUMERIC_PROFILE
    }
    gaps |= {name: abs(bots[name].mean() - people[name].mean()) for name in FLAG_PROFILE}
    return gaps


def test_hard_world_bot_profiles_are_drawn_like_peoples():
    # ~1,200 bots against ~4,800 people: a KS distance above 0.06 would be rare (p < 0.001)
    # for one distribution; shares of a flag differ by a few points at most.
    gaps = _profile_gaps(_profiles(hard=True))
    assert all(gaps[name] < 0.06 for name in NUMERIC_PROFILE), gaps
    assert all(gaps[name] < 0.04 for name in FLAG_PROFILE), gaps
    hard = _profiles(hard=True)
    bots, people = hard.filter("is_bot"), hard.filter(~pl.col("is_bot"))
    for name in ("followers", "following", "age_days"):
        for q in (0.25, 0.5, 0.75):
            ratio = bots[name].quantile(q) / people[name].quantile(q)
            assert 0.85 < ratio < 1.15, (name, q, ratio)
    # The same test tells the default world's bots apart on every feature.
    default = _profile_gaps(_profiles(hard=False))
    assert all(default[name] > 0.5 for name in ("age_days", "followers", "following")), default
    assert all(default[name] > 0.2 for name in ("default_image", "handle_digits")), default


def test_default_world_profiles_overlap_as_real_labeled_accounts_do():
    # Real labeled sets (docs/evaluation.md) have new, quiet, follow-happy people and aged
    # bots with followings: a share of each kind looks like the other in each feature.
    profiles = _profiles(hard=False)
    bots, people = profiles.filter("is_bot"), profiles.filter(~pl.col("is_bot"))
    assert 0.04 < (people["age_days"] < 120).mean() < 0.15
    assert 0.15 < (bots["age_days"] > 365).mean() < 0.35
    assert 0.05 < (people["likes"] < 6).mean() < 0.15
    assert 0.12 < (bots["likes"] > 100).mean() < 0.3
    assert 0.05 < (people["following"] > 10 * people["followers"] + 100).mean() < 0.2
    assert 0.1 < (bots["followers"] > 100).mean() < 0.3
    # yet on the whole the default world's bots still look like bots
    gaps = _profile_gaps(profiles)
    assert all(0.5 < gaps[name] < 0.9 for name in ("age_days", "likes", "following")), gaps


def test_hard_world_keeps_the_cast_and_is_deterministic(world, hard_world, tmp_path):
    root, _ = world
    cast = ["platform", "is_bot", "bot_farm", "is_business"]
    default_accounts = pl.read_parquet(root / "truth" / "accounts.parquet")
    hard_accounts = pl.read_parquet(hard_world / "truth" / "accounts.parquet")
    assert hard_accounts.select(cast).equals(default_accounts.select(cast))
    assert not hard_accounts["self_declared_bot"].any()
    generate(
        tmp_path / "landing", tmp_path / "truth", START, DAYS, seed=7, size=HARD, progress=False
    )
    assert _files(tmp_path / "landing") == _files(hard_world / "landing")
    assert _files(tmp_path / "landing") != _files(root / "landing")


def test_hard_world_exports_carry_no_bot_markers_but_bots_still_behave_like_bots(hard_world):
    landing = hard_world / "landing"
    accounts = pl.read_parquet(hard_world / "truth" / "accounts.parquet")
    bot_ids = set(accounts.filter("is_bot")["account_id"])
    statuses = [s for page in _lines(landing, "mastodon", "statuses-*.jsonl") for s in page]
    assert statuses and not any(s["account"]["bot"] for s in statuses)
    apps = {(s.get("application") or {}).get("name") for s in statuses}
    assert not apps & set(vocab.BOT_APPS)
    assert not any(s["account"]["url"].split("/")[2] in vocab.BOT_INSTANCES for s in statuses)
    pages = _lines(landing, "x", "posts-*.jsonl")
    assert not {t.get("source") for p in pages for t in p["data"]} & set(vocab.BOT_APPS)
    users = {u["id"]: u for p in pages for u in p["includes"]["users"]}
    bot_followers = [
        u["public_metrics"]["followers_count"] for i, u in users.items() if i in bot_ids
    ]
    people_followers = [
        u["public_metrics"]["followers_count"] for i, u in users.items() if i not in bot_ids
    ]
    assert bot_followers and np.median(bot_followers) > 0.5 * np.median(people_followers)

    # Behaviour still gives them away: reshares within seconds, in farms.
    truth = pl.read_parquet(hard_world / "truth" / "shares.parquet")
    reshares = truth.filter(pl.col("share_type") == "reshare")
    parents = truth.select(parent_post_id="post_id", platform="platform", parent_at="shared_at")
    delay = reshares.join(parents, on=["platform", "parent_post_id"]).with_columns(
        seconds=(pl.col("shared_at") - pl.col("parent_at")).dt.total_seconds()
    )
    median = dict(delay.group_by("is_bot").agg(pl.col("seconds").median()).iter_rows())
    assert median[True] < 120 < median[False]
