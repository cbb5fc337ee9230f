"""From shares to money: clicks on share links, web sessions, CRM leads and
opportunities, plus the traffic and leads that did not come from shares.

Only people convert. A click on a short link is logged by the short-link service; a
click on a UTM-tagged link goes straight to the site. Sessions land with the link's
UTM query; some lead to a web-to-lead form (in the same session or on a direct return
visit), some leads convert to opportunities, some opportunities close won.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sharesignal.generate import ids, vocab
from sharesignal.generate.world import DAY_US, Window, WorldSize, diurnal_times, pick

S = 1_000_000  # microseconds per second
CHANNEL_LEAD_FACTOR = {"social": 1.0, "organic_search": 1.2, "direct": 1.5, "email": 1.0}
SOCIAL_REFERRER = {
    "x": "https://t.co/",
    "mastodon": f"https://{vocab.MASTODON_HOME}/",
    "bluesky": "https://bsky.app/",
}
NEWSLETTER_INDEX_OFFSET = 50_000_000  # newsletter short links never collide with share links


@dataclass(frozen=True)
class Conversions:
    clicks: pl.DataFrame  # click-log lines (people, bots, newsletter readers)
    sessions: pl.DataFrame  # one row per GA4 session
    leads: pl.DataFrame  # one row per version of a Lead record
    opportunities: pl.DataFrame  # one row per version of an Opportunity record
    truth: pl.DataFrame  # one row per click or session or offline lead


def build_conversions(
    rng: np.random.Generator,
    size: WorldSize,
    window: Window,
    shares: pl.DataFrame,
    accounts: pl.DataFrame,
    catalog: pl.DataFrame,
    link_salt: int,
) -> Conversions:
    social = _social_visits(rng, size, window, shares, accounts)
    bots = _bot_clicks(rng, window, shares)
    organic = _organic_visits(rng, size, window, catalog, social, link_salt)
    visits = pl.concat([social, organic], how="diagonal_relaxed").with_row_index("visit_idx")
    visits = _sessions(rng, visits)
    visits, returns = _leads(rng, window, visits)
    leads, opportunities, outcome = _crm(rng, window, visits)
    clicks = pl.concat([visits.filter(pl.col("logged_click")), bots], how="diagonal_relaxed").sort(
        "click_us", "link_hash"
    )
    sessions = pl.concat(
        [visits.filter(pl.col("session_us").is_not_null()), returns], how="diagonal_relaxed"
    ).sort("session_us", "user_pseudo_id")
    truth = _truth(visits, bots, outcome)
    return Conversions(clicks, sessions, leads, opportunities, truth)


def _social_visits(
    rng: np.random.Generator,
    size: WorldSize,
    window: Window,
    shares: pl.DataFrame,
    accounts: pl.DataFrame,
) -> pl.DataFrame:
    """People who click a link they saw in a person's original, reshare or quote."""
    exposed = shares.filter(
        ~pl.col("is_bot"), pl.col("share_type").is_in(["original", "reshare", "quote"])
    ).join(accounts.select("account_idx", "followers"), on="account_idx", how="left")
    exposed = exposed.sort("share_idx")
    appeal = exposed["content_type"].replace_strict(vocab.CLICK_APPEAL, default=0.8).to_numpy()
    reach = np.clip(np.sqrt(exposed["followers"].to_numpy() / 200), 0.2, 6.0)
    weight = appeal * reach
    rate = weight * size.clicks_per_share * len(weight) / max(weight.sum(), 1e-9)
    counts = rng.poisson(rate)
    rows = exposed[np.repeat(np.arange(exposed.height), counts)]
    n = rows.height
    delay = np.maximum(2.0, rng.lognormal(np.log(1800), 1.3, n))
    referrer = pl.Series(rows["platform"]).replace_strict(SOCIAL_REFERRER)
    return rows.select(
        "share_idx",
        "platform",
        "content_idx",
        "content_type",
        "content_url",
        "long_url",
        "link_hash",
        "link_created_us",
        "utm_content",
        original_idx=pl.coalesce("parent_idx", "share_idx"),
        share_is_bot=pl.lit(False),
        channel=pl.lit("social"),
        logged_click=pl.col("short_link"),
        click_us=pl.col("shared_us") + pl.Series((delay * S).astype(np.int64)),
        referrer=pl.when(pl.Series(rng.random(n) < 0.3)).then(pl.lit("direct")).otherwise(referrer),
        utm_source="platform",
        utm_medium=pl.lit("social"),
        utm_campaign=pl.when(pl.col("campaign") == "")
        .then(pl.lit("organic"))
        .otherwise("campaign"),
        device_idx=pl.Series(rng.integers(0, len(vocab.DEVICES), n)),
        place_idx=pl.Series(rng.integers(0, len(vocab.PLACES), n)),
    ).filter(pl.col("click_us") < window.end_us)


def _bot_clicks(rng: np.random.Generator, window: Window, shares: pl.DataFrame) -> pl.DataFrame:
    """Bots hit the short links they reshare (link checkers, fake engagement); they run
    no JavaScript, so no session and no lead follows."""
    bots = shares.filter(pl.col("is_bot"), pl.col("short_link"))
    bots = bots.filter(pl.Series(rng.random(bots.height) < 0.3))
    n = bots.height
    return bots.select(
        "share_idx",
        "platform",
        "content_idx",
        "content_url",
        "long_url",
        "link_hash",
        "link_created_us",
        original_idx=pl.coalesce("parent_idx", "share_idx"),
        share_is_bot=pl.lit(True),
        channel=pl.lit("bot"),
        logged_click=pl.lit(True),
        click_us=pl.col("shared_us") + pl.Series(rng.integers(1 * S, 60 * S, n)),
        referrer=pl.lit("direct"),
        user_agent=pick(rng, vocab.BOT_USER_AGENTS, n),
        place_idx=pl.Series(rng.integers(0, len(vocab.PLACES), n)),
    ).filter(pl.col("click_us") < window.end_us)


def _organic_visits(
    rng: np.random.Generator,
    size: WorldSize,
    window: Window,
    catalog: pl.DataFrame,
    social: pl.DataFrame,
    link_salt: int,
) -> pl.DataFrame:
    """Search, direct and newsletter traffic: background the pipeline must not credit
    to shares. Newsletter readers come through short links too."""
    n = round(size.organic_sessions * social.height)
    channel = pl.Series(["organic_search", "direct", "email"]).gather(
        rng.choice(3, n, p=[0.45, 0.30, 0.25])
    )
    live = catalog.filter(pl.col("published_us") < window.end_us)
    weight = live["popularity"].to_numpy()
    content = live[rng.choice(live.height, n, p=weight / weight.sum())]
    click_us = diurnal_times(rng, window, n)
    campaign = (
        pl.when(pl.col("campaign") == "").then(pl.lit("monthly-newsletter")).otherwise("campaign")
    )
    hashes = ids.scrambled(
        content["content_idx"].to_numpy() + NEWSLETTER_INDEX_OFFSET, ids.BASE62, 7, link_salt
    )
    homepage = pl.Series(rng.random(n) < 0.5) & (channel == "direct")
    frame = content.select(
        "content_type",
        "campaign",
        content_idx=pl.when(homepage).then(None).otherwise("content_idx"),
        content_url=pl.when(homepage).then(pl.lit(vocab.SITE + "/")).otherwise("url"),
    ).with_columns(channel=channel, click_us=pl.Series(click_us))
    email = pl.col("channel") == "email"
    long_url = pl.concat_str(
        "content_url",
        pl.lit("?utm_source=newsletter&utm_medium=email&utm_campaign="),
        campaign,
        pl.lit("&utm_content=issue-"),
        (pl.col("click_us") // (7 * DAY_US)).cast(pl.String),
    )
    return frame.with_columns(
        content_type=pl.when(homepage).then(None).otherwise("content_type"),
        long_url=pl.when(email).then(long_url).otherwise("content_url"),
        link_hash=pl.when(email).then(pl.lit(hashes)),
        link_created_us=pl.col("click_us") - 3 * DAY_US,
        logged_click=email & pl.Series(rng.random(n) < 0.6),
        referrer=pl.when(pl.col("channel") == "organic_search")
        .then(pl.lit("https://www.google.com/"))
        .otherwise(pl.lit("direct")),
        utm_source=pl.when(email).then(pl.lit("newsletter")),
        utm_medium=pl.when(email).then(pl.lit("email")),
        utm_campaign=pl.when(email).then(campaign),
        utm_content=pl.when(email).then(
            pl.concat_str(pl.lit("issue-"), (pl.col("click_us") // (7 * DAY_US)).cast(pl.String))
        ),
        share_is_bot=pl.lit(False),
        device_idx=pl.Series(rng.integers(0, len(vocab.DEVICES), n)),
        place_idx=pl.Series(rng.integers(0, len(vocab.PLACES), n)),
    ).drop("campaign")


def _sessions(rng: np.random.Generator, visits: pl.DataFrame) -> pl.DataFrame:
    """Most visits start a GA4 session a few seconds after the click (the rest bounce
    before the tag loads or refuse consent). Every visitor is a new GA4 user."""
    n = visits.height
    has_session = rng.random(n) < 0.9
    session_us = visits["click_us"].to_numpy() + rng.integers(1 * S, 5 * S, n)
    seconds = session_us // S
    client = rng.integers(100_000_000, 2_147_483_647, n)
    return visits.with_columns(
        session_us=pl.when(pl.Series(has_session)).then(pl.Series(session_us)),
        ga_session_id=pl.when(pl.Series(has_session)).then(pl.Series(seconds)),
        ga_session_number=pl.lit(1),
        user_pseudo_id=pl.when(pl.Series(has_session)).then(
            pl.concat_str(
                pl.Series(client).cast(pl.String), pl.lit("."), pl.Series(seconds).cast(pl.String)
            )
        ),
        landing_url="long_url",
    )


def _leads(
    rng: np.random.Generator, window: Window, visits: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Which sessions produce a web-to-lead form, and the return sessions that do."""
    n = visits.height
    lead_rate = (
        visits["content_type"].replace_strict(vocab.LEAD_RATE, default=0.03).fill_null(0.03)
        * visits["channel"].replace_strict(CHANNEL_LEAD_FACTOR, default=0.0)
    ).to_numpy()
    converts = (rng.random(n) < lead_rate) & visits["session_us"].is_not_null().to_numpy()
    on_return = rng.random(n) < 0.4
    return_us = visits["session_us"].fill_null(0).to_numpy() + rng.integers(
        1 * DAY_US, 10 * DAY_US, n
    )
    in_session_lead = visits["session_us"].fill_null(0).to_numpy() + rng.integers(
        120 * S, 900 * S, n
    )
    lead_us = np.where(on_return, return_us + rng.integers(60 * S, 300 * S, n), in_session_lead)
    converts &= lead_us < window.end_us
    return_seconds = return_us // S
    visits = visits.with_columns(
        lead_us=pl.when(pl.Series(converts)).then(pl.Series(lead_us)),
        lead_on_return=pl.Series(converts & on_return),
        lead_in_session=pl.Series(converts & ~on_return),
        return_us=pl.when(pl.Series(converts & on_return)).then(pl.Series(return_us)),
        return_session_id=pl.Series(return_seconds),
    )
    returns = visits.filter("lead_on_return").select(
        "visit_idx",
        "user_pseudo_id",
        "device_idx",
        "place_idx",
        "lead_us",
        channel=pl.lit("direct"),
        session_us="return_us",
        ga_session_id="return_session_id",
        ga_session_number=pl.lit(2),
        landing_url=pl.lit(vocab.SITE + "/demo"),
        referrer=pl.lit("direct"),
        lead_in_session=pl.lit(True),
        first_touch_source="utm_source",
        first_touch_medium="utm_medium",
        first_touch_campaign="utm_campaign",
    )
    return visits, returns


def _crm(
    rng: np.random.Generator, window: Window, visits: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Lead and Opportunity records, one row per saved version (created, worked, closed)."""
    web = visits.filter(pl.col("lead_us").is_not_null()).select(
        "visit_idx",
        created_us="lead_us",
        ga_client_id="user_pseudo_id",
        lead_source=pl.lit("Web"),
        utm_source="utm_source",
        utm_medium="utm_medium",
        utm_campaign="utm_campaign",
        utm_content="utm_content",
    )
    # Some forms lose the UTM fields; the GA client id still ties the lead to its session.
    lost = pl.Series(rng.random(web.height) < 0.2)
    web = web.with_columns(
        pl.when(~lost).then(pl.col(c))
        for c in ("utm_source", "utm_medium", "utm_campaign", "utm_content")
    )
    n_off = max(1, round(0.15 * web.height))
    offline = pl.DataFrame(
        {
            "created_us": diurnal_times(rng, window, n_off),
            "lead_source": pick(rng, ("Trade Show", "Partner Referral", "Phone Inquiry"), n_off),
        }
    )
    leads = pl.concat([web, offline], how="diagonal_relaxed").sort("created_us", "visit_idx")
    n = leads.height
    seq_start = int(rng.integers(1_000_000, 50_000_000))
    first = pick(rng, vocab.FIRST_NAMES, n)
    last = pick(rng, vocab.LAST_NAMES, n)
    company = pick(rng, vocab.COMPANIES, n)
    domain = company.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "")
    convert = rng.random(n) < 0.3
    unqualified = ~convert & (rng.random(n) < 0.5)
    created = leads["created_us"].to_numpy()
    leads = leads.with_columns(
        lead_id=ids.salesforce_ids("00Q", seq_start + np.arange(n)),
        first_name=first,
        last_name=last,
        company=company,
        email=pl.concat_str(
            first.str.to_lowercase(),
            pl.lit("."),
            last.str.to_lowercase(),
            pl.lit("@"),
            domain,
            pl.lit(".example"),
        ),
        phone=pl.Series(rng.integers(2_000_000_000, 9_999_999_999, n)).cast(pl.String),
        contacted_us=pl.Series(created + rng.integers(DAY_US // 2, 3 * DAY_US, n)),
        closed_us=pl.Series(created + rng.integers(1 * DAY_US, 8 * DAY_US, n)),
        outcome=pl.Series(
            np.where(convert, "converted", np.where(unqualified, "unqualified", "open"))
        ),
        account_id=ids.salesforce_ids("001", seq_start + np.arange(n)),
        opportunity_id=ids.salesforce_ids("006", seq_start + np.arange(n)),
    ).with_columns(
        converted=(pl.col("outcome") == "converted") & (pl.col("closed_us") < window.end_us)
    )
    versions = _lead_versions(leads, window)
    opportunities, outcome = _opportunities(rng, window, leads.filter("converted"))
    outcome = leads.select(
        "visit_idx", "lead_id", "created_us", "lead_source", "converted", "opportunity_id"
    ).join(outcome, on="opportunity_id", how="left")
    return versions, opportunities, outcome


def _lead_versions(leads: pl.DataFrame, window: Window) -> pl.DataFrame:
    created = leads.with_columns(
        status=pl.lit("Open - Not Contacted"), modified_us="created_us", is_converted=pl.lit(False)
    )
    contacted = leads.with_columns(
        status=pl.lit("Working - Contacted"), modified_us="contacted_us", is_converted=pl.lit(False)
    )
    closed = leads.filter(pl.col("outcome") != "open").with_columns(
        status=pl.when(pl.col("outcome") == "converted")
        .then(pl.lit("Closed - Converted"))
        .otherwise(pl.lit("Closed - Not Converted")),
        modified_us="closed_us",
        is_converted=pl.col("outcome") == "converted",
    )
    versions = pl.concat([created, contacted, closed]).filter(pl.col("modified_us") < window.end_us)
    return versions.sort("modified_us", "lead_id")


def _opportunities(
    rng: np.random.Generator, window: Window, converted: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = converted.height
    created = converted["closed_us"].to_numpy()
    won = rng.random(n) < 0.5
    amount_cents = (np.round(rng.lognormal(np.log(24_000), 0.6, n), -2) * 100).astype(np.int64)
    opp = converted.select(
        "opportunity_id",
        "account_id",
        "company",
        "lead_source",
        "utm_campaign",
        created_us="closed_us",
    ).with_columns(
        amount_cents=pl.Series(amount_cents),
        proposal_us=pl.Series(created + rng.integers(1 * DAY_US, 4 * DAY_US, n)),
        close_us=pl.Series(created + rng.integers(4 * DAY_US, 20 * DAY_US, n)),
        expected_close_us=pl.Series(created + 30 * DAY_US),
        won=pl.Series(won),
    )
    stage = pl.DataFrame(
        {
            "step": [0, 1, 2, 3],
            "stage_name": ["Prospecting", "Proposal/Price Quote", "Closed Won", "Closed Lost"],
            "probability": [10, 75, 100, 0],
        }
    )
    first = opp.with_columns(
        step=pl.lit(0), modified_us="created_us", close_date_us="expected_close_us"
    )
    proposal = opp.with_columns(
        step=pl.lit(1), modified_us="proposal_us", close_date_us="expected_close_us"
    )
    closed = opp.with_columns(
        step=pl.when("won").then(2).otherwise(3), modified_us="close_us", close_date_us="close_us"
    )
    versions = pl.concat([first, proposal, closed]).filter(pl.col("modified_us") < window.end_us)
    versions = versions.join(stage, on="step", how="left").sort("modified_us", "opportunity_id")
    closed_in_window = pl.col("close_us") < window.end_us
    outcome = opp.select(
        "opportunity_id",
        opportunity_created_us="created_us",
        amount=pl.col("amount_cents") / 100,
        is_won=pl.when(closed_in_window).then("won"),
        closed_us=pl.when(closed_in_window).then("close_us"),
    )
    return versions, outcome


def _truth(visits: pl.DataFrame, bots: pl.DataFrame, outcome: pl.DataFrame) -> pl.DataFrame:
    chain = pl.concat([visits, bots], how="diagonal_relaxed")
    chain = chain.join(
        outcome.filter(pl.col("visit_idx").is_not_null()), on="visit_idx", how="left"
    )
    offline = outcome.filter(pl.col("visit_idx").is_null()).with_columns(channel=pl.lit("offline"))
    return pl.concat([chain, offline], how="diagonal_relaxed").select(
        "channel",
        "platform",
        share_idx="share_idx",
        original_idx="original_idx",
        share_is_bot=pl.col("share_is_bot"),
        content_url="content_url",
        link_hash="link_hash",
        click_logged=pl.col("logged_click").fill_null(False),
        clicked_at=_ts("click_us"),
        user_pseudo_id="user_pseudo_id",
        ga_session_id="ga_session_id",
        session_started_at=_ts("session_us"),
        lead_id="lead_id",
        lead_source="lead_source",
        lead_created_at=_ts("created_us"),
        opportunity_id=pl.when("converted").then("opportunity_id"),
        opportunity_created_at=_ts("opportunity_created_us"),
        amount="amount",
        is_won="is_won",
        closed_at=_ts("closed_us"),
    )


def _ts(column: str) -> pl.Expr:
    return pl.from_epoch(column, time_unit="us").dt.replace_time_zone("UTC")
