"""Crash points: named places where the reliability tests kill the pipeline
(tests/test_crash_recovery.py), so that every kill lands exactly where it is meant to.

With `SHARESIGNAL_CRASH_AT=<point>` in its environment, the process reaching that point
kills its whole process group with SIGKILL, the dbt subprocess included, as a container
kill would: no cleanup, no `finally`, no flush of what the processes hold in memory (what
they wrote, the kernel keeps). Run it in a process group of its own (`setsid`).

With `SHARESIGNAL_PAUSE_AT=<point>,<point>,...` the process group stops itself (SIGSTOP) at
each of those points instead, after appending the point's name as a line to the file
`SHARESIGNAL_PAUSE_LOG` names (not stderr, which Dagster captures in a step). The files are
then what a kill there leaves (a kill loses only what the processes hold in memory), so one
run gives a test the home as killed at every point: it copies the home at each stop, and
lets the run go on (SIGCONT) to the next. Without either variable, a crash point is two
dictionary lookups.
"""

import os
import signal

CRASH_AT = "SHARESIGNAL_CRASH_AT"
PAUSE_AT = "SHARESIGNAL_PAUSE_AT"
PAUSE_LOG = "SHARESIGNAL_PAUSE_LOG"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_AT) == name:
        os.killpg(os.getpgrp(), signal.SIGKILL)
    if name in os.environ.get(PAUSE_AT, "").split(","):
        with open(os.environ[PAUSE_LOG], "a") as log:
            log.write(f"{name}\n")
        os.killpg(os.getpgrp(), signal.SIGSTOP)
