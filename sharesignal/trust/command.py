"""`sharesignal fit-trust`: fit the scorecard on real labeled datasets and write it down.

For each dataset folder: read, land and run it through the pipeline (as `evaluate-accounts`
does), then fit on the signals the pipeline computed. Writes:

- the seeds `dbt_project/seeds/trust/` (points, tier cuts, provenance);
- docs/trust.md's scorecard section and docs/evaluation.md's leave-one-out section (between
  their `<!-- fit-trust:… -->` markers), so the documentation shows the scorecard in use;
- `--report` (default `$SHARESIGNAL_HOME/quality/trust-fit.md`): all of it, with what each
  behaviour signal adds.

Run `make setup` (or `dbt parse`) afterwards so Dagster's manifest sees the new seeds, and
`sharesignal evaluate-accounts` to measure the fitted scorecard through the pipeline.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from sharesignal.config import REPO_ROOT, dbt_var, load_settings
from sharesignal.evaluate import markdown_table
from sharesignal.ingest.files import file_sha256
from sharesignal.labeled.report import score_datasets
from sharesignal.publish import code_version
from sharesignal.trust.fit import PENALTY, fit
from sharesignal.trust.leave_one_out import behaviour_gain, for_fitting, leave_one_out, pooled
from sharesignal.trust.scorecard import SEED_DIR, TIERS, Scorecard, prior_log_odds, write_seeds
from sharesignal.trust.signals import SIGNALS

DOCS = REPO_ROOT / "docs"
LEAVE_ONE_OUT_COLUMNS = (
    "left_out",
    "bots",
    "people",
    "roc_auc",
    "pr_auc",
    "likely_bot_precision",
    "likely_bot_recall",
    "flagged_bot_recall",
    "flagged_people",
    "calibration_error",
    "published_calibration_error",
)


def fingerprint(folder: Path) -> str:
    """sha256 over the dataset's files (each file's name and sha256, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as file:
            digest.update(f"{path.relative_to(folder).as_posix()} {file_sha256(file)}\n".encode())
    return digest.hexdigest()


def scorecard_markdown(scorecard: Scorecard) -> str:
    """The scorecard as docs/trust.md shows it: each signal's points per bin, and the tiers."""
    prior = prior_log_odds()
    nothing_known = 1 / (1 + math.exp(-(scorecard.intercept + prior)))
    lines = [
        f"Intercept **{scorecard.intercept:+.2f}** at even odds; with the prior "
        f"`trust_person_prior` = {dbt_var('trust_person_prior')} ({prior:+.2f}), an account "
        f"about which nothing is known scores **{nothing_known:.2f}**. The tier cuts are "
        "trust_score at that prior.",
        "",
        "| signal | points column | basis | points per bin (lower bound inclusive) |",
        "|---|---|---|---|",
    ]
    for signal in SIGNALS:
        bins = scorecard.points_of(signal.name)
        parts = [
            f"{_bin(row['lower_bound'], row['upper_bound'])}: {row['points']:+.2f}"
            for row in bins.iter_rows(named=True)
        ]
        lines.append(
            f"| `{signal.name}` | `{signal.points_column}` | {signal.basis} | "
            + " · ".join(parts)
            + " |"
        )
    cuts = [scorecard.tiers[tier] for tier in TIERS]
    upper = [*cuts[1:], None]
    lines += [
        "",
        "| tier | trust_score |",
        "|---|---|",
        *[
            f"| `{tier}` | {_range(cuts[i], upper[i])} |"
            for i, tier in reversed(list(enumerate(TIERS)))
        ],
    ]
    return "\n".join(lines)


def _bin(lower: float | None, upper: float | None) -> str:
    if lower is None and upper is None:
        return "any"
    if lower is None:
        return f"< {upper:g}"
    if upper is None:
        return f"≥ {lower:g}"
    return f"{lower:g}–{upper:g}"


def _range(lower: float, upper: float | None) -> str:
    return f"≥ {lower:.3f}" if upper is None else f"{lower:.3f} – {upper:.3f}"


def leave_one_out_markdown(table: pl.DataFrame, command: str) -> str:
    return "\n".join(
        [
            f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d}: each row is the scorecard "
            "fitted on the other datasets, scored on the one left out.",
            "",
            markdown_table(table.select(LEAVE_ONE_OUT_COLUMNS)),
        ]
    )


def replace_section(path: Path, name: str, body: str) -> None:
    """Replace the text between `<!-- fit-trust:name -->` and `<!-- /fit-trust:name -->`."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(
        rf"(<!-- fit-trust:{name} -->\n).*?(<!-- /fit-trust:{name} -->)", re.DOTALL
    )
    if not pattern.search(text):
        raise ValueError(f"{path} has no <!-- fit-trust:{name} --> section to replace")
    replaced = pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)
    path.write_text(replaced, encoding="utf-8")


def fit_trust_command(
    folders: list[Path],
    work: Path | None,
    report: Path | None,
    seeds: Path = SEED_DIR,
    docs: Path = DOCS,
) -> int:
    scored = score_datasets(folders, work)
    frames = {s.labeled.name: for_fitting(s.accounts, s.labeled.constructed) for s in scored}
    scorecard = fit(pooled(frames))
    command = "sharesignal fit-trust " + " ".join(f.name for f in folders)
    provenance: dict[str, Any] = {
        "command": command,
        "fitted_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "code_version": code_version(),
        "penalty": PENALTY,
        # the tier cuts are trust_score cuts at these dbt vars
        "trust_person_prior": dbt_var("trust_person_prior"),
        "self_declared_bot_cap": dbt_var("self_declared_bot_cap"),
        "datasets": [
            {
                "name": s.labeled.name,
                "folder": folder.name,
                "sha256": fingerprint(folder),
                "accounts": frames[s.labeled.name].height,
                "bots": int(frames[s.labeled.name]["is_bot"].sum()),
                "left_unknown": list(s.labeled.constructed),
            }
            for s, folder in zip(scored, folders, strict=True)
        ],
    }
    write_seeds(scorecard, provenance, seeds)
    table = leave_one_out(frames)
    gain = behaviour_gain(frames)
    replace_section(docs / "trust.md", "scorecard", scorecard_markdown(scorecard))
    replace_section(docs / "evaluation.md", "leave-one-out", leave_one_out_markdown(table, command))
    report = report or load_settings().quality_dir / "trust-fit.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        "\n".join(
            [
                "# The fitted trust scorecard",
                "",
                scorecard_markdown(scorecard),
                "",
                "## Leave one dataset out",
                "",
                leave_one_out_markdown(table, command),
                "## What each fitted behaviour signal adds (ROC AUC with and without it)",
                "",
                markdown_table(gain),
            ]
        ),
        encoding="utf-8",
    )
    print(markdown_table(table.select(LEAVE_ONE_OUT_COLUMNS)))
    print(f"seeds written to {seeds}; report: {report}")
    print("next: make setup (dbt parse), then sharesignal evaluate-accounts on the same folders")
    return 0
