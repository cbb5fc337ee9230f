"""Every setting of sharesignal, in one place.

Settings come from environment variables so that the same code runs in `make demo`,
in tests (a temporary `SHARESIGNAL_HOME`) and in production.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# Every export source, in the order data flows through a business: social shares,
# clicks on the shared links, web sessions, CRM records, and the business's content list.
SOURCES: tuple[str, ...] = (
    "x",
    "mastodon",
    "bluesky",
    "clicks",
    "web_analytics",
    "crm",
    "content",
)

# The first export date the pipeline knows about. Daily partitions start here.
DEFAULT_PARTITIONS_START = "2026-10-01"

# Staging replaces personal identifiers by a keyed hash (the dbt macro `pseudonymize`).
# This key is public, so anyone can recompute its pseudonyms from a guessed handle or email:
# it is for development and sample data only. dbt takes the key from these settings too
# (sharesignal/pseudonym_key.py).
DEV_PSEUDONYM_KEY = "sharesignal-dev-pseudonym-key-not-secret"

# Previous serving files kept beside the current one (SHARESIGNAL_SERVING_VERSIONS).
DEFAULT_SERVING_VERSIONS = 3
# Landing file names that mark a hidden or unfinished file (an upload or copy in progress),
# which ingest leaves alone: shell patterns, replaced by SHARESIGNAL_LANDING_IGNORE
# (comma-separated; empty reads every name).
DEFAULT_LANDING_IGNORE: tuple[str, ...] = (
    ".*",
    "*.part",
    "*.partial",
    "*.tmp",
    "*.crdownload",
    "*.download",
    "~*",
)
# DuckDB's own default: up to 80% of the machine's memory, spilling to disk beyond it.
DEFAULT_DUCKDB_MEMORY_LIMIT = "80%"
# `make ui`: the Dagster UI, and beside it one static server for the pages the pipeline writes
# (results report, dbt docs, quality reports). Loopback only: the pages hold business data.
DEFAULT_UI_HOST = "127.0.0.1"
DEFAULT_DAGSTER_PORT = 3000
DEFAULT_PAGES_PORT = 3001


@dataclass(frozen=True)
class Settings:
    home: Path
    partitions_start: date
    # Kept out of repr, so printing or logging the settings does not reveal it.
    pseudonym_key: str = field(default=DEV_PSEUDONYM_KEY, repr=False)
    # How many replaced serving files to keep under serving/versions/.
    serving_versions: int = DEFAULT_SERVING_VERSIONS
    # Caps DuckDB where the pipeline writes the warehouse: ingest, and the dbt build (whose
    # profile reads the same variable).
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    landing_ignore: tuple[str, ...] = DEFAULT_LANDING_IGNORE
    ui_host: str = DEFAULT_UI_HOST
    dagster_port: int = DEFAULT_DAGSTER_PORT
    pages_port: int = DEFAULT_PAGES_PORT

    @property
    def uses_dev_pseudonym_key(self) -> bool:
        return self.pseudonym_key == DEV_PSEUDONYM_KEY

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.home / "serving"

    @property
    def serving_path(self) -> Path:
        return self.serving_dir / "marts.duckdb"

    @property
    def serving_versions_dir(self) -> Path:
        return self.serving_dir / "versions"

    @property
    def serving_parquet_dir(self) -> Path:
        return self.serving_dir / "parquet"

    @property
    def writer_lock_path(self) -> Path:
        """The lock every writer of this home holds (sharesignal.writer_lock)."""
        return self.home / "writer.lock"

    @property
    def quality_dir(self) -> Path:
        return self.home / "quality"

    @property
    def report_dir(self) -> Path:
        """The results report of the current publication (sharesignal/report)."""
        return self.serving_dir / "report"

    @property
    def dbt_docs_dir(self) -> Path:
        return self.home / "dbt_docs"

    @property
    def pages(self) -> dict[str, Path]:
        """What the pages server serves, by the first part of the URL path: only these
        folders, never the home itself (landing and the warehouse hold raw data)."""
        return {
            "report": self.report_dir,
            "dbt-docs": self.dbt_docs_dir,
            "quality": self.quality_dir,
        }

    @property
    def dagster_url(self) -> str:
        return f"http://{self.ui_host}:{self.dagster_port}"

    @property
    def pages_url(self) -> str:
        """The pages server's root."""
        return f"http://{self.ui_host}:{self.pages_port}"

    def page_url(self, path: Path) -> str:
        """The pages server's URL of a file under one of `pages`; ValueError for any other
        path, so a link in Dagster metadata never points where nothing serves it."""
        path = path.resolve()
        for name, folder in self.pages.items():
            if path.is_relative_to(folder.resolve()):
                relative = path.relative_to(folder.resolve()).as_posix()
                return f"{self.pages_url}/{name}/{relative}"
        raise ValueError(f"{path} is not under a served folder ({', '.join(self.pages)})")

    @property
    def truth_dir(self) -> Path:
        return self.home / "truth"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def load_settings() -> Settings:
    """Read the settings from the environment (read again on every call, so tests can
    point `SHARESIGNAL_HOME` at a temporary folder)."""
    home = Path(os.environ.get("SHARESIGNAL_HOME", REPO_ROOT / "data")).resolve()
    start = date.fromisoformat(
        os.environ.get("SHARESIGNAL_PARTITIONS_START", DEFAULT_PARTITIONS_START)
    )
    # An empty key would make the hash unkeyed: it counts as not set.
    pseudonym_key = os.environ.get("SHARESIGNAL_PSEUDONYM_KEY") or DEV_PSEUDONYM_KEY
    versions = os.environ.get("SHARESIGNAL_SERVING_VERSIONS", "").strip()
    serving_versions = int(versions) if versions else DEFAULT_SERVING_VERSIONS
    if serving_versions < 0:
        raise ValueError(f"SHARESIGNAL_SERVING_VERSIONS must be >= 0, not {serving_versions}")
    memory_limit = os.environ.get("SHARESIGNAL_DUCKDB_MEMORY_LIMIT", "").strip()
    ignore = os.environ.get("SHARESIGNAL_LANDING_IGNORE")
    return Settings(
        ui_host=os.environ.get("SHARESIGNAL_UI_HOST", "").strip() or DEFAULT_UI_HOST,
        dagster_port=_port("SHARESIGNAL_DAGSTER_PORT", DEFAULT_DAGSTER_PORT),
        pages_port=_port("SHARESIGNAL_PAGES_PORT", DEFAULT_PAGES_PORT),
        home=home,
        partitions_start=start,
        pseudonym_key=pseudonym_key,
        serving_versions=serving_versions,
        duckdb_memory_limit=memory_limit or DEFAULT_DUCKDB_MEMORY_LIMIT,
        landing_ignore=DEFAULT_LANDING_IGNORE
        if ignore is None
        else tuple(p.strip() for p in ignore.split(",") if p.strip()),
    )


def _port(variable: str, default: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"{variable} must be a TCP port (1-65535), not {value!r}")
    return int(value)


def warn_if_default_pseudonym_key(settings: Settings) -> None:
    """Warn loudly when personal data would be pseudonymized with the public development key,
    whose pseudonyms anyone can reverse by hashing guessed handles or emails."""
    if settings.uses_dev_pseudonym_key:
        warnings.warn(
            "SHARESIGNAL_PSEUDONYM_KEY is not set: personal identifiers are pseudonymized with "
            "the public development key, which does not protect them. Fine for sample data; "
            "for real exports set SHARESIGNAL_PSEUDONYM_KEY to a long random secret (e.g. "
            "`openssl rand -hex 32`) and keep it out of the repository.",
            stacklevel=2,
        )


def dbt_var(name: str) -> Any:
    """A var of dbt_project.yml (model parameters live there, for dbt and for the Python that
    measures the models); KeyError when it is not set."""
    import yaml

    config = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return config["vars"][name]
