"""`sharesignal evaluate-accounts`: the published trust model measured on real labeled accounts.

For each dataset folder: read it, land it, run the pipeline in a scratch home, and measure
`dim_accounts` against the labels (sharesignal.labeled.measures). Writes, into the output
folder, `accounts-evaluation.md` and `.json` (the report) and `<dataset>.parquet` (every
labeled account with its label and its dim_accounts row: what the report was computed from,
and what `sharesignal fit-trust` fits on).
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from sharesignal.evaluate import markdown_table
from sharesignal.labeled import measures
from sharesignal.labeled.readers import read_dataset
from sharesignal.labeled.run import ScoredSet, run_pipeline

REPORT_NAME = "accounts-evaluation"


def score_datasets(folders: list[Path], work: Path | None) -> list[ScoredSet]:
    """Each dataset run through the pipeline, in `work` (kept) or a temporary folder."""
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
        return [run_pipeline(read_dataset(folder), work) for folder in folders]
    with tempfile.TemporaryDirectory(prefix="sharesignal-labeled-") as scratch:
        return [run_pipeline(read_dataset(folder), Path(scratch)) for folder in folders]


def dataset_report(scored: ScoredSet) -> dict[str, Any]:
    frame = scored.accounts
    return {
        "dataset": scored.labeled.name,
        "export_date": scored.export_date,
        "pipeline_seconds": round(scored.seconds, 1),
        "notes": list(scored.labeled.notes),
        "coverage": measures.coverage(frame),
        "summary": measures.summary(frame),
        "tiers": measures.tier_table(frame).to_dicts(),
        "cuts": measures.cut_table(frame).to_dicts(),
        "calibration": measures.calibration(measures.at_base_rate(frame)).to_dicts(),
        "signals": measures.signal_aucs(frame).to_dicts(),
    }


def render(reports: list[dict[str, Any]], command: str) -> str:
    lines = [
        "# The trust model on real labeled accounts",
        "",
        f"Made by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Each dataset was",
        "landed as X API v2 pages and run through the whole pipeline in a scratch home of",
        "its own; the figures are `dim_accounts` of its published marts against the labels.",
        "trust_score is read as the probability that the account is a person.",
        "",
        "| dataset | accounts | bots | ROC AUC | PR AUC | likely_bot precision | flagged bots | "
        "flagged people | calibration error | as published |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        s, c = r["summary"], r["coverage"]
        lines.append(
            f"| {r['dataset']} | {c['scored']:,} of {c['labeled']:,} | {c['bots']:,} | "
            + " | ".join(
                _number(s[k])
                for k in (
                    "roc_auc",
                    "pr_auc",
                    "likely_bot_precision",
                    "flagged_bot_recall",
                    "flagged_people",
                    "calibration_error",
                    "published_calibration_error",
                )
            )
            + " |"
        )
    lines += [
        "",
        "Flagged: in `suspect` or `likely_bot`. Targets on every dataset: ROC AUC ≥ "
        f"{measures.TARGETS['roc_auc']}, likely_bot precision ≥ "
        f"{measures.TARGETS['likely_bot_precision']}, flagged ≥ "
        f"{measures.TARGETS['flagged_bot_recall']:.0%} of bots and ≤ "
        f"{measures.TARGETS['flagged_people']:.0%} of people, calibration error ≤ "
        f"{measures.TARGETS['calibration_error']}. The calibration error is measured with the "
        "dataset's own share of people as the prior in place of `trust_person_prior` (a "
        "probability depends on the base rate); `as published` is trust_score as it is.",
        "",
    ]
    for r in reports:
        lines += _render_dataset(r)
    return "\n".join(lines)


def _render_dataset(r: dict[str, Any]) -> list[str]:
    c = r["coverage"]
    return [
        f"## {r['dataset']}",
        "",
        f"{c['labeled']:,} labeled accounts ({c['bots']:,} bots, {c['people']:,} people), "
        f"{c['scored']:,} found in dim_accounts ({_number(c['coverage'])}); export date "
        f"{r['export_date']}, pipeline run {r['pipeline_seconds']} s.",
        "",
        *[f"- {note}" for note in r["notes"]],
        "",
        "Tiers against labels:",
        "",
        markdown_table(pl.DataFrame(r["tiers"])),
        "At each tier cut (accounts in the tiers listed are flagged):",
        "",
        markdown_table(pl.DataFrame(r["cuts"])),
        "Calibration at the dataset's own share of people (deciles of trust_score with that "
        "share as prior, ties together):",
        "",
        markdown_table(pl.DataFrame(r["calibration"])),
        "Each signal alone (AUC above 0.5: people have more of it / its points favour people):",
        "",
        markdown_table(pl.DataFrame(r["signals"])),
    ]


def _number(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def evaluate_accounts_command(folders: list[Path], output: Path, work: Path | None) -> int:
    output.mkdir(parents=True, exist_ok=True)
    scored = score_datasets(folders, work)
    for s in scored:
        s.accounts.write_parquet(output / f"{s.labeled.name}.parquet")
    reports = [dataset_report(s) for s in scored]
    command = "sharesignal evaluate-accounts " + " ".join(f.name for f in folders)
    markdown = output / f"{REPORT_NAME}.md"
    markdown.write_text(render(reports, command), encoding="utf-8")
    (output / f"{REPORT_NAME}.json").write_text(
        json.dumps(reports, indent=2, default=str), encoding="utf-8"
    )
    for r in reports:
        s = r["summary"]
        print(
            f"{r['dataset']:>22}: ROC AUC {_number(s['roc_auc'])}, flagged "
            f"{_number(s['flagged_bot_recall'])} of bots and {_number(s['flagged_people'])} "
            f"of people"
        )
    print(f"report: {markdown}")
    return 0
