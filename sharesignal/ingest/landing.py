"""Which entries of a landing folder are export files to read, and why the others are not.

Only regular files are read, by their own name. A symbolic link is refused (it could point
anywhere: /etc/passwd, another source's files), and so are subfolders, FIFOs and devices.
Names that mark a hidden or unfinished file (`.x`, `x.part`, `x.tmp`: an upload or copy still
running) are left alone (`SHARESIGNAL_LANDING_IGNORE`). Every refused entry is reported, so
nothing in the folder goes unseen.
"""

from __future__ import annotations

import fnmatch
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Skipped:
    """An entry of a landing folder that is not read, and why (words a person can act on)."""

    path: Path
    reason: str


def date_folder(landing_dir: Path, source: str, partition_date: date) -> Path:
    return landing_dir / source / partition_date.isoformat()


def landing_entries(
    landing_dir: Path, source: str, partition_date: date, ignore: tuple[str, ...]
) -> tuple[list[Path], list[Skipped]]:
    """The files to read for one source and export date (in name order), and the entries
    of the folder that are not read."""
    folder = date_folder(landing_dir, source, partition_date)
    if folder.is_symlink():
        return [], [Skipped(folder, _LINK)]
    if not folder.is_dir():
        return [], []
    readable, skipped = [], []
    for path in sorted(folder.iterdir()):
        reason = _why_not_read(path, ignore)
        if reason:
            skipped.append(Skipped(path, reason))
        else:
            readable.append(path)
    return readable, skipped


def readable_files(
    landing_dir: Path, source: str, partition_date: date, ignore: tuple[str, ...]
) -> list[Path]:
    return landing_entries(landing_dir, source, partition_date, ignore)[0]


def undated_entries(landing_dir: Path, source: str) -> list[str]:
    """Names in `landing/<source>/` that are not export-date folders: nothing reads them."""
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    return sorted(path.name for path in folder.iterdir() if not is_date_folder_name(path.name))


def is_date_folder_name(name: str) -> bool:
    try:
        return date.fromisoformat(name).isoformat() == name
    except ValueError:
        return False


_LINK = (
    "a symbolic link: links are not followed, so that no file outside the landing folder "
    "is read; copy the export itself here, then re-run the partition"
)


def _why_not_read(path: Path, ignore: tuple[str, ...]) -> str | None:
    pattern = next((p for p in ignore if fnmatch.fnmatchcase(path.name, p)), None)
    if pattern:
        return (
            f"its name matches {pattern!r}, the mark of a hidden or unfinished file "
            "(SHARESIGNAL_LANDING_IGNORE): not read; it is read once renamed when complete"
        )
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "removed while the folder was being read"
    if stat.S_ISLNK(mode):
        return _LINK
    if stat.S_ISDIR(mode):
        return (
            "a subfolder: not read (export files go directly in the date folder); move its "
            "files up, then re-run the partition"
        )
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device): not read"
    return None
