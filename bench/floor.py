"""The floor: one plain DuckDB SQL script that loads the landing files and builds the marts.

No Dagster, no dbt run, no GX, no reject accounting, no shape detection, no deduplication:
the least work that turns the same landing files into the same raw tables and marts, so
`our time / floor time` says what the pipeline's safety costs.

- Ingest: every file of the window read as text lines (`read_text`, split on newlines, so
  `_line` is the physical line), each line parsed once with `from_json` and the structures
  ingest declares (`sharesignal/ingest/structures.py`), records unnested into `raw.<table>`
  with the columns of `RAW_TABLES`; CSV exports read with `read_csv`, every column VARCHAR.
  Only the shapes `sharesignal generate` writes are handled (`JSON_SHAPES`): no gzip, HTTP
  captures, error responses, pretty-printed documents or broken lines. `_extra` stays NULL.
- Transform: the dbt project's models as compiled by `dbt compile` (with the window's
  `min_date`/`max_date`), each run as `CREATE OR REPLACE TABLE|VIEW <relation> AS <sql>` in
  dependency order; incremental models are built whole; seeds are read with `read_csv`;
  no tests, no hooks. The database is attached under dbt's database name, so the compiled
  relation names resolve whatever the file is called.

`dbt compile` (about 7 s on an idle 2-core machine) is preparation and is not timed. The
script is written to `--script-out` (default `<database>.floor.sql`) so a person can read
the floor as one SQL file; it also runs on its own in any DuckDB session.

    python -m bench.floor --landing DIR --database PATH --start 2026-10-01 --end 2026-10-30

The last stdout line is one JSON object: ingest_seconds, transform_seconds, total_seconds,
marts (row count of every table in schema `marts`), raw (row count of every raw table).
"""

from __future__ import annotations

import argparse
import fnmatch
import graphlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from sharesignal.config import DBT_PROJECT_DIR, DEFAULT_LANDING_IGNORE, load_settings
from sharesignal.ingest import structures as s
from sharesignal.ingest.formats import FORMATS, CsvExport, JsonExport
from sharesignal.ingest.landing import readable_files
from sharesignal.ingest.tables import RAW_TABLES
from sharesignal.pseudonym_key import set_pseudonym_key

LOAD_ID = "floor"
# What the generator writes, per JSON source: (where a line's records are, raw table). The
# path is a list of records in the line; () means the line is an array of records, None
# that the line is one record. Records under X's `includes` are `_included`.
JSON_SHAPES: dict[str, tuple[tuple[tuple[str, ...] | None, str], ...]] = {
    "x": (
        (("data",), "x_posts"),
        (("includes", "tweets"), "x_posts"),
        (("includes", "users"), "x_users"),
    ),
    "mastodon": (((), "mastodon_statuses"),),
    "bluesky": ((("feed",), "bluesky_feed_items"), (("profiles",), "bluesky_profiles")),
    "clicks": ((None, "clicks"),),
    "web_analytics": ((None, "web_analytics_events"),),
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _files(paths: list[Path]) -> str:
    return "[\n    " + ",\n    ".join(_literal(str(path)) for path in paths) + "\n]"


def _lineage(source_file: str) -> str:
    # `<source>/<YYYY-MM-DD>/<name>` from the path, as ingest names it; the date is the folder.
    return (
        f"regexp_extract({source_file}, '[^/]+/[^/]+/[^/]+$') AS _source_file, "
        f"CAST(split_part(regexp_extract({source_file}, '[^/]+/[^/]+/[^/]+$'), '/', 2) AS DATE) "
        f"AS _partition_date, {_literal(LOAD_ID)} AS _load_id"
    )


def _envelope(source: str) -> s.Structure:
    """The structure that parses one line of the source with every list it holds."""
    fmt = FORMATS[source]
    assert isinstance(fmt, JsonExport)
    shapes = JSON_SHAPES[source]
    (path, table), *_ = shapes
    if path is None or path == ():
        record = fmt.record_of(table).structure
        return record if path is None else [record]
    envelope: dict = {}
    for (*outer, last), table in shapes:
        node = envelope
        for key in outer:
            node = node.setdefault(key, {})
        node[last] = [fmt.record_of(table).structure]
    return envelope


def json_source_sql(source: str, paths: list[Path]) -> list[str]:
    """Each line of the source's files parsed once, then its records into their raw tables.
    A source with several lists per line (X, Bluesky) keeps the parsed lines in a temp table
    `floor_<source>`; a source of one list or one record a line reads them inline."""
    envelope = s.json_structure(_envelope(source))
    lines = f"""SELECT {_lineage("filename")}, _line, from_json(line, {_literal(envelope)}) AS doc
FROM (
    SELECT filename, generate_subscripts(lines, 1) AS _line, unnest(lines) AS line
    FROM (SELECT filename, string_split(content, chr(10)) AS lines FROM read_text({_files(paths)}))
)
WHERE line <> ''"""
    shapes = JSON_SHAPES[source]
    statements = []
    parsed = f"({lines})"
    if len(shapes) > 1:
        parsed = f"floor_{source}"
        statements.append(f"CREATE OR REPLACE TEMP TABLE {parsed} AS\n{lines}")
    for path, table in shapes:
        included = "_included" in dict(RAW_TABLES[table])
        flag = f"{bool(path and path[0] == 'includes')} AS _included, " if included else ""
        if path is None:  # the line is the record
            statements.append(
                f"INSERT INTO raw.{table} BY NAME\n"
                f"SELECT * EXCLUDE (doc), {flag}0 AS _item, unnest(doc) FROM {parsed}"
            )
            continue
        records = ".".join(["doc", *(f'"{key}"' for key in path)])
        statements.append(
            f"""INSERT INTO raw.{table} BY NAME
SELECT * EXCLUDE (record), unnest(record) FROM (
    SELECT * EXCLUDE (doc), {flag}generate_subscripts({records}, 1) - 1 AS _item,
        unnest({records}) AS record
    FROM {parsed}
)"""
        )
    return statements + ([f"DROP TABLE {parsed}"] if len(shapes) > 1 else [])


def csv_export_sql(export: CsvExport, paths: list[Path]) -> list[str]:
    """The export's files in one `read_csv`; `_line` is the record's number in its file
    (scan order, as ingest numbers it). The generator writes the declared columns in order."""
    columns = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in export.columns)
    names = ", ".join(f'"{c}"' for c in export.columns)
    return [
        f"""INSERT INTO raw.{export.table} BY NAME
SELECT {_lineage("filename")}, row_number() OVER (PARTITION BY filename ORDER BY k) AS _line,
    0 AS _item, {names}
FROM (
    SELECT row_number() OVER () AS k, * FROM read_csv({_files(paths)}, header = true,
        columns = {{{columns}}}, auto_detect = false, delim = ',', quote = '"', escape = '"',
        filename = true)
)"""
    ]


def ingest_sql(landing: Path, start: date, end: date) -> list[str]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    statements = ["CREATE SCHEMA raw"]
    statements += [
        "CREATE TABLE raw.{} ({})".format(t, ", ".join(f'"{c}" {ty}' for c, ty in cols))
        for t, cols in RAW_TABLES.items()
    ]
    for source, fmt in FORMATS.items():
        paths = [
            path
            for day in days
            for path in readable_files(landing, source, day, DEFAULT_LANDING_IGNORE)
        ]
        if isinstance(fmt, JsonExport):
            statements += json_source_sql(source, paths) if paths else []
            continue
        for export in fmt:
            mine = [p for p in paths if fnmatch.fnmatch(p.name.lower(), export.pattern.lower())]
            statements += csv_export_sql(export, mine) if mine else []
    return statements


def compile_manifest(work: Path, start: date, end: date) -> dict:
    """`dbt compile` into `work` (its own empty warehouse, so incremental models compile as
    full builds); the manifest with every model's compiled SQL."""
    dbt = Path(sys.executable).with_name("dbt")
    dbt_vars = json.dumps({"min_date": start.isoformat(), "max_date": end.isoformat()})
    command = [dbt, "compile", "--quiet", "--profiles-dir", ".", "--vars", dbt_vars]
    command += ["--target-path", work / "target", "--log-path", work / "logs"]
    # dbt's output goes to stderr: the last stdout line is the result.
    subprocess.run(
        command,
        cwd=DBT_PROJECT_DIR,
        env=os.environ | {"SHARESIGNAL_HOME": str(work)},
        stdout=sys.stderr,
        check=True,
    )
    return json.loads((work / "target" / "manifest.json").read_text())


def _seed_sql(node: dict) -> str:
    """A seed's CSV with the column types its config declares (ours are all declared)."""
    path = _literal(str(Path(node["root_path"]) / node["original_file_path"]))
    declared = node["config"].get("column_types") or {}
    types = ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in declared.items())
    return (
        f"SELECT * FROM read_csv({path}, header = true{f', types = {{{types}}}' if types else ''})"
    )


def transform_sql(manifest: dict) -> list[str]:
    """Seeds and models in dependency order, each created whole."""
    nodes = {
        key: node
        for key, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    }
    order = graphlib.TopologicalSorter(
        {
            key: [d for d in node.get("depends_on", {}).get("nodes", []) if d in nodes]
            for key, node in nodes.items()
        }
    ).static_order()
    schemas = sorted({node["schema"] for node in nodes.values()})
    statements = [f"CREATE SCHEMA IF NOT EXISTS {schema}" for schema in schemas]
    for key in order:
        node = nodes[key]
        if node["resource_type"] == "seed":
            sql = _seed_sql(node)
        else:
            sql = node["compiled_code"].strip().rstrip(";")
        kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
        statements.append(f"CREATE OR REPLACE {kind} {node['relation_name']} AS\n{sql}\n")
    return statements


def run(con: duckdb.DuckDBPyConnection, statements: list[str]) -> float:
    began = time.perf_counter()
    for statement in statements:
        con.execute(statement)
    return time.perf_counter() - began


def row_counts(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = ? ORDER BY table_name",
        [schema],
    ).fetchall()
    return {t: con.execute(f"SELECT count(*) FROM {schema}.{t}").fetchone()[0] for (t,) in tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--database", type=Path, required=True, help="created fresh")
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--end", type=date.fromisoformat, required=True, help="inclusive")
    parser.add_argument("--script-out", type=Path, help="default: <database>.floor.sql")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="floor-dbt-") as work:
        manifest = compile_manifest(Path(work), args.start, args.end)
    database = next(n["database"] for n in manifest["nodes"].values() if n.get("database"))
    args.database.parent.mkdir(parents=True, exist_ok=True)
    args.database.unlink(missing_ok=True)
    Path(f"{args.database}.wal").unlink(missing_ok=True)
    attach = [f"ATTACH {_literal(str(args.database.resolve()))} AS {database}", f"USE {database}"]
    # Each part ends durable in the file, as our pipeline's steps do.
    ingest = attach + ingest_sql(args.landing.resolve(), args.start, args.end)
    ingest.append(f"CHECKPOINT {database}")
    transform = [*transform_sql(manifest), f"CHECKPOINT {database}"]
    script = args.script_out or Path(f"{args.database}.floor.sql")
    parts = (("-- ingest", ingest), ("-- transform", transform))
    script.write_text("\n".join(f"{title}\n" + ";\n\n".join(sql) + ";\n" for title, sql in parts))

    con = duckdb.connect()  # in memory: the warehouse is attached under dbt's database name
    # The staging models pseudonymize with the key our dbt profile's plugin gives them.
    set_pseudonym_key(con, load_settings().pseudonym_key)
    ingest_seconds = run(con, ingest)
    transform_seconds = run(con, transform)
    result = {
        "ingest_seconds": round(ingest_seconds, 3),
        "transform_seconds": round(transform_seconds, 3),
        "total_seconds": round(ingest_seconds + transform_seconds, 3),
        "marts": row_counts(con, "marts"),
        "raw": row_counts(con, "raw"),
    }
    con.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
