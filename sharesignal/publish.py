"""Publish audited marts to the serving database, atomically.

BI tools read `serving/marts.duckdb` and never the warehouse. A publication, step by step:

1. Copy the marts out of the warehouse into a candidate file beside the serving file, in one
   read of the warehouse, with the other tables the gates read (`raw._load_log`, the trust
   seeds…), and views `marts.<mart>` over the copies so that the gates' SQL reads them.
2. Run the gates (`audit`) on that candidate: they judge exactly the rows to be published,
   so a writer changing the warehouse after the copy, or after the gates of the pipeline
   run, cannot get unaudited rows published. A failed gate ends the publication here.
3. Drop what only the gates read; add a `_publication` table (when, which partitions, the
   gates' outcomes, which code) and the dbt descriptions as comments; write Parquet copies of
   every mart into a new folder `serving/parquet/<publication id>/`; flush it all to disk.
4. Keep the file being replaced as `serving/versions/marts-<UTC timestamp>.duckdb`, named by
   when it was written (a hard link made just before the rename: keeping it costs no copy).
5. Remove a `marts.duckdb.wal` left beside the serving file (by a reader that opened it
   read-write and was killed: it belongs to the old file, and beside the new one every reader
   would fail with "WAL does not match database file"), make the candidate read-only (0444,
   so a reader that forgets `read_only` gets an error instead of writing a WAL), and rename
   it into place: a reader opens either the old file or the new one, never a half-written one.
6. Point Parquet readers at the new folder by renaming a new `serving/parquet/current.json`
   over the old one. A reader reads that manifest once, then the files it lists: all of one
   publication, whatever is published meanwhile.
7. Keep the newest `keep_versions` replaced files, and as many previous Parquet folders (at
   least one, for a reader that read the manifest just before the switch; the manifest lists
   them under `previous`); delete the rest.

Everything before the rename of step 5 can fail without a trace: the candidate and the new
Parquet folder are removed, the serving file, the manifest and `serving/versions` are
untouched. The two renames are two steps, so a crash exactly between them leaves the new
database beside the previous manifest (until the next publication); the `_publication` table
names the Parquet folder that belongs to the database (`parquet_folder`).

A publication killed outright (SIGKILL, power cut) leaves at most its temporary files, which
the next publication removes first; a Parquet folder it moved into place but never named in
the manifest is deleted by the next publication's pruning, and never counts as a previous one.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from sharesignal.crash import crash_point
from sharesignal.durable import fsync_path

VERSIONS_DIR = "versions"
PARQUET_DIR = "parquet"
# In PARQUET_DIR: which folder, and which files in it, make the current publication.
PARQUET_MANIFEST = "current.json"
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
# The serving file is written in DuckDB 1.0's storage format, the oldest that holds every type
# of the marts: DuckDB 2.0's own format cannot be read by the DuckDB 1.x that BI clients carry
# (the CLI on PyPI, JDBC, Node). Set when the file is created; later connections keep it.
SERVING_STORAGE_VERSION = "v1.0.0"


@dataclass(frozen=True)
class SuiteOutcome:
    """The blocking suite of one mart, as it stood on the copy that was published."""

    mart: str
    passed: bool
    # None when the number of evaluated expectations is not known to the caller.
    expectations_evaluated: int | None = None


# Runs the gates on the candidate file (its marts as views `<schema>.<mart>`); one outcome
# per mart.
Audit = Callable[[Path], list[SuiteOutcome]]


class GateFailed(Exception):
    """A mart failed its gate on the copy about to be published: nothing was published."""


@dataclass(frozen=True)
class Publication:
    """What the `_publication` table of a serving file records besides the gates' outcomes,
    when it was written and which Parquet folder belongs to it (filled in by
    `publish_marts`)."""

    first_partition: date | None = None
    last_partition: date | None = None
    code_version: str | None = None


def code_version() -> str:
    """The git commit of the checkout, else the installed package version."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"sharesignal {version('sharesignal')}"
        except PackageNotFoundError:
            return "unknown"


def publish_marts(
    warehouse_path: Path,
    serving_path: Path,
    schema: str,
    tables: list[str],
    *,
    audit: Audit,
    audit_inputs: Iterable[tuple[str, str]] = (),
    publication: Publication | None = None,
    keep_versions: int = 3,
    manifest_path: Path | None = None,
) -> dict[str, int]:
    """Copy `schema.<table>` for each table from the warehouse into a candidate file, run
    `audit` on it, and when every mart passed swap it in as the serving file, with Parquet
    copies. `audit_inputs` names (schema, table) the gates read besides the marts; the copy
    takes those the warehouse holds. Returns the row count of each published table; raises
    GateFailed, publishing nothing, when a mart failed."""
    if keep_versions < 0:
        raise ValueError(f"keep_versions must be >= 0, not {keep_versions}")
    publication = publication or Publication(code_version=code_version())
    serving_dir = serving_path.parent
    parquet_root = serving_dir / PARQUET_DIR
    serving_dir.mkdir(parents=True, exist_ok=True)
    _remove_temporary_files(serving_dir, serving_path)
    _replace_parquet_symlink(serving_dir)
    parquet_root.mkdir(exist_ok=True)
    crash_point("publish:start")
    published_at = datetime.now(UTC)
    publish_id = f"{published_at:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
    # Not named `.marts.duckdb…`: DuckDB would call its catalog `marts`, like the schema.
    candidate = serving_path.with_name(f".{serving_path.stem}-candidate-{publish_id}.tmp")
    staging_parquet = parquet_root / f".{publish_id}.tmp"
    parquet_dir = parquet_root / publish_id
    version_file: Path | None = None
    swapped = False
    try:
        inputs = _copy_snapshot(warehouse_path, candidate, schema, tables, audit_inputs)
        outcomes = audit(candidate)
        failed = [o.mart for o in outcomes if not o.passed]
        if failed:
            raise GateFailed(f"failed on the copy to publish: {', '.join(failed)}")
        row_counts = _finish_serving_file(
            candidate,
            staging_parquet,
            schema,
            tables,
            inputs,
            publication,
            outcomes,
            published_at,
            f"{PARQUET_DIR}/{publish_id}",
            _dbt_descriptions(manifest_path, tables),
        )
        fsync_path(candidate)
        for parquet_file in staging_parquet.iterdir():
            fsync_path(parquet_file)
        fsync_path(staging_parquet)
        crash_point("publish:written")
        os.rename(staging_parquet, parquet_dir)
        fsync_path(parquet_root)
        crash_point("publish:parquet_moved")
        if serving_path.exists():
            version_file = _keep_version(serving_path, publish_id)
        fsync_path(serving_dir)
        crash_point("publish:version_kept")
        serving_path.with_name(serving_path.name + ".wal").unlink(missing_ok=True)
        candidate.chmod(READ_ONLY)
        os.replace(candidate, serving_path)
        swapped = True
        fsync_path(serving_dir)
        crash_point("publish:swapped")
    finally:
        candidate.unlink(missing_ok=True)
        candidate.with_name(candidate.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(staging_parquet, ignore_errors=True)
        if not swapped:
            shutil.rmtree(parquet_dir, ignore_errors=True)
            if version_file is not None:
                version_file.unlink(missing_ok=True)
    # At least one previous folder: a reader may have read the manifest just before.
    _write_parquet_manifest(
        parquet_root, publish_id, published_at, row_counts, max(keep_versions, 1)
    )
    crash_point("publish:linked")
    _prune_versions(serving_dir / VERSIONS_DIR, serving_path, keep_versions)
    _prune_parquet(parquet_root)
    return row_counts


def _copy_snapshot(
    warehouse_path: Path,
    candidate: Path,
    schema: str,
    tables: list[str],
    audit_inputs: Iterable[tuple[str, str]],
) -> list[tuple[str, str]]:
    """The marts as `main.<table>`, viewed as `<schema>.<table>`, and the audit inputs the
    warehouse holds under their own names, all read in one transaction. Returns the inputs
    copied."""
    con = duckdb.connect(
        str(candidate), config={"storage_compatibility_version": SERVING_STORAGE_VERSION}
    )
    try:
        con.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(warehouse_path)])
        con.execute("BEGIN")
        # A view the gates read (a one-row summary of raw) is copied as the table it gives.
        held = set(
            con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() "
                "WHERE database_name = 'warehouse' UNION "
                "SELECT schema_name, view_name FROM duckdb_views() "
                "WHERE database_name = 'warehouse' AND NOT internal"
            ).fetchall()
        )
        inputs = sorted((s, t) for s, t in set(audit_inputs) & held if s != schema and s != "main")
        for table in tables:
            con.execute(
                f"CREATE TABLE main.{_ident(table)} AS "
                f"SELECT * FROM warehouse.{_ident(schema)}.{_ident(table)}"
            )
            _carry_not_null(con, schema, table)
        for input_schema, table in inputs:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(input_schema)}")
            con.execute(
                f"CREATE TABLE {_ident(input_schema)}.{_ident(table)} AS "
                f"SELECT * FROM warehouse.{_ident(input_schema)}.{_ident(table)}"
            )
        con.execute("COMMIT")
        con.execute("DETACH warehouse")
        con.execute(f"CREATE SCHEMA {_ident(schema)}")
        for table in tables:
            con.execute(
                f"CREATE VIEW {_ident(schema)}.{_ident(table)} AS "
                f"SELECT * FROM main.{_ident(table)}"
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return inputs


def _finish_serving_file(
    candidate: Path,
    parquet_dir: Path,
    schema: str,
    tables: list[str],
    inputs: list[tuple[str, str]],
    publication: Publication,
    outcomes: list[SuiteOutcome],
    published_at: datetime,
    parquet_folder: str,
    descriptions: dict[str, tuple[str, dict[str, str]]],
) -> dict[str, int]:
    """Drop what only the gates read, record the publication, comment, write the Parquet."""
    parquet_dir.mkdir()
    con = duckdb.connect(str(candidate))
    try:
        con.execute(f"DROP SCHEMA {_ident(schema)} CASCADE")
        for input_schema, table in inputs:
            con.execute(f"DROP TABLE {_ident(input_schema)}.{_ident(table)}")
        for input_schema in {s for s, _ in inputs}:
            con.execute(f"DROP SCHEMA {_ident(input_schema)}")
        row_counts = {
            table: con.execute(f"SELECT count(*) FROM main.{_ident(table)}").fetchone()[0]
            for table in tables
        }
        _write_publication(con, publication, outcomes, published_at, parquet_folder, row_counts)
        _comment(con, descriptions)
        for table in tables:
            con.execute(
                f"COPY main.{_ident(table)} TO '{_sql_text(str(parquet_dir / table))}.parquet' "
                "(FORMAT parquet)"
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return row_counts


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _carry_not_null(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """CREATE TABLE AS copies types, not constraints: the mart's NOT NULL columns (its dbt
    contract) are declared again, so BI tools show which columns can be null."""
    required = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'warehouse' "
        "AND schema_name = ? AND table_name = ? AND NOT is_nullable ORDER BY column_index",
        [schema, table],
    ).fetchall()
    for (column,) in required:
        con.execute(f"ALTER TABLE main.{_ident(table)} ALTER COLUMN {_ident(column)} SET NOT NULL")


PUBLICATION_COMMENTS = {
    "": "One row: the publication this serving file is. Written by sharesignal when every "
    "blocking Great Expectations suite had passed on the very rows it holds.",
    "published_at": "When the publication of this file started (UTC).",
    "first_partition": "First daily partition (export date) in the warehouse the marts were "
    "built from.",
    "last_partition": "Last daily partition (export date) in the warehouse the marts were "
    "built from.",
    "suite_results": "Each published mart's blocking Great Expectations suite, run on this "
    "file's rows before it was published: passed, and how many expectations it evaluated "
    "(null when unknown).",
    "row_counts": "Rows published per mart.",
    "code_version": "The git commit (else the package version) of the code that published.",
    "parquet_folder": "The folder under serving/ holding this publication's Parquet copies "
    "(serving/parquet/current.json names it while this publication is the current one).",
}


def _write_publication(
    con: duckdb.DuckDBPyConnection,
    publication: Publication,
    outcomes: list[SuiteOutcome],
    published_at: datetime,
    parquet_folder: str,
    row_counts: dict[str, int],
) -> None:
    con.execute(
        """
        CREATE TABLE main._publication (
            published_at TIMESTAMPTZ NOT NULL,
            first_partition DATE,
            last_partition DATE,
            suite_results STRUCT(mart VARCHAR, passed BOOLEAN, expectations_evaluated BIGINT)[],
            row_counts MAP(VARCHAR, BIGINT),
            code_version VARCHAR,
            parquet_folder VARCHAR
        )
        """
    )
    con.execute(
        "INSERT INTO main._publication VALUES (?, ?, ?, ?, MAP(?, ?), ?, ?)",
        [
            published_at,
            publication.first_partition,
            publication.last_partition,
            [
                {
                    "mart": s.mart,
                    "passed": s.passed,
                    "expectations_evaluated": s.expectations_evaluated,
                }
                for s in outcomes
            ],
            list(row_counts),
            list(row_counts.values()),
            publication.code_version,
            parquet_folder,
        ],
    )
    table_comment = PUBLICATION_COMMENTS[""]
    columns = {k: v for k, v in PUBLICATION_COMMENTS.items() if k}
    _comment(con, {"_publication": (table_comment, columns)})


def _dbt_descriptions(
    manifest_path: Path | None, tables: list[str]
) -> dict[str, tuple[str, dict[str, str]]]:
    """Table and column descriptions of the published models, from the dbt manifest. An
    absent manifest gives none (the marts are still published, without comments)."""
    if manifest_path is None or not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text())
    descriptions: dict[str, tuple[str, dict[str, str]]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("name") not in tables:
            continue
        columns = {
            name: column.get("description") or ""
            for name, column in (node.get("columns") or {}).items()
        }
        descriptions[node["name"]] = (node.get("description") or "", columns)
    return descriptions


def _comment(
    con: duckdb.DuckDBPyConnection, descriptions: dict[str, tuple[str, dict[str, str]]]
) -> None:
    for table, (table_description, columns) in descriptions.items():
        if table_description:
            con.execute(f"COMMENT ON TABLE main.\"{table}\" IS '{_sql_text(table_description)}'")
        existing = {
            row[0]
            for row in con.execute(
                "SELECT column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = 'main' "
                "AND table_name = ?",
                [table],
            ).fetchall()
        }
        for column, description in columns.items():
            if description and column in existing:
                con.execute(
                    f'COMMENT ON COLUMN main."{table}"."{column}" IS \'{_sql_text(description)}\''
                )


def _sql_text(text: str) -> str:
    return text.strip().replace("'", "''")


def _keep_version(serving_path: Path, publish_id: str) -> Path:
    """Keep the file about to be replaced under `versions/`: a hard link where the file
    system allows one, else a copy (written beside, then renamed)."""
    versions = serving_path.parent / VERSIONS_DIR
    versions.mkdir(exist_ok=True)
    # Named by when the kept file was written, i.e. when that version was published.
    written = datetime.fromtimestamp(serving_path.stat().st_mtime_ns / 1e9, UTC)
    version_file = versions / f"{serving_path.stem}-{written:%Y%m%dT%H%M%S%fZ}{serving_path.suffix}"
    if version_file.exists():  # two publications within a microsecond: keep both
        version_file = version_file.with_stem(f"{version_file.stem}-{publish_id}")
    try:
        os.link(serving_path, version_file)
    except OSError:
        partial = versions / f".{version_file.name}.tmp"
        try:
            shutil.copy2(serving_path, partial)
            fsync_path(partial)
            os.rename(partial, version_file)
        finally:
            partial.unlink(missing_ok=True)
    fsync_path(versions)
    return version_file


def _remove_temporary_files(serving_dir: Path, serving_path: Path) -> None:
    """What a killed publication left behind and no reader ever opens: its candidate
    database (and WAL), its unfinished Parquet folder and manifest, its version copy."""
    parquet_root = serving_dir / PARQUET_DIR
    for leftover in (
        *serving_dir.glob(f".{serving_path.stem}-candidate-*.tmp*"),
        *(parquet_root.glob(".*.tmp") if not parquet_root.is_symlink() else ()),
        *(serving_dir / VERSIONS_DIR).glob(".*.tmp"),
    ):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _replace_parquet_symlink(serving_dir: Path) -> None:
    """Homes published before the manifest have `serving/parquet` as a symlink to a
    `parquet-<id>` folder beside it: remove both, the next manifest takes their place."""
    link = serving_dir / PARQUET_DIR
    if link.is_symlink():
        link.unlink()
        for folder in serving_dir.glob(f"{PARQUET_DIR}-*"):
            shutil.rmtree(folder, ignore_errors=True)


def _prune_versions(versions: Path, serving_path: Path, keep: int) -> None:
    if not versions.is_dir():
        return
    # Names carry a sortable UTC timestamp: the newest come last.
    kept = sorted(versions.glob(f"{serving_path.stem}-*{serving_path.suffix}"))
    for old in kept[: max(len(kept) - keep, 0)]:
        old.unlink(missing_ok=True)


def _write_parquet_manifest(
    parquet_root: Path,
    publish_id: str,
    published_at: datetime,
    row_counts: dict[str, int],
    keep_previous: int,
) -> None:
    """Name the new folder and its files in `current.json`, written beside and renamed over
    the previous one: readers switch to the new publication at once, all files together. The
    manifest also lists the `keep_previous` folders named before it, newest first, which
    pruning keeps."""
    current = parquet_root / PARQUET_MANIFEST
    previous: list[str] = []
    if current.exists():
        before = json.loads(current.read_text())
        previous = [before["folder"], *before["previous"]][:keep_previous]
    manifest = {
        "published_at": published_at.isoformat(),
        "folder": publish_id,
        "files": {table: f"{publish_id}/{table}.parquet" for table in row_counts},
        "row_counts": row_counts,
        "previous": previous,
    }
    partial = parquet_root / f".{PARQUET_MANIFEST}.{publish_id}.tmp"
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    fsync_path(partial)
    os.replace(partial, current)
    fsync_path(parquet_root)


def _prune_parquet(parquet_root: Path) -> None:
    """Delete every folder the manifest names neither as current nor as previous: older
    ones, and those of publications killed before their manifest was written."""
    manifest = json.loads((parquet_root / PARQUET_MANIFEST).read_text())
    keep = {manifest["folder"], *manifest["previous"]}
    for folder in parquet_root.iterdir():
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
