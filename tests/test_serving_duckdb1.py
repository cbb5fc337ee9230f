"""BI clients lag DuckDB releases: the serving file must open in DuckDB 1.x, the newest 1.x
release from PyPI, installed into a throwaway environment (the reason for
sharesignal.publish.SERVING_STORAGE_VERSION)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from data_quality.suites import MART_SUITES

# Its tests share a module-scoped fixture: xdist runs them on one worker, which builds it once.
pytestmark = pytest.mark.xdist_group("serving_duckdb1")

UV = Path(sys.executable).parent / "uv"

# Every table and view of the file, each read whole (every column of every row decoded).
READ_EVERY_RELATION = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
relations = con.execute(
    "select schema_name, table_name from duckdb_tables() union all "
    "select schema_name, view_name from duckdb_views() where not internal order by 1, 2"
).fetchall()
read = {f"{s}.{t}": len(con.execute(f'select * from "{s}"."{t}"').fetchall()) for s, t in relations}
print(json.dumps({"version": duckdb.__version__, "rows": read}))
"""


@pytest.fixture(scope="module")
def duckdb1_python(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("duckdb1") / "venv"
    subprocess.run([str(UV), "venv", "--quiet", str(venv)], check=True)
    python = venv / "bin" / "python"
    # pytz: DuckDB 1.x's Python client needs it to return TIMESTAMPTZ values.
    installed = subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), "duckdb<2", "pytz"],
        capture_output=True,
        text=True,
    )
    if installed.returncode != 0:
        pytest.skip(f"could not install DuckDB 1.x from PyPI: {installed.stderr.strip()}")
    return python


def read_every_relation(python: Path, database: Path) -> dict:
    run = subprocess.run(
        [str(python), "-c", READ_EVERY_RELATION, str(database)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_every_mart_of_the_serving_file_reads_in_the_newest_duckdb_1x(
    published_home, duckdb1_python
):
    serving_file = published_home / "serving" / "marts.duckdb"

    old = read_every_relation(duckdb1_python, serving_file)

    new = read_every_relation(Path(sys.executable), serving_file)
    assert old["version"].startswith("1.") and new["version"].startswith("2.")
    assert old["rows"] == new["rows"]
    assert {f"main.{mart}" for mart in MART_SUITES} <= new["rows"].keys()
    assert new["rows"]["main.fct_shares"] > 0
