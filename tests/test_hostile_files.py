"""Landing files as an outside tester delivers them: names that look like globs, headers that
look like SQL, every kind of line end, a file still being written, links and odd entries.
Whatever arrives, every entry of a folder gets exactly one load-log row, no row is lost or
read twice, and nothing outside the named file is ever read (docs/ingestion.md)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from sharesignal.ingest import FileLoad, ingest_partition, load
from sharesignal.ingest.landing import undated_entries

DAY = date(2026, 10, 3)
CATALOG_HEADER = "url,title,content_type,campaign,published_at"
CATALOG_ROW = "https://www.acme.example/guide/{n},Guide {n},guide,launch,2026-09-15T09:00:00Z"


def folder(landing: Path, source: str, day: date = DAY) -> Path:
    path = landing / source / day.isoformat()
    path.mkdir(parents=True, exist_ok=True)
    return path


def clicks(n: int, first: int = 0) -> list[bytes]:
    """`n` distinct click-log lines (bit.ly's format: `t` is the click's unix time)."""
    return [
        json.dumps({"u": f"https://acme.example/p/{first + i}", "t": 1790000000 + first + i})
        .replace(" ", "")
        .encode()
        for i in range(n)
    ]


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def rows_by_file(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    return dict(
        con.execute(f"SELECT _source_file, count(*) FROM raw.{table} GROUP BY 1").fetchall()
    )


def one_row_per_entry(con: duckdb.DuckDBPyConnection, landing: Path, source: str, day: date):
    """Every entry of the folder is in the load's log exactly once, and every file balances."""
    logged = [
        f.removesuffix("/")
        for (f,) in con.execute(
            "SELECT source_file FROM raw._load_log WHERE source = ? AND partition_date = ? "
            "AND load_id = (SELECT arg_max(load_id, loaded_at) FROM raw._load_log "
            "WHERE source = ? AND partition_date = ?)",
            [source, day, source, day],
        ).fetchall()
    ]
    entries = [
        p.relative_to(landing).as_posix() for p in (landing / source / day.isoformat()).iterdir()
    ]
    assert sorted(logged) == sorted(entries)
    unbalanced = con.execute(
        "SELECT count(*) FROM raw._load_log WHERE rows_read <> rows_loaded + rows_rejected"
    ).fetchone()[0]
    assert unbalanced == 0


@pytest.mark.parametrize("glob_name", ["[ab].jsonl", "*.jsonl", "a?.jsonl", "[*].jsonl"])
def test_a_file_named_like_a_glob_reads_only_itself(con, tmp_path: Path, glob_name) -> None:
    landing = tmp_path / "landing"
    day = folder(landing, "clicks")
    files = {"a.jsonl": clicks(2), "b.jsonl": clicks(3, 10), "ab.jsonl": clicks(4, 20)}
    files[glob_name] = clicks(5, 30)
    for name, lines in files.items():
        (day / name).write_bytes(b"\n".join(lines) + b"\n")

    results = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert {r.source_file.rsplit("/", 1)[1]: r.rows_loaded for r in results} == {
        name: len(lines) for name, lines in files.items()
    }
    loaded = rows_by_file(con, "clicks")
    assert {f.rsplit("/", 1)[1]: n for f, n in loaded.items()} == {
        name: len(lines) for name, lines in files.items()
    }
    one_row_per_entry(con, landing, "clicks", DAY)


def test_a_csv_named_like_a_glob_reads_only_itself(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    day = folder(landing, "content")
    for name, rows in {"ab.csv": 3, "a?.csv": 1}.items():
        lines = [CATALOG_HEADER] + [CATALOG_ROW.format(n=f"{name}{n}") for n in range(rows)]
        (day / name).write_text("\n".join(lines) + "\n")

    results = ingest_partition(con, "content", DAY, landing, "load-1")

    assert {r.source_file.rsplit("/", 1)[1]: r.rows_loaded for r in results} == {
        "ab.csv": 3,
        "a?.csv": 1,
    }


INJECTION = "a', (SELECT content FROM read_text('/proc/self/environ')), 'b"


def test_csv_header_text_never_becomes_sql(con, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHARESIGNAL_TEST_SECRET", "do-not-leak-7d1c")
    landing = tmp_path / "landing"
    header = CATALOG_HEADER + ',"' + INJECTION.replace('"', '""') + '"'
    text = f"{header}\n{CATALOG_ROW.format(n=1)},plain value\n"
    (folder(landing, "content") / "catalog.csv").write_text(text)

    [result] = ingest_partition(con, "content", DAY, landing, "load-1")

    assert result.status == "loaded", result
    [(extra,)] = con.execute("SELECT _extra FROM raw.content_catalog").fetchall()
    assert json.loads(extra) == {INJECTION: "plain value"}
    everything = con.execute(
        "SELECT string_agg(CAST(_extra AS VARCHAR), '') FROM raw.content_catalog"
    ).fetchone()[0]
    assert "do-not-leak-7d1c" not in everything


@pytest.mark.parametrize(
    "header",
    [
        CATALOG_HEADER + ',"say ""hi"""',
        CATALOG_HEADER + ",it's",
        CATALOG_HEADER + ",_line",
        CATALOG_HEADER + ",k",
        CATALOG_HEADER + ",_extra",
    ],
    ids=["double-quote", "single-quote", "_line", "k", "_extra"],
)
def test_csv_headers_that_broke_the_reader_load(con, tmp_path: Path, header: str) -> None:
    landing = tmp_path / "landing"
    (folder(landing, "content") / "catalog.csv").write_text(
        f"{header}\n{CATALOG_ROW.format(n=1)},x\n{CATALOG_ROW.format(n=2)},y\n"
    )

    [result] = ingest_partition(con, "content", DAY, landing, "load-1")

    assert (result.status, result.rows_loaded) == ("loaded", 2), result
    rows = con.execute("SELECT _extra FROM raw.content_catalog ORDER BY _line").fetchall()
    extras = [json.loads(e) for (e,) in rows]
    assert [list(e.values()) for e in extras] == [["x"], ["y"]]


def test_a_header_with_a_repeated_name_rejects_only_its_file(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    day = folder(landing, "content")
    (day / "bad.csv").write_text(f"{CATALOG_HEADER},note,note\n{CATALOG_ROW.format(n=1)},a,b\n")
    (day / "good.csv").write_text(f"{CATALOG_HEADER}\n{CATALOG_ROW.format(n=2)}\n")

    bad, good = ingest_partition(con, "content", DAY, landing, "load-1")

    assert bad.status == "rejected" and "more than once" in bad.message
    assert (good.status, good.rows_loaded) == ("loaded", 1)
    [(reason, original)] = con.execute("SELECT reason, original FROM raw._rejects").fetchall()
    assert reason == bad.message and original == (day / "bad.csv").read_bytes()


@pytest.mark.parametrize(
    "ends",
    [[b"\r\n", b"\n"], [b"\n", b"\r\n"], [b"\r"], [b"\r\n"]],
    ids=["crlf-then-lf", "lf-then-crlf", "cr-only", "crlf"],
)
def test_every_line_end_loads_every_line(con, tmp_path: Path, ends: list[bytes]) -> None:
    landing = tmp_path / "landing"
    lines = clicks(6)
    text = b"".join(line + ends[i * len(ends) // len(lines)] for i, line in enumerate(lines))
    (folder(landing, "clicks") / "clicks.jsonl").write_bytes(text)
    csv = [CATALOG_HEADER.encode()] + [CATALOG_ROW.format(n=n).encode() for n in range(2)]
    csv_text = b"".join(line + ends[i * len(ends) // len(csv)] for i, line in enumerate(csv))
    (folder(landing, "content") / "catalog.csv").write_bytes(csv_text)

    [click_file] = ingest_partition(con, "clicks", DAY, landing, "load-1")
    [catalog] = ingest_partition(con, "content", DAY, landing, "load-1")

    assert (click_file.status, click_file.rows_loaded) == ("loaded", 6), click_file
    assert (catalog.status, catalog.rows_loaded) == ("loaded", 2), catalog
    lines_loaded = con.execute("SELECT _line FROM raw.clicks ORDER BY 1").fetchall()
    assert [n for (n,) in lines_loaded] == list(range(1, 7))


def test_lone_cr_among_lf_rejects_the_file_saying_why(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    lines = clicks(4)
    path = folder(landing, "clicks") / "clicks.jsonl"
    path.write_bytes(lines[0] + b"\r" + lines[1] + b"\n" + lines[2] + b"\r" + lines[3] + b"\n")

    [result] = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert result.status == "rejected" and "lone CR" in result.message
    [(original,)] = con.execute("SELECT original FROM raw._rejects").fetchall()
    assert original == path.read_bytes()


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("ends", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_a_bad_line_keeps_its_own_bytes(con, tmp_path: Path, ends: bytes, gzipped) -> None:
    landing = tmp_path / "landing"
    good = clicks(3)
    latin1 = b'{"u": "caf\xe9", "t": 1790000000}'
    lines = [good[0], latin1, good[1], b"", good[2]]
    text = ends.join(lines) + ends
    name = "clicks.jsonl.gz" if gzipped else "clicks.jsonl"
    (folder(landing, "clicks") / name).write_bytes(gzip.compress(text) if gzipped else text)

    [result] = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert (result.rows_loaded, result.rows_rejected) == (3, 1), result
    assert con.execute("SELECT line, original FROM raw._rejects").fetchall() == [(2, latin1)]


def test_an_overlong_line_keeps_its_own_bytes_not_the_next(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    first, after = clicks(2)
    huge = b'{"u": "' + b"x" * (129 * 2**20) + b'"}'
    path = folder(landing, "clicks") / "clicks.jsonl"
    path.write_bytes(first + b"\n" + huge + b"\n" + after + b"\n")

    [result] = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert (result.rows_loaded, result.rows_rejected) == (2, 1), result
    [(line, size, head)] = con.execute(
        "SELECT line, octet_length(original), original[1:7] FROM raw._rejects"
    ).fetchall()
    assert (line, size, head) == (2, len(huge), b'{"u": "')


def test_a_file_changing_while_read_is_left_for_the_next_run(
    con, tmp_path: Path, monkeypatch
) -> None:
    landing = tmp_path / "landing"
    path = folder(landing, "clicks") / "clicks.jsonl"
    path.write_bytes(b"\n".join(clicks(3)) + b"\n")
    prepare = load.prepare_file

    def prepare_while_appending(batch, file, line_ends) -> FileLoad:
        result = prepare(batch, file, line_ends)
        with file.open("ab") as still_writing:
            still_writing.write(b"\n".join(clicks(2, 100)) + b"\n")
        return result

    monkeypatch.setattr(load, "prepare_file", prepare_while_appending)
    [result] = ingest_partition(con, "clicks", DAY, landing, "load-1")
    monkeypatch.undo()

    assert (result.status, result.rows_read) == ("deferred", 0)
    assert "next run" in result.message
    assert con.execute("SELECT count(*) FROM raw.clicks").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone() == (0,)

    [again] = ingest_partition(con, "clicks", DAY, landing, "load-2")

    assert (again.status, again.rows_loaded) == ("loaded", 5)


@pytest.mark.parametrize("name", [".clicks.jsonl", "clicks.jsonl.part", "clicks.tmp"])
def test_hidden_and_unfinished_names_are_skipped_unless_configured(
    con, tmp_path: Path, name: str
) -> None:
    landing = tmp_path / "landing"
    (folder(landing, "clicks") / name).write_bytes(b"\n".join(clicks(3)) + b"\n")

    [skipped] = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert (skipped.status, skipped.rows_read) == ("skipped", 0)
    assert "unfinished" in skipped.message
    assert con.execute("SELECT count(*) FROM raw.clicks").fetchone() == (0,)
    one_row_per_entry(con, landing, "clicks", DAY)

    [read] = ingest_partition(con, "clicks", DAY, landing, "load-2", ignore=())

    assert (read.status, read.rows_loaded) == ("loaded", 3)


def test_links_and_odd_entries_are_refused_and_logged(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    secret = tmp_path / "outside" / "secret.jsonl"
    secret.parent.mkdir()
    secret.write_bytes(b'{"u": "https://secret.example/do-not-read", "t": 1790000000}\n')
    day = folder(landing, "clicks")
    (day / "real.jsonl").write_bytes(b"\n".join(clicks(2)) + b"\n")
    (day / "link.jsonl").symlink_to(secret)
    (day / "nested").mkdir()
    (day / "nested" / "more.jsonl").write_bytes(b"\n".join(clicks(2, 50)) + b"\n")
    os.mkfifo(day / "pipe.jsonl")
    linked_day = DAY + timedelta(days=1)
    (landing / "clicks" / linked_day.isoformat()).symlink_to(secret.parent)

    results = {r.source_file: r for r in ingest_partition(con, "clicks", DAY, landing, "l1")}
    [linked] = ingest_partition(con, "clicks", linked_day, landing, "l2")

    assert {f: r.status for f, r in results.items()} == {
        "clicks/2026-10-03/link.jsonl": "skipped",
        "clicks/2026-10-03/nested/": "skipped",
        "clicks/2026-10-03/pipe.jsonl": "skipped",
        "clicks/2026-10-03/real.jsonl": "loaded",
    }
    assert "symbolic link" in results["clicks/2026-10-03/link.jsonl"].message
    assert "FIFO" in results["clicks/2026-10-03/pipe.jsonl"].message
    assert linked.status == "skipped" and "symbolic link" in linked.message
    kept = con.execute(
        "SELECT string_agg(u, ''), (SELECT count(*) FROM raw._rejects) FROM raw.clicks"
    ).fetchone()
    assert "secret" not in kept[0] and kept[1] == 0
    one_row_per_entry(con, landing, "clicks", DAY)


def test_folders_that_are_not_dates_are_named(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder(landing, "clicks")
    (landing / "clicks" / "2026-10-3").mkdir()
    (landing / "clicks" / "latest").mkdir()
    (landing / "clicks" / "stray.jsonl").write_text("{}\n")

    assert undated_entries(landing, "clicks") == ["2026-10-3", "latest", "stray.jsonl"]


@pytest.mark.parametrize("order", ["emptied-first", "moved-first"])
def test_a_file_moved_to_the_right_date_folder_loads_there(con, tmp_path: Path, order: str) -> None:
    landing = tmp_path / "landing"
    wrong, right = DAY, DAY + timedelta(days=1)
    path = folder(landing, "clicks", wrong) / "clicks.jsonl"
    path.write_bytes(b"\n".join(clicks(4)) + b"\n")
    ingest_partition(con, "clicks", wrong, landing, "load-1")
    shutil.move(path, folder(landing, "clicks", right) / "clicks.jsonl")

    days = [wrong, right] if order == "emptied-first" else [right, wrong]
    results = {day: ingest_partition(con, "clicks", day, landing, f"load-{day}") for day in days}

    [emptied] = results[wrong]
    assert (emptied.status, emptied.source_file) == ("empty", "clicks/2026-10-03/")
    [moved] = results[right]
    assert (moved.status, moved.rows_loaded) == ("loaded", 4), moved
    by_day = con.execute("SELECT _partition_date, count(*) FROM raw.clicks GROUP BY 1").fetchall()
    assert by_day == [(right, 4)]


def test_a_duplicate_loads_once_its_original_is_deleted(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    first, second = DAY, DAY + timedelta(days=1)
    content = b"\n".join(clicks(4)) + b"\n"
    original = folder(landing, "clicks", first) / "clicks.jsonl"
    original.write_bytes(content)
    (folder(landing, "clicks", second) / "copy.jsonl").write_bytes(content)
    ingest_partition(con, "clicks", first, landing, "load-1")
    [duplicate] = ingest_partition(con, "clicks", second, landing, "load-2")
    assert duplicate.status == "duplicate"

    original.unlink()
    [copy] = ingest_partition(con, "clicks", second, landing, "load-3")
    [emptied] = ingest_partition(con, "clicks", first, landing, "load-4")

    assert (copy.status, copy.rows_loaded, emptied.status) == ("loaded", 4, "empty")
    by_day = con.execute("SELECT _partition_date, count(*) FROM raw.clicks GROUP BY 1").fetchall()
    assert by_day == [(second, 4)]


def test_a_folder_never_loaded_writes_no_empty_row(con, tmp_path: Path) -> None:
    assert ingest_partition(con, "clicks", DAY, tmp_path / "landing", "load-1") == []


def test_a_file_duckdb_fails_on_is_rejected_and_the_others_load(
    con, tmp_path: Path, monkeypatch
) -> None:
    landing = tmp_path / "landing"
    day = folder(landing, "clicks")
    (day / "a.jsonl").write_bytes(b"\n".join(clicks(2)) + b"\n")
    (day / "b.jsonl").write_bytes(b"\n".join(clicks(3, 10)) + b"\n")
    prepare = load.prepare_file

    def fail_after_reading_b(batch, file, line_ends) -> FileLoad:
        result = prepare(batch, file, line_ends)
        if file.name == "b.jsonl":
            raise duckdb.InvalidInputException("injected: the reader gave up")
        return result

    monkeypatch.setattr(load, "prepare_file", fail_after_reading_b)
    a, b = ingest_partition(con, "clicks", DAY, landing, "load-1")

    assert (a.status, a.rows_loaded) == ("loaded", 2)
    assert b.status == "rejected" and "injected: the reader gave up" in b.message
    assert rows_by_file(con, "clicks") == {"clicks/2026-10-03/a.jsonl": 2}
    [(original,)] = con.execute("SELECT original FROM raw._rejects").fetchall()
    assert original == (day / "b.jsonl").read_bytes()
