"""The six charts of the report: for each, the mart(s) it reads, its query, the table of the
numbers it draws, and how it draws them with Altair; rendered to SVG and PNG by vl-convert,
in this process, with no browser and no network.

Every number a chart labels is formatted here, once, by the same function that fills its
table, so the labels on the bars and the table under the chart cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl
import vl_convert

from sharesignal.report import queries

# The Vega-Lite that Altair 6.3 writes specs for (its schema v6.4.x); vl-convert bundles several
# versions and renders with this one, so an upgrade of either cannot change the charts silently.
VEGA_LITE_VERSION = "6.4"
# PNG pixels per SVG pixel: sharp on high-density screens and in slides.
PNG_SCALE = 2


def count(value: Any) -> str:
    return f"{round(value):,}"


def weighted(value: Any) -> str:
    return f"{value:,.1f}"


def money(value: Any) -> str:
    return f"{value:,.2f}"


def percent(value: Any) -> str:
    return f"{value:.1%}"


def text(value: Any) -> str:
    return str(value)


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    format: Callable[[Any], str]


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    # The marts its query reads, named on the page and in the chart's subtitle.
    marts: tuple[str, ...]
    query: str
    # What it shows, for the page's caption.
    about: str
    # The table under the chart: every number the chart draws, and those that explain them.
    columns: tuple[Column, ...]
    draw: Callable[[pl.DataFrame], alt.TopLevelMixin]

    def table(self, frame: pl.DataFrame) -> list[list[str]]:
        return [
            [column.format(row[column.field]) for column in self.columns]
            for row in frame.iter_rows(named=True)
        ]


@dataclass(frozen=True)
class Rendered:
    svg: str
    png: bytes


def render(chart: Chart, frame: pl.DataFrame, publication_id: str) -> Rendered:
    """The chart of `frame` (which has rows), titled, naming its marts and publication, so
    that the SVG or PNG says where its numbers come from wherever it is pasted."""
    spec = (
        chart.draw(frame)
        .properties(
            title=alt.Title(
                chart.title,
                subtitle=f"reads {', '.join(chart.marts)} · publication {publication_id}",
                anchor="start",
            )
        )
        .configure_view(stroke=None)
        .configure_axis(labelLimit=280)
        .to_dict()
    )
    svg = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
    return Rendered(svg=svg, png=vl_convert.svg_to_png(svg, scale=PNG_SCALE))


def _labelled(frame: pl.DataFrame, fields: dict[str, Callable[[Any], str]]) -> pl.DataFrame:
    """`frame` in long form (one row per original row and field: `measure`, `value`) with the
    formatted value as `label`."""
    index = [c for c in frame.columns if c not in fields]
    long = frame.select(*index, *(pl.col(f).cast(pl.Float64) for f in fields)).unpivot(
        index=index, on=list(fields), variable_name="measure", value_name="value"
    )
    labels = [fields[m](v) for m, v in zip(long["measure"], long["value"], strict=True)]
    return long.with_columns(label=pl.Series(labels, dtype=pl.String))


def _powers_of_ten(top: float) -> list[int]:
    """0, 1, 10, 100, … up to the first power of ten at or above `top`."""
    ticks = [0, 1]
    while ticks[-1] < top:
        ticks.append(ticks[-1] * 10)
    return ticks


def _grouped_bars(
    data: pl.DataFrame,
    *,
    category: str,
    category_title: str,
    group: str,
    group_title: str,
    groups: dict[str, str],
    value_title: str,
    symlog: bool = False,
) -> alt.LayerChart:
    """Horizontal bars, one per category and group, each labelled with its number; `groups`
    maps each group, in order, to its colour."""
    order = list(dict.fromkeys(data[category].to_list()))
    base = alt.Chart(data).encode(
        y=alt.Y(f"{category}:N", sort=order, title=category_title),
        yOffset=alt.YOffset(f"{group}:N", sort=list(groups)),
        x=alt.X(
            "value:Q",
            title=value_title,
            scale=alt.Scale(type="symlog") if symlog else alt.Scale(),
            # Vega's own symlog ticks crowd into each other near the top.
            axis=alt.Axis(values=_powers_of_ten(data["value"].max())) if symlog else alt.Axis(),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            f"{group}:N",
            title=group_title,
            scale=alt.Scale(domain=list(groups), range=list(groups.values())),
            legend=alt.Legend(orient="top"),
        )
    )
    labels = base.mark_text(align="left", baseline="middle", dx=3, fontSize=10).encode(
        text="label:N"
    )
    return (bars + labels).properties(width=520, height=alt.Step(13))


def _bars(
    data: pl.DataFrame, *, category: str, value_title: str, colours: dict[str, str]
) -> alt.LayerChart:
    """Horizontal bars, one per category in the order of `data`, each labelled with its
    number and coloured by `colours`."""
    base = alt.Chart(data).encode(
        y=alt.Y(f"{category}:N", sort=list(colours), title=None),
        x=alt.X("value:Q", title=value_title),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            f"{category}:N",
            scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            legend=None,
        )
    )
    labels = base.mark_text(align="left", baseline="middle", dx=3, fontSize=10).encode(
        text="label:N"
    )
    return (bars + labels).properties(width=520, height=alt.Step(20))


MEASURE_COLOURS = {"raw": "#9e9e9e", "trust-weighted": "#4c78a8", "earned": "#54a24b"}


def _draw_campaign_shares(frame: pl.DataFrame) -> alt.TopLevelMixin:
    data = _labelled(
        frame.rename(
            {
                "raw_shares": "raw",
                "trust_weighted_shares": "trust-weighted",
                "earned_shares": "earned",
            }
        ),
        {"raw": count, "trust-weighted": weighted, "earned": count},
    )
    return _grouped_bars(
        data,
        category="campaign",
        category_title="campaign",
        group="measure",
        group_title="shares",
        groups=MEASURE_COLOURS,
        value_title="shares",
    )


def _draw_amplification(frame: pl.DataFrame) -> alt.TopLevelMixin:
    data = _labelled(
        frame.select(
            "day",
            pl.col("suspected_share").alias("suspected bots"),
            pl.col("burst_share").alias("bursts"),
        ),
        {"suspected bots": percent, "bursts": percent},
    )
    base = alt.Chart(data).encode(
        x=alt.X("day:O", title="share day (UTC)", axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title="part of the day's shares", axis=alt.Axis(format="%")),
        color=alt.Color(
            "measure:N",
            title="shares from",
            scale=alt.Scale(domain=["suspected bots", "bursts"], range=["#e45756", "#f58518"]),
            legend=alt.Legend(orient="top"),
        ),
    )
    lines = base.mark_line(point=True)
    labels = base.mark_text(dy=-9, fontSize=9).encode(text="label:N")
    return (lines + labels).properties(width=max(360, 36 * frame.height), height=260)


PLATFORM_COLOURS = {"x": "#222222", "mastodon": "#6364ff", "bluesky": "#1185fe"}
FUNNEL_STEPS = {
    "shares": "shares",
    "clicks": "clicks",
    "sessions": "sessions",
    "leads": "leads",
    "opportunities": "opportunities",
    "won_opportunities": "won opportunities",
}


def _draw_funnel(frame: pl.DataFrame) -> alt.TopLevelMixin:
    colours = {p: PLATFORM_COLOURS.get(p, "#72b7b2") for p in frame["platform"]}
    steps = _labelled(
        frame.select("platform", *FUNNEL_STEPS).rename(FUNNEL_STEPS),
        dict.fromkeys(FUNNEL_STEPS.values(), count),
    )
    funnel = _grouped_bars(
        steps,
        category="measure",
        category_title="step",
        group="platform",
        group_title="platform",
        groups=colours,
        value_title="count (symmetric log scale)",
        symlog=True,
    ).properties(width=380)
    revenue = _bars(
        frame.select(
            "platform",
            pl.col("won_revenue").alias("value"),
            pl.Series("label", [money(v) for v in frame["won_revenue"]], dtype=pl.String),
        ),
        category="platform",
        value_title="won revenue",
        colours=colours,
    ).properties(width=240)
    return alt.hconcat(funnel, revenue).resolve_scale(color="independent")


MODEL_COLOURS = {
    "first_touch": "#bab0ac",
    "last_touch": "#9d755d",
    "linear": "#72b7b2",
    "time_decay": "#eeca3b",
    "position_based": "#b279a2",
    "trust_weighted": "#4c78a8",
}


def _draw_attribution(frame: pl.DataFrame) -> alt.TopLevelMixin:
    data = _labelled(frame.drop("opportunities"), dict.fromkeys(MODEL_COLOURS, money))
    return _grouped_bars(
        data,
        category="campaign",
        category_title="campaign",
        group="measure",
        group_title="attribution model",
        groups=MODEL_COLOURS,
        value_title="attributed won revenue",
    )


def _draw_top_content(frame: pl.DataFrame) -> alt.TopLevelMixin:
    # Ranked labels: two contents with the same title stay two bars.
    ranked = frame.with_row_index("rank", offset=1).select(
        pl.format("{}. {}", "rank", "title").alias("content"),
        pl.col("earned_shares").alias("value"),
        pl.Series("label", [count(v) for v in frame["earned_shares"]], dtype=pl.String),
    )
    return _bars(
        ranked,
        category="content",
        value_title="earned shares",
        colours={c: MEASURE_COLOURS["earned"] for c in ranked["content"]},
    ).properties(width=420)


TIER_COLOURS = {
    "trusted": "#54a24b",
    "neutral": "#9ecae9",
    "suspect": "#f58518",
    "likely_bot": "#e45756",
}


def _draw_trust_tiers(frame: pl.DataFrame) -> alt.TopLevelMixin:
    labels = [
        f"{count(n)} ({percent(p)})"
        for n, p in zip(frame["accounts"], frame["share_of_platform"], strict=True)
    ]
    data = frame.select(
        "platform",
        pl.col("trust_tier").alias("measure"),
        pl.col("accounts").cast(pl.Float64).alias("value"),
        pl.Series("label", labels, dtype=pl.String),
    )
    return _grouped_bars(
        data,
        category="platform",
        category_title="platform",
        group="measure",
        group_title="trust tier",
        groups=TIER_COLOURS,
        value_title="sharing accounts",
    )


CHARTS: tuple[Chart, ...] = (
    Chart(
        slug="campaign_shares",
        title="Raw, trust-weighted and earned shares per campaign",
        marts=("mart_content_performance", "dim_content"),
        query=queries.CAMPAIGN_SHARES,
        about="Every share of the campaign's catalog content (raw), the same shares weighed by "
        "trust (account × content × network factor), and the earned ones: a trusted sharer's "
        "shares that people passed on or whose link was clicked. A campaign pushed by bots is "
        "loud in raw shares and small in the other two. Campaign from dim_content; `(none)` is "
        "catalog content without a campaign (shares linking no catalog content are left out).",
        columns=(
            Column("campaign", "campaign", text),
            Column("raw_shares", "raw shares", count),
            Column("trust_weighted_shares", "trust-weighted shares", weighted),
            Column("earned_shares", "earned shares", count),
        ),
        draw=_draw_campaign_shares,
    ),
    Chart(
        slug="amplification_over_time",
        title="Suspected-bot and burst activity over time",
        marts=("mart_amplification_audit",),
        query=queries.AMPLIFICATION_BY_DAY,
        about="Per share day, the part of the day's shares of catalog content made by accounts "
        "in trust tier suspect or likely_bot, and the part made in coordinated bursts (many "
        "accounts amplifying one post or link within seconds). A share can be both; "
        "`either` counts it once.",
        columns=(
            Column("day", "share day", text),
            Column("shares", "shares", count),
            Column("suspected_shares", "by suspected bots", count),
            Column("suspected_share", "suspected part", percent),
            Column("burst_shares", "in bursts", count),
            Column("burst_share", "burst part", percent),
            Column("amplified_shares", "either", count),
            Column("amplified_share", "either part", percent),
        ),
        draw=_draw_amplification,
    ),
    Chart(
        slug="platform_funnel",
        title="From shares to won revenue, per platform",
        marts=("mart_share_funnel", "fct_attributed_opportunities"),
        query=queries.PLATFORM_FUNNEL,
        about="Shares, the clicks and web sessions they brought and the leads those created "
        "(summed over mart_share_funnel), then the opportunities the platform's shares "
        "touched, the won ones and their revenue, each opportunity once per platform "
        "(fct_attributed_opportunities; one touched from two platforms counts in both). The "
        "count axis is a symmetric log scale, so small steps stay visible; the labels are the "
        "exact numbers.",
        columns=(
            Column("platform", "platform", text),
            Column("shares", "shares", count),
            Column("clicks", "clicks", count),
            Column("sessions", "sessions", count),
            Column("leads", "leads", count),
            Column("opportunities", "opportunities", count),
            Column("won_opportunities", "won opportunities", count),
            Column("won_revenue", "won revenue", money),
        ),
        draw=_draw_funnel,
    ),
    Chart(
        slug="attribution_models",
        title="Won revenue by attribution model, per campaign",
        marts=("fct_attributed_opportunities",),
        query=queries.ATTRIBUTION_BY_CAMPAIGN,
        about="The won revenue each attribution model credits to the shares of each campaign "
        "(the campaign of the touch), side by side. Every model splits each won opportunity's "
        "amount over the shares that touched it, so each model's column adds up to the same "
        "total; trust-weighted gives bought amplification nothing.",
        columns=(
            Column("campaign", "campaign", text),
            Column("opportunities", "opportunities", count),
            *(Column(model, model.replace("_", " "), money) for model in MODEL_COLOURS),
        ),
        draw=_draw_attribution,
    ),
    Chart(
        slug="top_earned_content",
        title="Top content by earned shares",
        marts=("mart_content_performance", "dim_content"),
        query=queries.TOP_EARNED_CONTENT,
        about="The ten pieces of content with the most earned shares (a trusted sharer's "
        "shares that people passed on or whose link was clicked), with their raw and "
        "trust-weighted shares for comparison. Titles and campaigns from dim_content.",
        columns=(
            Column("title", "content", text),
            Column("campaign", "campaign", text),
            Column("earned_shares", "earned shares", count),
            Column("raw_shares", "raw shares", count),
            Column("trust_weighted_shares", "trust-weighted shares", weighted),
        ),
        draw=_draw_top_content,
    ),
    Chart(
        slug="trust_tiers",
        title="Trust-tier mix of sharing accounts",
        marts=("dim_accounts",),
        query=queries.TRUST_TIER_MIX,
        about="Accounts that shared at least once, per platform and trust tier (trusted, "
        "neutral, suspect, likely_bot: the cuts of trust_score in docs/trust.md), with the "
        "part of the platform's sharing accounts each tier is and the shares they made.",
        columns=(
            Column("platform", "platform", text),
            Column("trust_tier", "trust tier", text),
            Column("accounts", "accounts", count),
            Column("share_of_platform", "part of platform", percent),
            Column("shares", "shares", count),
        ),
        draw=_draw_trust_tiers,
    ),
)
