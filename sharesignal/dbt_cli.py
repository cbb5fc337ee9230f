"""`sharesignal-dbt`: dbt's command line as the pipeline runs it.

dagster-dbt asks `dbt --version` before every dbt command it runs, and dbt answers by
importing itself (2 s) and asking PyPI for the newest dbt-core and dbt-duckdb: two requests
to the internet in every run, which should need none. This answers `--version` from the
installed packages; every other command is dbt's own.
"""

import sys
from importlib.metadata import version


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(f"Core:\n  - installed: {version('dbt-core')}")
        print(f"Plugins:\n  - duckdb: {version('dbt-duckdb')}")
        return
    from dbt.cli.main import cli

    sys.exit(cli())
