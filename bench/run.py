"""`make bench`: how fast and how big, against the floor and against dlt, in one run.

For each scale (shares over 30 days, with clicks, sessions and CRM records in proportion)
the benchmark generates a world (timed on its own), then measures, each in a process of its
own, wall time and peak memory (the largest resident set of the process and its children):

- our stages one by one (bench/stages.py: ingest, dbt build, audit, publish);
- our pipeline end to end through Dagster (`sharesignal backfill`, a full refresh), then
  one more export date on top of it (`sharesignal backfill` of day 31: the daily run);
- the floor (bench/floor.py): one plain DuckDB SQL script computing the same marts;
- dlt (bench/dlt_ingest.py) loading the same landing files, up to `--dlt-max-shares`;

and once, a tiny partition end to end. Every measurement is repeated (`--repeats`; the
scales above `--repeat-max-shares` run once) and reported as median and spread. Results go
to docs/benchmarks.md (and the raw numbers to docs/benchmarks.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench.report import write_report
from sharesignal.config import REPO_ROOT

FIRST_DAY = date(2026, 10, 1)
DAYS = 30
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
NEXT_DAY = LAST_DAY + timedelta(days=1)
STAGES = ("ingest", "build", "audit", "publish")
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_bytes: int
    counted: dict


def measured(command: list[str], home: Path | None = None) -> Measurement:
    """Run `command` to completion: its wall time, its peak RSS (the largest of it and its
    children, which the kernel reports when it is reaped) and the JSON object on its last
    stdout line, if any."""
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    if home is not None:
        env["SHARESIGNAL_HOME"] = str(home)
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-3000:]}\n{errors[-3000:]}")
    lines = output.strip().splitlines()
    try:
        counted = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        counted = {}
    # ru_maxrss is in KiB on Linux.
    return Measurement(seconds, usage.ru_maxrss * 1024, counted)


def fresh_home(work: Path, name: str, landing: Path) -> Path:
    """An empty SHARESIGNAL_HOME reading the generated landing files (a symlink: the files
    are not copied)."""
    home = work / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "landing").symlink_to(landing)
    return home


def window_of(landing: Path, target: Path, last_day: date) -> Path:
    """The landing files up to `last_day`, as hard links (no copy; every tool sees plain
    files), for the tools that load a whole folder."""
    for path in landing.glob("*/*/*"):
        if date.fromisoformat(path.parent.name) <= last_day:
            linked = target / path.relative_to(landing)
            linked.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, linked)
    return target


def world_size(shares: int) -> list[str]:
    # The proportions of the default world (2,000 accounts and 60 items for 30,000 shares),
    # with accounts and catalog growing more slowly than activity, as they do.
    accounts = max(2_000, shares // 25)
    contents = max(60, min(2_000, shares // 5_000))
    return ["--shares", str(shares), "--accounts", str(accounts), "--contents", str(contents)]


def sharesignal(*args: str) -> list[str]:
    return [str(BIN / "sharesignal"), *args]


def backfill(start: date, end: date) -> list[str]:
    return sharesignal("backfill", "--start", str(start), "--end", str(end))


def module(name: str, *args: str) -> list[str]:
    return [sys.executable, "-m", name, *args]


def generate_world(home: Path, shares: int, max_world_shares: int) -> Measurement:
    """The world of `shares` over the 31 days, in `home/landing`. The generator holds a whole
    world in memory (about 4.3 GiB per million shares), so a larger one is generated a day
    at a time: 31 one-day worlds of the same configuration, each with 1/31 of the shares.
    Account ids differ from day to day and a one-day world has no opportunities yet, so
    trust and attribution see less history than in one 31-day world; the volumes are the
    same. Its time is the sum of the days, its peak memory the largest day's."""
    command = sharesignal("generate", "--quiet")
    if shares <= max_world_shares:
        return measured(
            command + ["--start", str(FIRST_DAY), "--days", str(DAYS + 1)] + world_size(shares),
            home,
        )
    size = world_size(shares)
    size[1] = str(shares // (DAYS + 1))  # --shares per day; accounts and catalog stay whole
    days = []
    for offset in range(DAYS + 1):
        day = FIRST_DAY + timedelta(days=offset)
        day_home = home.parent / f"generated-{day}"
        days.append(measured(command + ["--start", str(day), "--days", "1"] + size, day_home))
        for folder in (day_home / "landing").glob(f"*/{day}"):
            target = home / "landing" / folder.relative_to(day_home / "landing")
            target.parent.mkdir(parents=True, exist_ok=True)
            folder.rename(target)
        shutil.rmtree(day_home)
    return Measurement(
        seconds=sum(d.seconds for d in days),
        peak_rss_bytes=max(d.peak_rss_bytes for d in days),
        counted={},
    )


def bench_scale(
    work: Path,
    shares: int,
    repeats: int,
    dlt_default_max: int,
    dlt_tuned_max: int,
    max_world_shares: int,
) -> dict:
    root = work / f"shares-{shares}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    source_home = root / "generated"
    print(f"[{shares:,} shares] generating", flush=True)
    generation = generate_world(source_home, shares, max_world_shares)
    landing = source_home / "landing"
    # The 30 days of the full refresh; the 31st waits for the one-more-day run.
    window_landing = window_of(landing, root / "landing-30-days", LAST_DAY)
    window = ["--start", str(FIRST_DAY), "--end", str(LAST_DAY)]
    runs: dict[str, list[Measurement]] = {}

    def record(name: str, measurement: Measurement) -> None:
        runs.setdefault(name, []).append(measurement)
        print(
            f"[{shares:,} shares] {name}: {measurement.seconds:.1f} s, "
            f"{measurement.peak_rss_bytes / 2**20:.0f} MiB",
            flush=True,
        )

    for _ in range(repeats):
        home = fresh_home(root, "staged", window_landing)
        for stage in STAGES:
            args = window if stage in ("ingest", "build") else []
            record(stage, measured(module("bench.stages", stage, "--home", str(home), *args)))
        # Each warehouse is removed once measured: at 10M shares three of them (~11 GB each)
        # beside the 30 GB of landing files do not fit a common disk.
        shutil.rmtree(home)
        home = fresh_home(root, "pipeline", landing)
        record("end_to_end", measured(backfill(FIRST_DAY, LAST_DAY), home))
        record("one_more_day", measured(backfill(NEXT_DAY, NEXT_DAY), home))
        shutil.rmtree(home)
        floor_db = root / "floor" / "warehouse.duckdb"
        floor = module("bench.floor", "--landing", str(window_landing), "--database", str(floor_db))
        record("floor", measured([*floor, *window]))
        shutil.rmtree(floor_db.parent)
    # dlt runs once per scale: minutes where ours takes seconds, and with its default
    # INSERT loading, memory that grows past the machine; jsonl load files are the setting
    # a user tuning it would pick.
    for name, options, max_shares in (
        ("dlt_ingest", [], dlt_default_max),
        ("dlt_ingest_jsonl", ["--loader-file-format", "jsonl"], dlt_tuned_max),
    ):
        if shares <= max_shares:
            database = root / name / "dlt.duckdb"
            shutil.rmtree(database.parent, ignore_errors=True)
            dlt = module("bench.dlt_ingest", "--landing", str(window_landing))
            record(name, measured([*dlt, "--database", str(database), *options]))
    shutil.rmtree(root, ignore_errors=True)
    return {
        "shares": shares,
        "generation": asdict(generation),
        "generated_by_day": shares > max_world_shares,
        "runs": {name: [asdict(m) for m in ms] for name, ms in runs.items()},
    }


def bench_tiny(work: Path, repeats: int) -> dict:
    """One export date of a small business (1,000 shares) end to end from an empty home:
    the fixed cost of a run."""
    root = work / "tiny"
    shutil.rmtree(root, ignore_errors=True)
    source_home = root / "generated"
    measured(
        sharesignal(
            "generate",
            "--start",
            str(FIRST_DAY),
            "--days",
            "1",
            "--quiet",
            "--shares",
            "1000",
            "--accounts",
            "200",
            "--contents",
            "20",
        ),
        source_home,
    )
    runs = []
    for _ in range(repeats):
        home = fresh_home(root, "pipeline", source_home / "landing")
        runs.append(measured(backfill(FIRST_DAY, FIRST_DAY), home))
        print(f"[tiny partition] end to end: {runs[-1].seconds:.1f} s", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    return {"runs": [asdict(m) for m in runs]}


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    packages = ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "great-expectations", "polars")
    optional = ("dlt",)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": commit,
        "versions": {p: version(p) for p in packages} | {p: _version_or_none(p) for p in optional},
        # Our settings in the environment the pipeline ran with (e.g. a DuckDB memory limit);
        # not the home: each run gets its own.
        "settings": {
            k: v
            for k, v in sorted(os.environ.items())
            if k.startswith("SHARESIGNAL_") and k != "SHARESIGNAL_HOME"
        },
    }


def _version_or_none(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--scales", default="100000,1000000,10000000", help="shares per world, comma separated"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--repeat-max-shares", type=int, default=100_000, help="larger scales run once"
    )
    parser.add_argument(
        "--dlt-default-max-shares",
        type=int,
        default=100_000,
        help="larger scales skip dlt with its defaults (10 GB of memory at 100,000 shares)",
    )
    parser.add_argument(
        "--dlt-tuned-max-shares",
        type=int,
        default=1_000_000,
        help="larger scales skip dlt with jsonl load files",
    )
    parser.add_argument(
        "--max-world-shares",
        type=int,
        default=2_000_000,
        help="larger worlds are generated a day at a time (the generator holds a world in memory)",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/sharesignal-bench"))
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    results = {"machine": machine(), "command": " ".join(sys.argv), "scales": []}
    results["tiny"] = bench_tiny(args.work, args.repeats)
    for shares in (int(s) for s in args.scales.split(",")):
        repeats = args.repeats if shares <= args.repeat_max_shares else 1
        results["scales"].append(
            bench_scale(
                args.work,
                shares,
                repeats,
                args.dlt_default_max_shares,
                args.dlt_tuned_max_shares,
                args.max_world_shares,
            )
        )
        # Written after every scale: a long run that stops still leaves what it measured.
        args.output.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
        write_report(results, args.output)
    print(f"results in {args.output}")


if __name__ == "__main__":
    main()
