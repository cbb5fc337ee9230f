"""Publish audited marts to the serving database, atomically.

BI tools read `serving/marts.duckdb` and never the warehouse. The new version is written
to a temporary file beside it, with a `_publication` table (when, which partitions, which
suites passed, which code) and the dbt descriptions as table and column comments, flushed
to disk, and renamed into place: a reader opens either the old file or the new one, never a
half-written one.

Around that rename:

- the file being replaced is kept as `serving/versions/marts-<UTC timestamp>.duckdb`, named
  by when it was written (a hard link made just before the rename, so keeping it costs no
  copy), and only the newest `keep_versions` are kept once the new file is in place;
- Parquet copies of every mart are written to a fresh folder `serving/parquet-<id>/` and
  flushed before the rename; right after it the symlink `serving/parquet` is pointed at
  the new folder by renaming a temporary symlink over it (atomic as well). The previous
  folder is kept one more publication, for readers in the middle of a scan, and older ones
  are deleted.

Everything before the database rename can fail without a trace: the temporary file and the
new Parquet folder are removed, the serving file, `serving/parquet` and `serving/versions`
are untouched. The two renames are two steps, so a crash exactly between them leaves the new
database beside the previous Parquet folder (until the next publication); the `_publication`
table names the Parquet folder that belongs to the database (`parquet_folder`).

A publication killed outright (SIGKILL, power cut) leaves at most its temporary files,
which the next publication removes first; a new Parquet folder it already moved into place
but never linked is deleted with the other unlinked folders when the next one is linked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from sharesignal.crash import crash_point

VERSIONS_DIR = "versions"
PARQUET_LINK = "parquet"


@dataclass(frozen=True)
class SuiteOutcome:
    """The blocking suite of one mart, as it stood when the mart was published."""

    mart: str
    passed: bool
    # None when the number of evaluated expectations is not known to the caller.
    expectations_evaluated: int | None = None


@dataclass(frozen=True)
class Publication:
    """What the `_publication` table of a serving file records, besides when it was written
    (filled in by `publish_marts`) and which Parquet folder belongs to it."""

    first_partition: date | None = None
    last_partition: date | None = None
    suites: list[SuiteOutcome] = field(default_factory=list)
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
    publication: Publication | None = None,
    keep_versions: int = 3,
    manifest_path: Path | None = None,
) -> dict[str, int]:
    """Copy `schema.<table>` for each table from the warehouse into a new serving file, with
    Parquet copies beside it, and swap both in. Returns the row count of each published
    table."""
    if keep_versions < 0:
        raise ValueError(f"keep_versions must be >= 0, not {keep_versions}")
    publication = publication or Publication(code_version=code_version())
    serving_dir = serving_path.parent
    serving_dir.mkdir(parents=True, exist_ok=True)
    _remove_temporary_files(serving_dir, serving_path)
    crash_point("publish:start")
    publish_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
    staging_file = serving_path.with_name(f".{serving_path.name}.{publish_id}.tmp")
    staging_parquet = serving_dir / f".parquet-{publish_id}.tmp"
    parquet_dir = serving_dir / f"parquet-{publish_id}"
    version_file: Path | None = None
    swapped = False
    try:
        row_counts = _write_serving_file(
            warehouse_path,
            staging_file,
            staging_parquet,
            schema,
            tables,
            publication,
            parquet_dir.name,
            _dbt_descriptions(manifest_path, tables),
        )
        _fsync(staging_file)
        for parquet_file in staging_parquet.iterdir():
            _fsync(parquet_file)
        _fsync(staging_parquet)
        crash_point("publish:written")
        os.rename(staging_parquet, parquet_dir)
        crash_point("publish:parquet_moved")
        if serving_path.exists():
            version_file = _keep_version(serving_path, publish_id)
        _fsync(serving_dir)
        crash_point("publish:version_kept")
        os.replace(staging_file, serving_path)
        swapped = True
        _fsync(serving_dir)
        crash_point("publish:swapped")
    finally:
        staging_file.unlink(missing_ok=True)
        staging_file.with_name(staging_file.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(staging_parquet, ignore_errors=True)
        if not swapped:
            shutil.rmtree(parquet_dir, ignore_errors=True)
            if version_file is not None:
                version_file.unlink(missing_ok=True)
    _point_parquet_link(serving_dir, parquet_dir)
    crash_point("publish:linked")
    _prune_versions(serving_dir / VERSIONS_DIR, serving_path, keep_versions)
    return row_counts


def _write_serving_file(
    warehouse_path: Path,
    target: Path,
    parquet_dir: Path,
    schema: str,
    tables: list[str],
    publication: Publication,
    parquet_folder: str,
    descriptions: dict[str, tuple[str, dict[str, str]]],
) -> dict[str, int]:
    parquet_dir.mkdir()
    con = duckdb.connect(str(target))
    try:
        con.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(warehouse_path)])
        for table in tables:
            con.execute(
                f'CREATE TABLE main."{table}" AS SELECT * FROM warehouse."{schema}"."{table}"'
            )
            _carry_not_null(con, schema, table)
        con.execute("DETACH warehouse")
        row_counts = {
            table: con.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0]
            for table in tables
        }
        _write_publication(con, publication, parquet_folder, row_counts)
        _comment(con, descriptions)
        for table in tables:
            con.execute(
                f"COPY main.\"{table}\" TO '{_sql_text(str(parquet_dir / table))}.parquet' "
                "(FORMAT parquet)"
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return row_counts


def _carry_not_null(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """CREATE TABLE AS copies types, not constraints: the mart's NOT NULL columns (its dbt
    contract) are declared again, so BI tools show which columns can be null."""
    required = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'warehouse' "
        "AND schema_name = ? AND table_name = ? AND NOT is_nullable ORDER BY column_index",
        [schema, table],
    ).fetchall()
    for (column,) in required:
        con.execute(f'ALTER TABLE main."{table}" ALTER COLUMN "{column}" SET NOT NULL')


PUBLICATION_COMMENTS = {
    "": "One row: the publication this serving file is. Written by sharesignal when every "
    "blocking Great Expectations suite on the marts had passed.",
    "published_at": "When the file was written (UTC).",
    "first_partition": "First daily partition (export date) in the warehouse the marts were "
    "built from.",
    "last_partition": "Last daily partition (export date) in the warehouse the marts were "
    "built from.",
    "suite_results": "Each published mart's blocking Great Expectations suite: passed, and how "
    "many expectations it evaluated (null when unknown).",
    "row_counts": "Rows published per mart.",
    "code_version": "The git commit (else the package version) of the code that published.",
    "parquet_folder": "The folder under serving/ holding this publication's Parquet copies "
    "(serving/parquet points at it).",
}


def _write_publication(
    con: duckdb.DuckDBPyConnection,
    publication: Publication,
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
            datetime.now(UTC),
            publication.first_partition,
            publication.last_partition,
            [
                {
                    "mart": s.mart,
                    "passed": s.passed,
                    "expectations_evaluated": s.expectations_evaluated,
                }
                for s in publication.suites
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
            _fsync(partial)
            os.rename(partial, version_file)
        finally:
            partial.unlink(missing_ok=True)
    _fsync(versions)
    return version_file


def _remove_temporary_files(serving_dir: Path, serving_path: Path) -> None:
    """What a killed publication left behind and no reader ever opens: its temporary
    database (and WAL), its unfinished Parquet folder and version copy, its new symlink."""
    for leftover in (
        *serving_dir.glob(f".{serving_path.name}.*.tmp*"),
        *serving_dir.glob(f".{PARQUET_LINK}-*.tmp"),
        *serving_dir.glob(f".{PARQUET_LINK}.*.link"),
        *(serving_dir / VERSIONS_DIR).glob(".*.tmp"),
    ):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _prune_versions(versions: Path, serving_path: Path, keep: int) -> None:
    if not versions.is_dir():
        return
    # Names carry a sortable UTC timestamp: the newest come last.
    kept = sorted(versions.glob(f"{serving_path.stem}-*{serving_path.suffix}"))
    for old in kept[: max(len(kept) - keep, 0)]:
        old.unlink(missing_ok=True)


def _point_parquet_link(serving_dir: Path, parquet_dir: Path) -> None:
    """Point `serving/parquet` at the new folder by renaming a fresh symlink over it, then
    delete all Parquet folders but the new one and the one just replaced."""
    link = serving_dir / PARQUET_LINK
    previous = os.readlink(link) if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)  # not written by this module: a real folder cannot be swapped
    temporary_link = serving_dir / f".{PARQUET_LINK}.{parquet_dir.name}.link"
    os.symlink(parquet_dir.name, temporary_link)
    os.replace(temporary_link, link)
    _fsync(serving_dir)
    keep = {parquet_dir.name, previous}
    for folder in serving_dir.glob("parquet-*"):
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
