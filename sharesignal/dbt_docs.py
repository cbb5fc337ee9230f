"""`make docs`: dbt's documentation site, with the catalog read from the home's warehouse, so
the pages show every column's type and every table's row count.

dbt writes one self-contained page (`--static`: manifest and catalog inlined, no request to
any server), which becomes `$SHARESIGNAL_HOME/dbt_docs/index.html`. dbt's other files stay in
its scratch folder under `dbt/`: only the page is served.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sharesignal.config import DBT_PROJECT_DIR, Settings
from sharesignal.writer_lock import writer_lock


class NoWarehouse(RuntimeError):
    """dbt would create an empty warehouse and document nothing."""


def build_dbt_docs(settings: Settings) -> Path:
    """Write the dbt docs page of the home's warehouse; returns its path."""
    if not settings.warehouse_path.exists():
        raise NoWarehouse(
            f"no warehouse at {settings.warehouse_path}: run `make demo` (or a backfill) first"
        )
    target = settings.home / "dbt" / "docs"
    dbt = Path(sys.executable).parent / "sharesignal-dbt"
    command = [str(dbt), "docs", "generate", "--static", "--quiet"]
    # Its log beside its files, not in the code checkout (as the pipeline's dbt runs do).
    command += ["--profiles-dir", ".", "--target-path", str(target), "--log-path", str(target)]
    # dbt-duckdb opens the warehouse for writing to read its catalog: one writer at a time.
    with writer_lock("dbt docs generate"):
        generated = subprocess.run(
            command,
            cwd=DBT_PROJECT_DIR,
            env={**os.environ, "SHARESIGNAL_HOME": str(settings.home)},
            capture_output=True,
            text=True,
        )
    if generated.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed:\n{generated.stdout}{generated.stderr}")
    page = settings.dbt_docs_dir / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    partial = page.with_name(".index.html.tmp")
    shutil.copyfile(target / "static_index.html", partial)
    # A reader sees the old page or the new one, never half of one.
    os.replace(partial, page)
    return page
