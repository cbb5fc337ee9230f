"""Sample exports for sharesignal: a small world of people, bots and content, written
as the real export files of every source (see docs/ingestion.md), plus the ground truth.

    from sharesignal.generate import generate, WorldSize
    summary = generate(landing_dir, truth_dir, start, days, seed=7, size=WorldSize())

The same arguments always produce byte-identical files. The pipeline never reads the
truth; tests and evaluations do. Truth files (Parquet, in `truth_dir`):

`accounts.parquet` — one row per account: `platform` (x, mastodon, bluesky),
`account_id` (X user id, Mastodon account id, Bluesky did), `handle` (X username,
Mastodon acct, Bluesky handle), `is_bot`, `bot_farm` (farm name, null for people),
`is_business` (the business's own accounts), `self_declared_bot` (Mastodon `bot: true`).

`shares.parquet` — one row per share: `platform`, `post_id` as the pipeline sees it (X
tweet id, Mastodon status id, Bluesky post uri, or `repost:<did>:<post uri>` for a
Bluesky repost), `share_id` (`<platform>:<post_id>`), `account_id`, `share_type`
(original, reshare, quote, reply), `content_url` (the page the share is about, without
UTM), `is_bot`, `bot_farm`, `shared_at` (UTC), `parent_post_id` (the original a
reaction points to), `link` (as posted: UTM-tagged URL or short link), `link_hash`
(short-link hash), `utm_content` (the original's share-level token), `content_type`,
`campaign`.

`conversions.parquet` — one row per visit chain: every click (people and bots), every
web session, and every offline lead. `channel` (social, bot, organic_search, direct,
email, offline), `platform`, `share_post_id` (the share whose audience clicked),
`original_post_id` (whose link it was), `share_is_bot`, `content_url`, `link_hash`,
`click_logged` (a click-log line exists), `clicked_at`, `user_pseudo_id`,
`ga_session_id`, `session_started_at`, `lead_id`, `lead_source`, `lead_created_at`,
`opportunity_id`, `opportunity_created_at`, `amount`, `is_won` (null while open at the
end of the window), `closed_at`.
"""

from sharesignal.generate.run import generate
from sharesignal.generate.world import WorldSize

__all__ = ["WorldSize", "generate"]
