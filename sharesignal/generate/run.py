"""`generate()`: build the world, write every source's landing files and the truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sharesignal.generate.bluesky_export import write_bluesky
from sharesignal.generate.conversions import build_conversions
from sharesignal.generate.mastodon_export import write_mastodon
from sharesignal.generate.shares import build_shares, cumulative_counts, like_seeds
from sharesignal.generate.texts import with_texts
from sharesignal.generate.web_exports import (
    write_catalog,
    write_clicks,
    write_crm,
    write_web_analytics,
)
from sharesignal.generate.world import Window, WorldSize, build_accounts, build_catalog
from sharesignal.generate.x_export import write_x

# Independent random streams per stage, so a change in one stage leaves the others alone.
STAGES = ("accounts", "catalog", "shares", "conversions", "x", "mastodon", "bluesky", "web")


def generate(
    landing_dir: Path,
    truth_dir: Path,
    start: date,
    days: int,
    seed: int = 7,
    size: WorldSize = WorldSize(),  # noqa: B008 - frozen dataclass, safe as a default
    progress: bool = True,
) -> dict[str, dict]:
    """Write `days` daily exports from `start` for every source to `landing_dir`, and
    the ground truth to `truth_dir`. Returns, per source, the files and rows written.
    The same arguments always produce byte-identical files."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}.")
    window = Window(start, days)
    rng = {stage: np.random.default_rng([seed, i]) for i, stage in enumerate(STAGES)}
    landing_dir = Path(landing_dir)
    truth_dir = Path(truth_dir)
    steps = 5 + 7 * days  # stages, plus one step per day for each of seven writers
    with Progress(
        TextColumn("[bold]{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not progress,
    ) as bar:
        task = bar.add_task("building the world", total=steps)

        def step(description: str | None = None) -> None:
            bar.advance(task)
            if description:
                bar.update(task, description=description)

        accounts = build_accounts(rng["accounts"], size, window)
        catalog = build_catalog(rng["catalog"], size, window)
        step("simulating shares")
        link_salt = int(rng["shares"].integers(1 << 40))
        shares = build_shares(rng["shares"], size, window, accounts, catalog, link_salt)
        shares = with_texts(shares, catalog)
        counts = cumulative_counts(shares)
        seeds = like_seeds(rng["shares"], shares)
        step("following clicks to revenue")
        conversions = build_conversions(
            rng["conversions"], size, window, shares, accounts, catalog, link_salt
        )
        step("writing X pages")
        summary: dict[str, dict] = {}
        social = (shares, accounts, counts, seeds, landing_dir, size.rows_per_file)
        summary["x"] = write_x(rng["x"], *social, step)
        bar.update(task, description="writing Mastodon pages")
        summary["mastodon"] = write_mastodon(rng["mastodon"], *social, step)
        bar.update(task, description="writing Bluesky feeds")
        bluesky = write_bluesky(rng["bluesky"], *social, step)
        summary["bluesky"] = _sum(bluesky.values())
        bar.update(task, description="writing click log")
        summary["clicks"] = write_clicks(
            rng["web"], conversions.clicks, window, landing_dir, size.rows_per_file, step
        )
        bar.update(task, description="writing GA4 events")
        summary["web_analytics"] = write_web_analytics(
            rng["web"], conversions.sessions, catalog, window, landing_dir, size.rows_per_file, step
        )
        bar.update(task, description="writing CRM exports")
        crm = write_crm(conversions.leads, conversions.opportunities, window, landing_dir, step)
        summary["crm"] = _sum(crm.values())
        bar.update(task, description="writing content catalog")
        summary["content"] = write_catalog(catalog, window, landing_dir, step)
        step("writing truth")
        _write_truth(truth_dir, accounts, shares, conversions.truth)
        bar.update(task, completed=steps, description="done")
    return summary


def _sum(parts) -> dict[str, int]:
    parts = list(parts)
    return {"files": sum(p["files"] for p in parts), "rows": sum(p["rows"] for p in parts)}


def _write_truth(
    truth_dir: Path, accounts: pl.DataFrame, shares: pl.DataFrame, chains: pl.DataFrame
) -> None:
    truth_dir.mkdir(parents=True, exist_ok=True)
    accounts.select(
        "platform",
        "account_id",
        "handle",
        "is_bot",
        "bot_farm",
        "is_business",
        self_declared_bot=pl.col("mastodon_declares_bot") & (pl.col("platform") == "mastodon"),
    ).write_parquet(truth_dir / "accounts.parquet")
    post = shares.select("share_idx", "platform", "post_id")
    shares.select(
        "platform",
        "post_id",
        "account_id",
        "share_type",
        "content_url",
        "is_bot",
        "bot_farm",
        shared_at=pl.from_epoch("shared_us", time_unit="us").dt.replace_time_zone("UTC"),
        share_id=pl.concat_str("platform", pl.lit(":"), "post_id"),
        parent_post_id="parent_post_id",
        link="link",
        link_hash="link_hash",
        utm_content="utm_content",
        content_type="content_type",
        campaign="campaign",
    ).write_parquet(truth_dir / "shares.parquet")
    chains = chains.join(
        post.select(share_idx="share_idx", share_post_id="post_id"), on="share_idx", how="left"
    ).join(
        post.select(original_idx="share_idx", original_post_id="post_id"),
        on="original_idx",
        how="left",
    )
    chains.select(
        "channel",
        "platform",
        "share_post_id",
        "original_post_id",
        pl.exclude(
            "channel", "platform", "share_idx", "original_idx", "share_post_id", "original_post_id"
        ),
    ).write_parquet(truth_dir / "conversions.parquet")
