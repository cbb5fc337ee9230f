"""Reading one JSON landing file (NDJSON, or one whole document) into scratch tables.

A file is NDJSON unless most of its lines are not JSON on their own, its first line
among them, and all its lines together are one JSON document (a pretty-printed `.json`);
a document is then unit 1, as if it were one line. Blank lines carry nothing and are skipped.
An X archive's `window.YTD.<name>.partN = ` before the JSON is dropped. A unit of another
format of the source (`JsonExport.conversions`) is rewritten as the response it amounts to.
`_line` is the unit's line (1 for a document); `_item` the record's index in the unit's
array, or in the response's list (`data[]`, `feed[]`...), 0 for a unit that is one record.

Accounting is per record, so one bad post does not drop the 99 others of its page:
`rows_read` counts the records of every usable line, plus every line or response that
yields no records because it is broken (unreadable bytes, not JSON, an unknown shape, an
API error response). Each of those is one row of `raw._rejects`: a whole line keeps its
original bytes; a rejected record keeps its own JSON text, line and item index. So
`rows_read = rows_loaded + rows_rejected` for every file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sharesignal.ingest import files, rules
from sharesignal.ingest import structures as s
from sharesignal.ingest.batch import Batch, FileLoad, outcome, reject_file, settle, unreadable
from sharesignal.ingest.formats import ARCHIVE_PREFIX, JsonExport, Record, RecordList, Response
from sharesignal.ingest.tables import RAW_TABLES

UNITS = "ingest_units"
RECORDS = "ingest_records"
# How much of a companion file is read: an archive's account.js is well under a kilobyte.
_COMPANION_BYTES = 1_000_000

# What a JSON value is, in words a person reads.
_KIND = """CASE json_type({0}) WHEN 'VARCHAR' THEN 'string' WHEN 'ARRAY' THEN 'array'
    WHEN 'OBJECT' THEN 'object' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null'
    ELSE 'number' END"""

# An object's keys that the source's records have, and how many others: any other key
# may be an id or a handle.
_KEYS = """list_filter(keys, lambda k: list_contains({0}, k))::VARCHAR
    || coalesce(' (and ' || nullif(len(list_filter(keys, lambda k: NOT list_contains({0}, k))),
        0) || ' other keys)', '')"""

# How a broken line begins and ends, without any of its content (reasons reach the Dagster
# event log; the bytes themselves stay in raw._rejects).
_SHAPE = """CASE left(ltrim({0}), 1) WHEN '{{' THEN 'opens an object' WHEN '[' THEN 'opens an array'
        ELSE 'starts with no JSON value' END
    || CASE WHEN regexp_matches({0}, '[}}\\]]\\s*$') THEN ' and ends closed'
        ELSE ' and ends cut off' END"""


def prepare_json(
    batch: Batch, path: Path, source_file: str, fmt: JsonExport, line_ends: files.Scan
) -> FileLoad:
    con = batch.con
    if line_ends.mixes_cr_with_lf:
        reason = (
            f"{source_file}: {line_ends.cr} line(s) end in a lone CR (old Mac style) and "
            f"{line_ends.lf + line_ends.crlf} in LF, so its lines cannot be told apart; "
            "re-export it with one kind of line end, then re-run the partition"
        )
        return reject_file(batch, path, source_file, 0, reason)
    try:
        files.read_lines(con, path, line_ends)
    except duckdb.Error as error:
        return reject_file(batch, path, source_file, 0, unreadable(source_file, error))
    _units(con)
    if not _has_json_units(con):
        read, reason = _why_nothing_loads(con, source_file, fmt)
        return reject_file(batch, path, source_file, read, reason)

    _convert(con, fmt, _companion(path, fmt))
    _records(con, fmt)
    loaded, new_fields, notes = 0, [], []
    for table in fmt.tables:
        _load(batch, fmt.record_of(table), source_file)
        settled = settle(batch, table, source_file)
        loaded += settled.loaded
        new_fields += settled.new_fields
        notes += settled.notes
    _insert_rejects(batch, batch.lineage(source_file) | {"source": batch.source})
    return outcome(batch, source_file, loaded, "records", notes, new_fields)


def _units(con: duckdb.DuckDBPyConnection) -> None:
    """`ingest_units(line_no, value, original, valid, keys, is_array, reason)`: each
    non-blank line (or the whole document) as a JSON value, recorder captures unwrapped
    (`original` keeps the capture); `reason` says why a unit yields nothing."""
    lines = files.LINES_TABLE
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {UNITS}_parsed AS "
        f"SELECT line_no, line, json_valid(line) AS valid FROM (SELECT line_no, "
        f"CASE WHEN line_no = 1 THEN regexp_replace(line, {ARCHIVE_PREFIX}, '') ELSE line END "
        f"AS line FROM {lines}) WHERE line IS NOT NULL AND (json_valid(line) OR trim(line) <> '')"
    )
    invalid, total, first_valid = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT valid), count(*), arg_min(valid, line_no) "
        f"FROM {UNITS}_parsed"
    ).fetchone()
    source = f"{UNITS}_parsed"
    if total > 1 and invalid * 2 > total and not first_valid:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {UNITS}_document AS "
            f"SELECT 1 AS line_no, regexp_replace(string_agg(line, chr(10) ORDER BY line_no), "
            f"{ARCHIVE_PREFIX}, '') AS line FROM {lines}"
        )
        con.execute(f"ALTER TABLE {UNITS}_document ADD COLUMN valid BOOLEAN")
        con.execute(f"UPDATE {UNITS}_document SET valid = json_valid(line)")
        if con.execute(f"SELECT valid FROM {UNITS}_document").fetchone()[0]:
            source = f"{UNITS}_document"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {UNITS} AS
        WITH keyed AS (
            SELECT line_no, line, valid,
                CASE WHEN valid AND regexp_matches(line, '^\\s*\\{{') THEN json_keys(line) END
                    AS keys
            FROM {source}
        ),
        unwrapped AS (
            -- an HTTP recorder's capture: the API's answer is its body
            SELECT line_no, valid, line,
                coalesce(list_has_all(keys, ['status', 'body']), false) AS wrapped,
                CASE WHEN wrapped THEN json_extract(line, '$.body')::VARCHAR ELSE line END AS value,
                CASE WHEN wrapped THEN TRY_CAST(line->>'$.status' AS INTEGER) END AS http,
                keys
            FROM keyed
        )
        SELECT line_no, value, CASE WHEN wrapped THEN line END AS original, valid,
            CASE WHEN wrapped AND starts_with(value, '{{') THEN json_keys(value)
                WHEN wrapped THEN NULL ELSE keys END AS keys,
            valid AND regexp_matches(value, '^\\s*\\[') AS is_array,
            CASE
                WHEN NOT valid THEN format(
                    'not valid JSON ({{}} bytes, {{}}): the line is truncated or corrupted; '
                    || 're-export the file, then re-run the partition',
                    strlen(line), {_SHAPE.format("line")})
                WHEN http IS NOT NULL AND http NOT BETWEEN 200 AND 299 THEN format(
                    'a recorded HTTP response with status {{}}: no export data in it; '
                    || 'record the request again, then re-run the partition', http)
                WHEN NOT regexp_matches(value, '^\\s*[\\[{{]') THEN format(
                    'a JSON {{}} ({{}} characters), not an object or array of objects; remove '
                    || 'it, then re-run the partition',
                    {_KIND.format("value")}, length(value))
            END AS reason
        FROM unwrapped
        """
    )


def _companion(path: Path, fmt: JsonExport) -> str | None:
    """The text of the export's companion file beside `path`, if it is a regular file (a
    link could lead out of the landing folder)."""
    if fmt.companion is None:
        return None
    beside = path.parent / fmt.companion
    if beside.is_symlink() or not beside.is_file():
        return None
    with beside.open(encoding="utf-8", errors="replace") as text:
        return text.read(_COMPANION_BYTES)


def _convert(con: duckdb.DuckDBPyConnection, fmt: JsonExport, companion: str | None) -> None:
    """Units of another format of the source (`fmt.conversions`) rewritten as the response
    they amount to, or given the reason they cannot be."""
    if not fmt.conversions:
        return
    detect = " ".join(f"WHEN {c.detect} THEN {i}" for i, c in enumerate(fmt.conversions))
    convert = " ".join(f"WHEN {i} THEN {c.convert}" for i, c in enumerate(fmt.conversions))
    error = " ".join(f"WHEN {i} THEN {c.error}" for i, c in enumerate(fmt.conversions))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {UNITS}_converted AS
        SELECT line_no, reason, CASE WHEN reason IS NULL THEN CASE conversion {convert} END END
            AS value
        FROM (
            SELECT *, CASE conversion {error} END AS reason
            FROM (
                SELECT line_no, value, keys, is_array, companion, CASE {detect} END AS conversion
                FROM {UNITS}, (SELECT CAST($companion AS VARCHAR) AS companion)
                WHERE reason IS NULL
            )
            WHERE conversion IS NOT NULL
        )
        """,
        {"companion": companion},
    )
    con.execute(
        f"""
        UPDATE {UNITS} u SET reason = c.reason, value = coalesce(c.value, u.value),
            keys = CASE WHEN c.value IS NULL THEN u.keys ELSE json_keys(c.value) END,
            is_array = u.is_array AND c.value IS NULL
        FROM {UNITS}_converted c WHERE u.line_no = c.line_no
        """
    )


def _has_json_units(con: duckdb.DuckDBPyConnection) -> bool:
    # Units that are JSON but unusable (an API error) are rejected one by one; a file with
    # no JSON at all is rejected whole.
    return con.execute(f"SELECT coalesce(bool_or(valid), false) FROM {UNITS}").fetchone()[0]


def _envelope(response: Response) -> str:
    """The `from_json` structure that reads every list of a response as JSON in one parse."""
    structure: dict = {}
    for record_list in response.lists:
        *outer, last = record_list.path or ("",)
        if not record_list.path:
            continue
        node = structure
        for key in outer:
            node = node.setdefault(key, {})
        node[last] = "JSON"
    return s.json_structure(structure) if structure else ""


def _items(path: tuple[str, ...]) -> str:
    # A list of records, or a single record object (`data` of a lookup by id).
    value = "response" if not path else "env." + ".".join(f'"{key}"' for key in path)
    return (
        f"CASE WHEN starts_with({value}, '[') THEN from_json({value}, '[\"JSON\"]') "
        f"WHEN starts_with({value}, '{{') THEN [{value}] END"
    )


def _from_list(index: int, record_list: RecordList) -> str:
    table = "NULL" if record_list.table is None else f"'{record_list.table}'"
    return f"""
        SELECT line_no, item_no, {record_list.included} AS included, {table} AS tbl,
            {record_list.reshape} AS record
        FROM (
            SELECT line_no, response, generate_subscripts(items, 1) - 1 AS item_no,
                unnest(items) AS item
            FROM (SELECT line_no, response, {_items(record_list.path)} AS items FROM r{index})
        )"""


def _response_units(index: int, response: Response) -> str:
    envelope = _envelope(response)
    env = f"from_json(value, '{envelope}')" if envelope else "NULL"
    return f"""r{index} AS MATERIALIZED (
        SELECT line_no, value AS response, {env} AS env
        FROM {UNITS}_kinds WHERE response_kind = {index}
    )"""


def _records(con: duckdb.DuckDBPyConnection, fmt: JsonExport) -> None:
    """`ingest_records(line_no, item_no, included, tbl, record, reason)`: every record of
    the usable units, with the table it loads into; units that are API errors or of an
    unknown shape become reasons on the units."""
    responses = " ".join(f"WHEN {r.detect} THEN {i}" for i, r in enumerate(fmt.responses))
    errors = " ".join(f"WHEN {i} THEN {r.error}" for i, r in enumerate(fmt.responses))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {UNITS}_kinds AS
        SELECT line_no, value, is_array, response_kind,
            CASE response_kind {errors or "WHEN 0 THEN NULL"} END AS reason
        FROM (
            SELECT line_no, value, value AS response, keys, is_array,
                CASE WHEN keys IS NOT NULL THEN CASE {responses or "WHEN false THEN 0"} END END
                    AS response_kind
            FROM {UNITS} WHERE reason IS NULL
        )
        """
    )
    con.execute(
        f"UPDATE {UNITS} u SET reason = k.reason FROM {UNITS}_kinds k "
        "WHERE u.line_no = k.line_no AND k.reason IS NOT NULL"
    )
    con.execute(f"DELETE FROM {UNITS}_kinds WHERE reason IS NOT NULL")
    from_lists = [
        _from_list(i, record_list)
        for i, response in enumerate(fmt.responses)
        for record_list in response.lists
    ]
    response_units = [
        _response_units(i, response) for i, response in enumerate(fmt.responses) if response.lists
    ]
    kinds = " ".join(f"WHEN {r.detect} THEN '{r.table}'" for r in fmt.records)
    fields = "[" + ", ".join(f"'{name}'" for r in fmt.records for name in r.structure) + "]"
    whats = ", ".join(dict.fromkeys(r.what for r in fmt.records))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {RECORDS} AS
        WITH {"".join(r + ", " for r in response_units)}
        found AS (
            {" UNION ALL ".join(from_lists) + " UNION ALL " if from_lists else ""}
            SELECT line_no, 0 AS item_no, false AS included, NULL AS tbl, value AS record
            FROM {UNITS}_kinds WHERE response_kind IS NULL AND NOT is_array
            UNION ALL
            SELECT line_no, generate_subscripts(items, 1) - 1, false, NULL, unnest(items)
            FROM (
                SELECT line_no, from_json(value, '["JSON"]') AS items FROM {UNITS}_kinds
                WHERE response_kind IS NULL AND is_array
            )
        ),
        keyed AS (
            SELECT *, CASE WHEN tbl IS NULL AND starts_with(record, '{{')
                THEN json_keys(record) END AS keys
            FROM found
        )
        SELECT line_no, item_no, included, record,
            coalesce(tbl, CASE {kinds} END) AS tbl,
            CASE WHEN tbl IS NULL AND keys IS NULL THEN format(
                    'a JSON {{}} where {fmt.what} were expected; deliver only those, then '
                    || 're-run the partition', {_KIND.format("record")})
                WHEN tbl IS NULL AND coalesce(CASE {kinds} END, '') = '' THEN format(
                    'an object with keys {{}} is none of: {whats}; check that the right export '
                    || 'was delivered, then re-run the partition', {_KEYS.format(fields)})
            END AS reason
        FROM keyed
        """
    )


def _wrong_types(structure: dict[str, s.Structure]) -> tuple[rules.Rule, ...]:
    # The value's JSON kind, not the value: reasons are shown outside raw.
    return tuple(
        rules.Rule(
            f"_as_text.{path} IS NOT NULL AND {path} IS NULL",
            f"format('{path.replace(chr(34), '')} has the wrong type: a JSON {{}} that is not "
            f"{sql_type}; fix the record at its source, then re-run the partition', "
            + _KIND.format(f"json_extract(_record, '$.{path}')")
            + ")",
        )
        for path, sql_type in s.typed_leaves(structure)
    )


def _load(batch: Batch, record: Record, source_file: str) -> None:
    """The file's records of one table into its scratch table, as columns, with `_extra`,
    `_reason` (NULL when the record loads) and, for a rejected one, its text."""
    nulls = "{" + ", ".join(f'"{name}": null' for name in record.structure) + "}"
    reason = rules.reason_sql(record.table, _wrong_types(record.structure))
    columns = ", ".join(f'"{name}"' for name, _ in RAW_TABLES[record.table])
    as_text = s.as_text(record.structure)
    as_text_sql = f"from_json(record, '{s.json_structure(as_text)}')" if as_text else "NULL"
    fills = ", ".join(f'coalesce("{column}", {sql}) AS "{column}"' for column, sql in record.fill)
    batch.con.execute(
        f"""
        INSERT INTO {batch.scratch[record.table]} BY NAME
        SELECT {columns}, _reason, CASE WHEN _reason IS NOT NULL THEN _record END AS _record
        FROM (
            SELECT * {f"REPLACE ({fills})" if fills else ""}, {reason} AS _reason FROM (
                SELECT $load_id AS _load_id, $partition_date AS _partition_date,
                    $source_file AS _source_file, line_no AS _line, item_no AS _item,
                    included AS _included,
                    unnest(from_json(record, '{s.json_structure(record.structure)}')),
                    {as_text_sql} AS _as_text,
                    nullif(json_merge_patch(record, '{nulls}'), '{{}}') AS _extra,
                    record AS _record
                FROM {RECORDS} WHERE tbl = '{record.table}' AND reason IS NULL
            )
        )
        """,
        batch.lineage(source_file),
    )


def _insert_rejects(batch: Batch, lineage: dict[str, object]) -> None:
    """Lines, units and unrecognised records that yield nothing, into the rejects."""
    con = batch.con
    con.execute(
        f"""
        INSERT INTO {batch.rejects}
        SELECT $load_id, $source, $partition_date, $source_file, line_no, item, reason,
            original
        FROM (
            SELECT line_no, NULL AS item, reason, original FROM {files.BAD_LINES_TABLE}
            UNION ALL
            SELECT line_no, NULL, reason, encode(coalesce(original, value)) FROM {UNITS}
            WHERE reason IS NOT NULL
            UNION ALL
            SELECT line_no, item_no, reason, encode(record) FROM {RECORDS}
            WHERE reason IS NOT NULL
        )
        ORDER BY line_no, item
        """,
        lineage,
    )


def _why_nothing_loads(
    con: duckdb.DuckDBPyConnection, source_file: str, fmt: JsonExport
) -> tuple[int, str]:
    """(lines read, reason) for a file in which no line is JSON."""
    # Only the first characters are looked at, and none is quoted: reasons leave raw.
    lines, bad, first = con.execute(
        f"""
        SELECT (SELECT count(*) FROM {files.LINES_TABLE} WHERE trim(coalesce(line, '')) <> ''),
            (SELECT count(*) FROM {files.BAD_LINES_TABLE}),
            (SELECT left(ltrim(line), 40) FROM {files.LINES_TABLE}
             WHERE trim(coalesce(line, '')) <> '' ORDER BY line_no LIMIT 1)
        """
    ).fetchone()
    read = lines + bad
    if read == 0:
        return 0, f"{source_file}: the file is empty; re-export it, then re-run the partition"
    if bad == read:
        [(why,)] = con.execute(f"SELECT min(reason) FROM {files.BAD_LINES_TABLE}").fetchall()
        return read, f"{source_file}: no line is readable; every line is {why}"
    if "\x00" in (first or ""):
        return read, (
            f"{source_file}: text with NUL bytes between characters (UTF-16?), not UTF-8; "
            "re-export the file as UTF-8, then re-run the partition"
        )
    if first is not None and first.startswith("<"):
        return read, (
            f'{source_file}: looks like an HTML page (it starts with "<"), e.g. an error '
            f"or login page saved instead of the export; download the export again, then "
            f"re-run the partition"
        )
    return read, (
        f"{source_file}: not JSON: neither one JSON value per line nor one JSON document "
        f"(truncated?); expected {fmt.what}; re-export the file, then re-run the partition"
    )
