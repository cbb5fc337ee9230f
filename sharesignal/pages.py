"""The pages server of `make ui`: the results report, the dbt docs and the quality reports over
http on localhost, because browsers refuse the file:// links a Dagster page would give.

Only the folders of `Settings.pages` are served, each under its own name; nothing else of the
home (landing files and the warehouse hold raw data) is reachable.
"""

from __future__ import annotations

import html
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from sharesignal.config import Settings

# What each served folder holds, for the index page and the links printed at start.
TITLES = {
    "report": "Results report of the published marts",
    "dbt-docs": "dbt docs: models, columns, lineage, tests",
    "quality": "Quality reports of every Great Expectations run",
}


class PagesHandler(SimpleHTTPRequestHandler):
    pages: dict[str, Path] = {}

    def do_GET(self) -> None:
        if urlsplit(self.path).path in ("", "/"):
            self._send_index()
        else:
            super().do_GET()

    def send_head(self):
        route = urlsplit(self.path).path.lstrip("/").partition("/")[0]
        if route not in self.pages:
            self.send_error(HTTPStatus.NOT_FOUND, "not a served folder")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        route, _, rest = urlsplit(path).path.lstrip("/").partition("/")
        # One handler per request, so setting its folder here touches no other request.
        self.directory = str(self.pages[route])
        return super().translate_path("/" + rest)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal belongs to the Dagster UI's log."""

    def _send_index(self) -> None:
        items = "".join(
            f'<li><a href="/{name}/">{html.escape(TITLES.get(name, name))}</a>'
            + ("" if (folder / "index.html").exists() else " <em>(not written yet)</em>")
            + "</li>"
            for name, folder in self.pages.items()
        )
        body = (
            "<!doctype html><html><head><meta charset='utf-8'><title>sharesignal</title>"
            "<style>body{font-family:sans-serif;margin:2em}</style></head><body>"
            f"<h1>sharesignal</h1><ul>{items}</ul></body></html>"
        ).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def start_pages_server(settings: Settings) -> ThreadingHTTPServer:
    """Serve `settings.pages` on `settings.ui_host:pages_port` from a daemon thread; the
    caller stops it with `shutdown()`."""
    handler = type("Handler", (PagesHandler,), {"pages": dict(settings.pages)})
    server = ThreadingHTTPServer((settings.ui_host, settings.pages_port), handler)
    threading.Thread(target=server.serve_forever, name="pages-server", daemon=True).start()
    return server


def page_links(settings: Settings) -> list[tuple[str, str]]:
    """(title, URL) of each served folder's entry page."""
    return [(TITLES.get(name, name), f"{settings.pages_url}/{name}/") for name in settings.pages]


def page_link_lines(settings: Settings, indent: str = "") -> list[str]:
    """The links as the terminal shows them: `title: URL`, the URLs in one column."""
    links = page_links(settings)
    width = max(len(title) for title, _ in links) + 1
    return [f"{indent}{title + ':':<{width}} {url}" for title, url in links]
