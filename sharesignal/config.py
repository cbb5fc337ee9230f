"""Every setting of sharesignal, in one place.

Settings come from environment variables so that the same code runs in `make demo`,
in tests (a temporary `SHARESIGNAL_HOME`) and in production.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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


@dataclass(frozen=True)
class Settings:
    home: Path
    partitions_start: date

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
    def quality_dir(self) -> Path:
        return self.home / "quality"

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
    return Settings(home=home, partitions_start=start)
