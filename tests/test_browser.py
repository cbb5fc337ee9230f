"""What `make ui` serves, rendered in headless Chromium (Debian's `chromium`, driven by
Playwright, which downloads no browser): the pages show their content, and nothing they ask
for fails to load or comes from another host. Without Chromium these tests are skipped,
saying so (`.ci/run` installs it)."""

import shutil
import socket
from dataclasses import dataclass, field

import duckdb
import pytest

from sharesignal.config import Settings, load_settings
from sharesignal.pages import start_pages_server

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed: the browser tests did not run"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(docs_home):
    """The pages server over the docs home, on a free port."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHARESIGNAL_HOME", str(docs_home))
        env.setenv("SHARESIGNAL_PAGES_PORT", str(free_port()))
        settings = load_settings()
    server = start_pages_server(settings)
    yield settings
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page opened in the browser, with everything that went wrong while it loaded."""

    page: object
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# Known faults of dbt's own page, not of anything it shows: an SVG `<use xlink:href="{{
# getIcon(…) }}">` is requested once as written, before Angular renders it, and the favicon
# link is a build template dbt never filled in (`${require(…)}`). Both URLs hold a `{`.
UNRENDERED_TEMPLATE = "%7B"


def visit(browser, settings: Settings, path: str, ready: str) -> Visit:
    """Open `path` on the pages server and wait until `ready` (a selector) shows."""
    local = f"http://{settings.ui_host}:{settings.pages_port}/"
    # Wide enough for dbt docs' details row, whose last fields (the row count) wrap away.
    page = browser.new_page(viewport={"width": 1800, "height": 1000})
    seen = Visit(page)

    def on_response(response) -> None:
        if response.status >= 400 and UNRENDERED_TEMPLATE not in response.url:
            seen.failed.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on(
        "requestfailed",
        lambda request: (
            None
            if UNRENDERED_TEMPLATE in request.url
            else seen.failed.append(f"failed {request.url}")
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((local, "data:", "blob:"))
            else seen.foreign.append(request.url)
        ),
    )
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.goto(local + path, wait_until="networkidle")
    page.wait_for_selector(ready, timeout=30_000)
    return seen


def assert_loaded_cleanly(seen: Visit) -> None:
    assert seen.foreign == [], "requests to other hosts"
    assert seen.failed == [], "requests that failed"
    assert seen.errors == [], "script errors"


def test_the_dbt_docs_show_a_mart_with_its_column_types_and_row_count(browser, served):
    con = duckdb.connect(str(served.warehouse_path), read_only=True)
    try:
        rows = con.execute("select count(*) from marts.fct_shares").fetchone()[0]
    finally:
        con.close()

    model = "dbt-docs/#!/model/model.sharesignal.fct_shares"
    seen = visit(browser, served, model, "span:text-is('trust_weight')")

    text = seen.page.inner_text("body")
    assert "fct_shares" in text and "VARCHAR" in text
    assert f"ROWS\n{rows:,}" in text
    assert_loaded_cleanly(seen)


def test_the_report_shows_every_chart_with_its_numbers(browser, served):
    from sharesignal.report.charts import CHARTS

    seen = visit(browser, served, "report/", "#publication-id")

    page = seen.page
    for chart in CHARTS:
        section = page.locator(f"section#{chart.slug}")
        assert section.locator("h2").inner_text() == chart.title
        # Drawn (an SVG with marks the browser laid out) or, for an empty mart, saying so.
        if section.locator("p.no-rows").count() == 0:
            box = section.locator("figure svg").bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50, chart.slug
            assert section.locator("table tbody tr").count() > 0, chart.slug
        else:
            assert "No rows" in section.inner_text()
    drawn = page.locator("section.chart figure svg").count()
    assert drawn >= len(CHARTS) - 1  # the two-day world has no opportunities to attribute
    assert_loaded_cleanly(seen)


def test_a_quality_report_lists_every_expectation_with_what_it_observed(browser, served):
    from data_quality import MART_SUITES

    index = visit(browser, served, "quality/", "text=Quality reports")
    link = index.page.locator("tr:has(td:text-is('marts.fct_shares')) a").first
    assert_loaded_cleanly(index)

    link.click()
    index.page.wait_for_selector("h1")
    report = index.page
    rows = report.locator("tr:has(td.n)")
    expectations = len(MART_SUITES["fct_shares"].expectations)
    assert rows.count() >= expectations
    observed = [rows.nth(i).locator("td").nth(5).inner_text() for i in range(expectations)]
    assert all(text.strip() for text in observed), "an expectation without an observed value"
    assert "passed" in report.locator("h1").inner_text().lower()
