"""The results report: one HTML page with six charts of the published marts, written with every
publication into `serving/report/` (the current one) and rendered at build time, offline.

- `queries`: the fixed SQL each chart reads, and the `_publication` row naming the version;
- `charts`: what each chart draws, from which mart, with the numbers it shows;
- `page`: the HTML page (inline SVG and CSS: nothing is fetched from anywhere);
- `publish`: building the report beside the current one and swapping it in atomically.

docs/report.md says what each chart shows and how to regenerate it.
"""
