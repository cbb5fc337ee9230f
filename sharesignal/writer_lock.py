"""One writer per home at a time: ingest, the dbt build, publishing and the results report
each hold this lock while they write the warehouse or the serving folder.

Dagster queues its own runs one at a time, but `sharesignal backfill`, `sharesignal publish`
and `sharesignal report` run in their own process, beside whatever the daemon runs; without a
lock they could write the warehouse while another run reads or audits it. The lock is an
exclusive `flock` on `$SHARESIGNAL_HOME/writer.lock`: the kernel releases it when its holder
exits, however it exits (a killed run never leaves a stale lock). A writer that finds it taken
says so, naming the holder, and waits for it: the second run then works on what the first one
wrote.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol

from sharesignal.config import load_settings

LOG = logging.getLogger(__name__)


class Log(Protocol):
    """A logging.Logger, or Dagster's context.log."""

    def info(self, msg: str) -> object: ...

    def warning(self, msg: str) -> object: ...

    def error(self, msg: str) -> object: ...


@contextmanager
def writer_lock(what: str, log: Log = LOG) -> Iterator[None]:
    """Hold the home's writer lock for the block, waiting for it if another writer holds
    it. `what` names this writer to whoever waits for it."""
    path = load_settings().writer_lock_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 1000, 0).decode(errors="replace").strip() or "another writer"
            log.warning(f"waiting for {path}: held by {holder}; {what} starts when it is done")
            started = datetime.now(UTC)
            fcntl.flock(fd, fcntl.LOCK_EX)
            log.info(f"{what} took {path} after {datetime.now(UTC) - started}")
        # Who holds it, for the next writer's message; the lock is the flock, not this text.
        os.ftruncate(fd, 0)
        os.pwrite(
            fd, f"{what} (pid {os.getpid()}, since {datetime.now(UTC):%F %T} UTC)".encode(), 0
        )
        yield
    finally:
        os.close(fd)  # releases the lock
