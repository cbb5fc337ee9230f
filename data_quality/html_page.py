"""The page shell the quality pages share: inline CSS and nothing else, so a page renders the
same from the pages server, a file, or a machine without internet (no script, font or
stylesheet is fetched)."""

from __future__ import annotations

import html

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.85rem; }
pre { white-space: pre-wrap; margin: 0; }
.passed { background: #dafbe1; } .failed { background: #ffebe9; } .warned { background: #fff8c5; }
.note { color: #57606a; }
.wide { overflow-x: auto; }
details summary { cursor: pointer; }
"""


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style></head>
<body>
{body}
</body></html>
"""
