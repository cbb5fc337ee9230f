"""Crash points: named places where the reliability tests kill the pipeline
(tests/test_crash_recovery.py), so that every kill lands exactly where it is meant to.

With `SHARESIGNAL_CRASH_AT=<point>` in its environment, the process reaching that point
kills its whole process group with SIGKILL, the dbt subprocess included, as a power cut
or a container kill would: no cleanup, no `finally`, no flush. Run it in a process group
of its own (`setsid`). Without the variable, a crash point is one dictionary lookup.
"""

import os
import signal

CRASH_AT = "SHARESIGNAL_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_AT) == name:
        os.killpg(os.getpgrp(), signal.SIGKILL)
