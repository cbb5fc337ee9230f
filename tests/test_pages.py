"""`make ui`'s pages server and `make docs`: only the served folders are reachable, and the
dbt docs carry the warehouse's column types and row counts."""

import http.client
import json
import re

import duckdb
import pytest

from sharesignal.config import load_settings
from sharesignal.dbt_docs import NoWarehouse, build_dbt_docs
from sharesignal.pages import page_links, start_pages_server


@pytest.fixture
def pages(tmp_path, monkeypatch):
    """A pages server on a free port over a home with one file in each served folder and
    one secret file outside them."""
    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))
    monkeypatch.setenv("SHARESIGNAL_PAGES_PORT", str(free_port()))
    settings = load_settings()
    for name, folder in settings.pages.items():
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(f"<p>{name} page</p>")
    (tmp_path / "warehouse.duckdb").write_text("raw data")
    server = start_pages_server(settings)
    yield settings
    server.shutdown()
    server.server_close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(settings, path: str) -> tuple[int, bytes]:
    """A request sent as written (http.client does not normalize `..` away, as browsers do)."""
    con = http.client.HTTPConnection(settings.ui_host, settings.pages_port, timeout=10)
    try:
        con.request("GET", path)
        response = con.getresponse()
        return response.status, response.read()
    finally:
        con.close()


def test_each_served_folder_is_reachable_under_its_name(pages):
    for name in pages.pages:
        assert get(pages, f"/{name}/") == (200, f"<p>{name} page</p>".encode())
    status, index = get(pages, "/")
    assert status == 200
    assert all(f'href="/{name}/"' in index.decode() for name in pages.pages)


@pytest.mark.parametrize(
    "path",
    [
        "/warehouse.duckdb",
        "/report/../warehouse.duckdb",
        "/report/%2e%2e/warehouse.duckdb",
        "/quality/../../warehouse.duckdb",
        "/landing/",
        "//warehouse.duckdb",
    ],
)
def test_nothing_outside_the_served_folders_is_reachable(pages, path):
    status, body = get(pages, path)
    assert b"raw data" not in body
    assert status == 404


def test_page_urls_point_at_the_pages_server(pages):
    page = pages.quality_dir / "index.html"
    url = pages.page_url(page)
    assert url == f"http://{pages.ui_host}:{pages.pages_port}/quality/index.html"
    with pytest.raises(ValueError, match="not under a served folder"):
        pages.page_url(pages.warehouse_path)


def test_dbt_docs_show_the_warehouse_column_types_and_row_counts(docs_home):
    page = docs_home / "dbt_docs" / "index.html"
    catalog = json.loads((docs_home / "dbt" / "docs" / "catalog.json").read_text())
    shares = catalog["nodes"]["model.sharesignal.fct_shares"]
    con = duckdb.connect(str(docs_home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("select count(*) from marts.fct_shares").fetchone()[0]
        types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = 'marts' and table_name = 'fct_shares'"
            ).fetchall()
        )
    finally:
        con.close()
    assert rows > 0 and shares["stats"]["row_count"]["value"] == rows
    assert {c: v["type"] for c, v in shares["columns"].items()} == types
    # The static page carries that catalog inline, so the browser needs no other file.
    assert re.search(r'"row_count":\s*\{[^}]*"value":\s*' + str(rows), page.read_text())


def test_dbt_docs_without_a_warehouse_say_to_build_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))

    with pytest.raises(NoWarehouse, match="make demo"):
        build_dbt_docs(load_settings())

    assert not (tmp_path / "warehouse.duckdb").exists()


def test_the_backfill_ends_with_the_links_of_the_pages(published_home, monkeypatch):
    output = (published_home / "backfill.stdout").read_text()
    monkeypatch.setenv("SHARESIGNAL_HOME", str(published_home))
    settings = load_settings()
    for title, url in page_links(settings):
        assert re.search(rf"^  {re.escape(title)}: +{re.escape(url)}$", output, re.MULTILINE)
    assert settings.dagster_url in output
