"""What several test modules share: running the `sharesignal` command on a home."""

import os
import subprocess
import sys
from pathlib import Path

from sharesignal.config import REPO_ROOT


def run_sharesignal(home: Path, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed `sharesignal` command with `home` as SHARESIGNAL_HOME (and `key` as
    the pseudonymization key when given), as a user would from the repository."""
    command = Path(sys.executable).parent / "sharesignal"
    env = {**os.environ, "SHARESIGNAL_HOME": str(home)}
    if key is not None:
        env["SHARESIGNAL_PSEUDONYM_KEY"] = key
    return subprocess.run(
        [str(command), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
