"""The `sharesignal` command: generate sample exports, run the pipeline, show the result."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

from sharesignal.config import REPO_ROOT, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sharesignal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write sample export files into landing/")
    gen.add_argument("--start", type=date.fromisoformat, default=load_settings().partitions_start)
    gen.add_argument("--days", type=int, default=30)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--accounts", type=int, help="accounts per world (default: generator's)")
    gen.add_argument("--shares", type=int, help="shares over the whole range")
    gen.add_argument("--contents", type=int, help="content items in the catalog")
    gen.add_argument(
        "--bots-imitate-people",
        action="store_true",
        help="the hard world: bots copy people's profiles, so only their behaviour shows them",
    )
    gen.add_argument("--quiet", action="store_true", help="no progress display")

    backfill = commands.add_parser(
        "backfill",
        help="materialize every asset for a range of export dates, in one run",
    )
    backfill.add_argument("--start", type=date.fromisoformat, required=True)
    backfill.add_argument("--end", type=date.fromisoformat, required=True, help="inclusive")
    backfill.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from all of raw, not only these dates (after "
        "changing SHARESIGNAL_PSEUDONYM_KEY or upgrading sharesignal)",
    )

    commands.add_parser(
        "publish",
        help="re-run the quality gates on the marts as built and publish them if they pass",
    )

    commands.add_parser(
        "ui",
        help="start the Dagster UI (and its daemon) on localhost:3000, and the pages server "
        "(results report, dbt docs, quality reports) on localhost:3001",
    )
    commands.add_parser(
        "docs", help="write the dbt docs of the warehouse to $SHARESIGNAL_HOME/dbt_docs/"
    )

    commands.add_parser("summary", help="what is published in serving/marts.duckdb")

    commands.add_parser(
        "report",
        help="write the results report (serving/report/index.html, charts of the marts) for "
        "the published version",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="score the published trust model against the generator's ground truth (truth/)",
    )
    evaluate.add_argument(
        "--output",
        type=Path,
        help="where to write the report (default: $SHARESIGNAL_HOME/quality/evaluation.json "
        "and .md beside it)",
    )
    evaluate.add_argument(
        "--warehouse",
        action="store_true",
        help="evaluate the marts last built in warehouse.duckdb, even if not published",
    )

    labeled = commands.add_parser(
        "evaluate-accounts",
        help="measure the trust model on real labeled account datasets, each run through the "
        "pipeline in a scratch home",
    )
    labeled.add_argument("datasets", nargs="+", type=Path, help="dataset folders")
    labeled.add_argument(
        "--output",
        type=Path,
        help="where to write the report and the scored accounts (default: "
        "$SHARESIGNAL_HOME/quality/accounts/)",
    )
    labeled.add_argument(
        "--work", type=Path, help="keep each dataset's scratch home here (default: temporary)"
    )

    fit_trust = commands.add_parser(
        "fit-trust",
        help="fit the trust scorecard on real labeled account datasets and write its seeds",
    )
    fit_trust.add_argument("datasets", nargs="+", type=Path, help="dataset folders")
    fit_trust.add_argument(
        "--report",
        type=Path,
        help="where to write the fit's report (default: $SHARESIGNAL_HOME/quality/trust-fit.md)",
    )
    fit_trust.add_argument(
        "--work", type=Path, help="keep each dataset's scratch home here (default: temporary)"
    )

    args = parser.parse_args(argv)
    if args.command == "generate":
        return generate_command(args)
    if args.command == "backfill":
        exit_without_teardown(backfill_command(args.start, args.end, args.full_refresh))
    if args.command == "publish":
        exit_without_teardown(run_job("audit_and_publish", {}, "the marts as built"))
    if args.command == "ui":
        return ui_command()
    if args.command == "docs":
        return docs_command()
    if args.command == "report":
        return report_command()
    if args.command == "evaluate":
        from sharesignal.evaluate import evaluate_command

        return evaluate_command(args.output, warehouse=args.warehouse)
    if args.command == "evaluate-accounts":
        from sharesignal.labeled.report import evaluate_accounts_command

        output = args.output or load_settings().quality_dir / "accounts"
        return evaluate_accounts_command(args.datasets, output, args.work)
    if args.command == "fit-trust":
        from sharesignal.trust.command import fit_trust_command

        return fit_trust_command(args.datasets, args.work, args.report)
    return summary_command()


def exit_without_teardown(code: int) -> NoReturn:
    """End the command now, without Python's teardown: after a run has loaded Dagster, dbt's
    manifest and Great Expectations, freeing their objects one by one takes 1.5 s of every
    run, and there is nothing left to write (the run's instance, connections and files are
    closed). The exit handlers still run, as at any exit: they flush logging and release
    multiprocessing's semaphores (else its resource tracker warns of a leak)."""
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


def generate_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from sharesignal.generate import WorldSize, generate

    settings = load_settings()
    overrides = {
        name: value
        for name in ("accounts", "shares", "contents")
        if (value := getattr(args, name)) is not None
    }
    if args.bots_imitate_people:
        overrides["bots_imitate_people"] = True
    summary = generate(
        settings.landing_dir,
        settings.truth_dir,
        start=args.start,
        days=args.days,
        seed=args.seed,
        size=replace(WorldSize(), **overrides),
        progress=not args.quiet,
    )
    for source, counts in summary.items():
        print(f"{source:>14}: {counts['files']:>5} files {counts['rows']:>10,} rows")
    print(f"landing files in {settings.landing_dir}; ground truth in {settings.truth_dir}")
    return 0


def prepare_dagster_home() -> Path:
    """Point Dagster at $SHARESIGNAL_HOME/dagster, with our instance settings, so the UI
    shows the runs started here and runs queue one at a time."""
    home = load_settings().dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def ui_command() -> int:
    import subprocess

    from sharesignal.dbt_docs import NoWarehouse, build_dbt_docs
    from sharesignal.pages import page_link_lines, start_pages_server

    settings = load_settings()
    prepare_dagster_home()
    print("writing the dbt docs of the warehouse (about 20 s)…", flush=True)
    try:
        build_dbt_docs(settings)
    except NoWarehouse as missing:
        print(f"no dbt docs: {missing}")
    server = start_pages_server(settings)
    print(f"Dagster UI:  {settings.dagster_url}  (starting: it answers in about a minute)")
    print("\n".join(page_link_lines(settings)))
    print("stop both with Ctrl-C", flush=True)
    bin_dir = Path(sys.executable).parent
    # dagster-dbt re-parses the dbt project under `dagster dev` and looks for `dbt` on PATH.
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    command = [str(bin_dir / "dagster"), "dev", "-w", str(REPO_ROOT / "workspace.yaml")]
    command += ["--host", settings.ui_host, "--port", str(settings.dagster_port)]
    dagster = subprocess.Popen(command)
    try:
        while True:
            try:
                return dagster.wait()
            except KeyboardInterrupt:
                # Ctrl-C reached dagster dev too (one process group): let it shut its
                # webserver and daemon down instead of killing it.
                continue
    finally:
        server.shutdown()


def docs_command() -> int:
    from sharesignal.dbt_docs import NoWarehouse, build_dbt_docs

    settings = load_settings()
    try:
        page = build_dbt_docs(settings)
    except NoWarehouse as missing:
        print(missing, file=sys.stderr)
        return 1
    print(f"dbt docs written to {page}; served by `make ui` at {settings.page_url(page)}")
    return 0


def backfill_command(start: date, end: date, full_refresh: bool = False) -> int:
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    tags = {
        ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
        ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
    }
    scope = f"{start} .. {end}" + (", full refresh" if full_refresh else "")
    ops = {"dbt_models": {"config": {"full_refresh": True}}} if full_refresh else {}
    return run_job("daily_pipeline", tags, scope, ops)


def run_job(name: str, tags: dict[str, str], scope: str, ops: dict | None = None) -> int:
    """Run a job of the code location in this process, recorded in the Dagster instance the
    UI shows, telling each stage as it starts and ends (sharesignal.progress); print its
    checks, naming every failed expectation, and the total time."""
    import uuid
    import warnings

    from dagster import BetaWarning, DagsterInstance

    from sharesignal import progress

    clock = progress.Clock()
    # Beta flags on backfill policies are our informed choice; the warning is noise here.
    warnings.filterwarnings("ignore", category=BetaWarning)
    prepare_dagster_home()

    clock.say("loading the pipeline (Dagster, the dbt manifest, Great Expectations) ...")
    from orchestration.definitions import defs
    from orchestration.publish import published_marts

    job = defs.resolve_job_def(name)
    clock.say(f"loaded in {progress.duration(clock.elapsed())}; {name}: {scope}")
    # Known before the run exists, so that the progress listens to it from its first event.
    run_id = str(uuid.uuid4())
    with DagsterInstance.get() as instance, progress.shown(instance, run_id, clock):
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            tags=tags,
            # What the console log would say, the progress says in fewer lines; the whole
            # log is in the UI.
            run_config={
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                "ops": ops or {},
            },
            raise_on_error=False,
        )
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    print(f"run {result.run_id} ({name}): {scope}")
    print(f"checks: {len(checks) - len(failed)} passed, {len(failed)} failed")
    for c in failed:
        print(f"  FAILED {c.asset_key.to_user_string()} {c.check_name}: {c.description or ''}")
    clock.say(f"total {progress.duration(clock.elapsed())}")
    if not result.success:
        materialized = {event.asset_key for event in result.get_asset_materialization_events()}
        if published_marts.key in materialized:
            print("the run failed after publishing: the marts are published, the results report")
            print("is not (see the Dagster UI: make ui; `sharesignal report` writes it again)")
        else:
            print("the run failed: nothing new was published (see the Dagster UI: make ui)")
        return 1
    return summary_command()


def report_command() -> int:
    from sharesignal.report.publish import INDEX, write_report
    from sharesignal.writer_lock import writer_lock

    settings = load_settings()
    if not settings.serving_path.exists():
        print(f"nothing published yet: {settings.serving_path} does not exist")
        return 1
    # It replaces serving/report: a writer of the serving folder like publishing.
    with writer_lock("report (sharesignal report)"):
        report = write_report(settings.serving_path, settings.report_dir, settings.serving_versions)
    print(f"report of publication {report.publication.id}: {settings.report_dir / INDEX}")
    print(f"  (written into {report.folder})")
    print(f"on the pages server: {settings.page_url(settings.report_dir / INDEX)}")
    return 0


def summary_command() -> int:
    from sharesignal import serving
    from sharesignal.pages import page_link_lines

    settings = load_settings()
    if not settings.serving_path.exists():
        print(f"nothing published yet: {settings.serving_path} does not exist")
        return 1
    con = serving.connect(settings.serving_path)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
        ]
        print(f"published marts in {settings.serving_path}:")
        for table in tables:
            rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            print(f"  {table:<28} {rows:>10,} rows")
    finally:
        con.close()
    print("query them read-only:  duckdb -readonly " + str(settings.serving_path))
    print(f"open the lineage:      make ui   (then {settings.dagster_url})")
    print("and, while make ui runs, the pages it serves:")
    print("\n".join(page_link_lines(settings, indent="  ")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
