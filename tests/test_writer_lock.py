"""One writer per home: ingest, dbt and publish take the lock before writing, a second writer
waits for the first, saying who holds the lock, and a killed writer leaves no lock behind."""

import logging
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from dagster import materialize

from orchestration.definitions import defs
from orchestration.ingest import ingest_assets
from orchestration.publish import published_marts
from orchestration.resources import Warehouse
from orchestration.transform import dbt_models
from sharesignal.writer_lock import writer_lock

# A writer in a process of its own: takes the lock, says so, holds it until its stdin closes.
WRITER = """
import sys
from sharesignal.writer_lock import writer_lock
with writer_lock(sys.argv[1]):
    print("holding", flush=True)
    sys.stdin.read()
print("done", flush=True)
"""


def start_writer(home: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, name],
        env={**os.environ, "SHARESIGNAL_HOME": str(home)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_writer_waits_for_the_first_and_names_it(tmp_path):
    first = start_writer(tmp_path, "first writer")
    assert first.stdout.readline() == "holding\n"
    second = start_writer(tmp_path, "second writer")

    waiting = second.stderr.readline()

    assert "held by first writer (pid" in waiting, waiting
    assert "second writer starts when it is done" in waiting
    assert second.poll() is None  # blocked on the lock, not holding it
    first.stdin.close()
    assert first.stdout.read() == "done\n"
    second_out, _ = second.communicate("", timeout=60)
    assert second_out == "holding\ndone\n"
    assert first.wait(timeout=60) == 0 and second.returncode == 0


def test_a_killed_writer_leaves_no_lock(tmp_path, monkeypatch, caplog):
    killed = start_writer(tmp_path, "killed writer")
    assert killed.stdout.readline() == "holding\n"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))

    with caplog.at_level(logging.INFO), writer_lock("next writer"):
        pass

    assert caplog.records == []  # taken at once, without waiting


def test_ingest_takes_the_writer_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))
    (tmp_path / "landing").mkdir()
    taken = []
    monkeypatch.setattr(
        "orchestration.ingest.writer_lock",
        lambda what, log: taken.append(what) or writer_lock(what, log),
    )

    result = materialize(
        [ingest_assets[0]],
        partition_key=date(2026, 10, 1).isoformat(),
        resources={"warehouse": Warehouse(path=str(tmp_path / "warehouse.duckdb"))},
    )

    assert result.success
    assert taken == [f"ingest x (run {result.run_id})"]


class LockRefused(Exception):
    """Raised by the stand-in lock: whatever the step does after asking for it never runs."""


@pytest.mark.parametrize(
    ("asset", "module", "what"),
    [
        (dbt_models, "orchestration.transform", "dbt build"),
        (published_marts, "orchestration.publish", "publish"),
    ],
)
def test_dbt_and_publish_take_the_writer_lock_before_writing(
    asset, module, what, tmp_path, monkeypatch
):
    monkeypatch.setenv("SHARESIGNAL_HOME", str(tmp_path))
    asked = []

    def refuse(what: str, log) -> None:
        asked.append(what)
        raise LockRefused

    monkeypatch.setattr(f"{module}.writer_lock", refuse)
    resources = {
        "warehouse": Warehouse(path=str(tmp_path / "warehouse.duckdb")),
        "dbt": defs.resources["dbt"],
    }

    partition = "2026-10-01" if asset.partitions_def else None

    with pytest.raises(LockRefused):
        materialize([asset], partition_key=partition, resources=resources)

    assert len(asked) == 1 and asked[0].startswith(f"{what} (run ")
    # Nothing was written before the lock: no dbt target, no warehouse, no serving folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == []
