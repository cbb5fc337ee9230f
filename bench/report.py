"""docs/benchmarks.md from the results of bench/run.py: machine, targets, then per scale
each stage's median and spread, peak memory, throughput and its ratio to the floor."""

from __future__ import annotations

import statistics
from pathlib import Path

GIB = 2**30
MIB = 2**20

# Issue 7's targets (and issue 6's audit cost), as (label, limit).
FLOOR_RATIO_LIMIT = 3.0
DLT_SPEEDUP_MIN = 5.0
NEW_DAY_SHARE_LIMIT = 0.10
PEAK_MEMORY_LIMIT = 4 * GIB
TINY_SECONDS_LIMIT = 30.0


def _seconds(runs: list[dict]) -> list[float]:
    return [r["seconds"] for r in runs]


def _median(runs: list[dict]) -> float:
    return statistics.median(_seconds(runs))


def _peak(runs: list[dict]) -> int:
    return max(r["peak_rss_bytes"] for r in runs)


def _spread(runs: list[dict]) -> str:
    values = _seconds(runs)
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.1f} s (1 run)"
    return f"{median:,.1f} s ({min(values):,.1f}–{max(values):,.1f}, {len(values)} runs)"


def _floor_part(runs: list[dict], part: str) -> float:
    return statistics.median(r["counted"][f"{part}_seconds"] for r in runs)


def _met(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**missed**")


def _scale_named(results: dict, shares: int) -> dict | None:
    return next((s for s in results["scales"] if s["shares"] == shares), None)


def _largest(results: dict, run: str) -> dict | None:
    with_run = [s for s in results["scales"] if run in s["runs"]]
    return max(with_run, key=lambda s: s["shares"]) if with_run else None


def targets(results: dict) -> list[str]:
    rows = ["| target | measured | |", "|---|---|---|"]
    ten_million = _scale_named(results, 10_000_000)
    if ten_million:
        runs = ten_million["runs"]
        ratio = _median(runs["end_to_end"]) / _floor_part(runs["floor"], "total")
        rows.append(
            f"| end to end within {FLOOR_RATIO_LIMIT:g}× the floor at 10,000,000 shares "
            f"| {ratio:.1f}× | {_met(ratio <= FLOOR_RATIO_LIMIT)} |"
        )
        peak = max(_peak(r) for name, r in runs.items() if not name.startswith("dlt"))
        rows.append(
            f"| peak memory within 4 GiB at 10,000,000 shares | {peak / GIB:.1f} GiB "
            f"| {_met(peak <= PEAK_MEMORY_LIMIT)} |"
        )
    elif results["scales"]:
        # Not run at 10M: what the largest scale run says, clearly labelled.
        largest = max(results["scales"], key=lambda s: s["shares"])
        runs, at = largest["runs"], f"{largest['shares']:,}"
        ratio = _median(runs["end_to_end"]) / _floor_part(runs["floor"], "total")
        peak = max(_peak(r) for name, r in runs.items() if not name.startswith("dlt"))
        rows.append(
            f"| end to end within {FLOOR_RATIO_LIMIT:g}× the floor at 10,000,000 shares "
            f"| 10M not run; {ratio:.1f}× at {at} shares | not measured |"
        )
        rows.append(
            f"| peak memory within 4 GiB at 10,000,000 shares | 10M not run; "
            f"{peak / GIB:.1f} GiB at {at} shares (dlt excluded) | not measured |"
        )
    for run, setting in (("dlt_ingest", "its defaults"), ("dlt_ingest_jsonl", "jsonl load files")):
        dlt = _largest(results, run)
        if dlt:
            speedup = _median(dlt["runs"][run]) / _median(dlt["runs"]["ingest"])
            rows.append(
                f"| ingestion at least {DLT_SPEEDUP_MIN:g}× faster than dlt with {setting} on "
                f"the same files ({dlt['shares']:,} shares) | {speedup:.1f}× "
                f"| {_met(speedup >= DLT_SPEEDUP_MIN)} |"
            )
    largest = _largest(results, "one_more_day")
    if largest:
        share = _median(largest["runs"]["one_more_day"]) / _median(largest["runs"]["end_to_end"])
        rows.append(
            f"| one new day within 10% of a full refresh ({largest['shares']:,} shares) "
            f"| {share:.0%} | {_met(share <= NEW_DAY_SHARE_LIMIT)} |"
        )
    tiny = _median(results["tiny"]["runs"])
    rows.append(
        f"| one tiny partition end to end within {TINY_SECONDS_LIMIT:g} s | {tiny:.1f} s "
        f"| {_met(tiny <= TINY_SECONDS_LIMIT)} |"
    )
    audited = _scale_named(results, 1_000_000) or _largest(results, "audit")
    if audited:
        ratio = _median(audited["runs"]["audit"]) / _median(audited["runs"]["build"])
        rows.append(
            f"| the audit takes less time than the dbt build it checks "
            f"({audited['shares']:,} shares; issue 6) | {ratio:.2f} × the build "
            f"| {_met(ratio < 1)} |"
        )
    return rows


def scale_section(scale: dict) -> list[str]:
    runs = scale["runs"]
    shares = scale["shares"]
    generation = scale["generation"]
    ingest_rows = runs["ingest"][0]["counted"].get("rows_loaded", 0)
    floor = runs["floor"]
    lines = [
        f"### {shares:,} shares",
        "",
        f"Generation (not part of the pipeline): {generation['seconds']:,.1f} s, "
        f"peak {generation['peak_rss_bytes'] / MIB:,.0f} MiB"
        + (
            " (a day at a time: 31 one-day worlds, each with 1/31 of the shares; account ids "
            "differ from day to day and no opportunities are generated, see performance.md)"
            if scale.get("generated_by_day")
            else ""
        )
        + f"; {ingest_rows:,} landing records loaded.",
        "",
        "| stage | wall: median (min–max) | peak RSS | throughput | floor | ours ÷ floor |",
        "|---|---|---:|---:|---:|---:|",
    ]

    def row(name: str, label: str, rows: int, unit: str, floor_seconds: float | None) -> str:
        median = _median(runs[name])
        ratio = f"{median / floor_seconds:.1f}×" if floor_seconds else ""
        floor_text = f"{floor_seconds:,.1f} s" if floor_seconds else ""
        return (
            f"| {label} | {_spread(runs[name])} | {_peak(runs[name]) / MIB:,.0f} MiB "
            f"| {rows / median:,.0f} {unit}/s | {floor_text} | {ratio} |"
        )

    lines.append(row("ingest", "ingest", ingest_rows, "records", _floor_part(floor, "ingest")))
    lines.append(row("build", "dbt build", shares, "shares", _floor_part(floor, "transform")))
    lines.append(row("audit", "audit (GX, raw + marts)", shares, "shares", None))
    lines.append(row("publish", "publish", shares, "shares", None))
    staged = sum(_median(runs[s]) for s in ("ingest", "build", "audit", "publish"))
    lines.append(
        f"| sum of the stages | {staged:,.1f} s | | | "
        f"{_floor_part(floor, 'total'):,.1f} s | "
        f"{staged / _floor_part(floor, 'total'):.1f}× |"
    )
    lines.append(
        row(
            "end_to_end",
            "end to end (Dagster, full refresh)",
            shares,
            "shares",
            _floor_part(floor, "total"),
        )
    )
    new_day = _median(runs["one_more_day"]) / _median(runs["end_to_end"])
    lines.append(
        f"| one more day after the full refresh | {_spread(runs['one_more_day'])} "
        f"| {_peak(runs['one_more_day']) / MIB:,.0f} MiB | {new_day:.0%} of the full refresh "
        "| | |"
    )
    lines.append(
        f"| the floor itself (process, incl. dbt compile) | {_spread(floor)} "
        f"| {_peak(floor) / MIB:,.0f} MiB | | | |"
    )
    for run, setting in (("dlt_ingest", "defaults"), ("dlt_ingest_jsonl", "jsonl load files")):
        if run in runs:
            dlt = runs[run]
            lines.append(
                f"| dlt ingest of the same files ({setting}) | {_spread(dlt)} "
                f"| {_peak(dlt) / MIB:,.0f} MiB | {ingest_rows / _median(dlt):,.0f} records/s "
                f"| | ours is {_median(dlt) / _median(runs['ingest']):.1f}× faster |"
            )
    return [*lines, ""]


def growth(results: dict) -> list[str]:
    scales = sorted(results["scales"], key=lambda s: s["shares"])
    if len(scales) < 2:
        return []
    header = " | ".join(f"{s['shares']:,}" for s in scales)
    lines = [
        "Seconds per million shares at each scale (flat = linear):",
        "",
        f"| stage | {header} |",
        "|---|" + "---:|" * len(scales),
    ]
    for name in ("ingest", "build", "audit", "publish", "end_to_end", "floor"):
        cells = " | ".join(f"{_median(s['runs'][name]) / (s['shares'] / 1e6):,.1f}" for s in scales)
        label = "floor (its process, dbt compile included)" if name == "floor" else name
        lines.append(f"| {label.replace('_', ' ')} | {cells} |")
    return [*lines, ""]


def write_report(results: dict, output: Path) -> None:
    m = results["machine"]
    versions = ", ".join(f"{p} {v}" for p, v in m["versions"].items() if v)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`{results['command']}`) on {m['date']}, commit "
        f"`{m['commit']}`. Do not edit: run it again. What the numbers mean and where the time "
        "goes: [performance.md](performance.md).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, "
        f"Python {m['python']}; {versions}.",
        "",
        "Settings: "
        + (
            ", ".join(f"`{k}={v}`" for k, v in m.get("settings", {}).items())
            or "the defaults (no `SHARESIGNAL_*` variable set)"
        )
        + ".",
        "",
        "## Targets",
        "",
        *targets(results),
        "",
        "## Stages per scale",
        "",
        "Each stage in a process of its own (bench/stages.py), so its peak memory is its own; "
        "end to end is the product: `sharesignal backfill` through Dagster. The floor is one "
        "plain DuckDB SQL script computing the same marts from the same files "
        "(bench/floor.py); its ingest, transform and total are its own timings.",
        "",
        f"Tiny partition (1,000 shares, one export date, empty home): "
        f"{_spread(results['tiny']['runs'])}, peak {_peak(results['tiny']['runs']) / MIB:,.0f} "
        "MiB.",
        "",
    ]
    for scale in results["scales"]:
        lines += scale_section(scale)
    lines += ["## Growth", "", *growth(results)]
    output.write_text("\n".join(lines) + "\n")
