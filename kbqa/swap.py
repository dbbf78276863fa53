"""Putting a new index folder in place: builds take turns, a swap is two renames, a killed one is undone.

Beside index/ live `.index.lock` (the build turn; the OS frees it if its holder dies),
`.index.building-<pid>/` (a build being written) and `.index.old-<pid>/` (the index a swap
renamed away). The pid says whether the build that owns a folder still runs.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from kbqa.store import fsync_dir

log = logging.getLogger("kbqa.build")


@contextmanager
def build_lock(folder: Path, say: Callable[[str], None] = log.warning) -> Iterator[None]:
    """Hold the one build turn of `folder` across processes; the OS frees it if the holder dies."""
    path = folder.parent / f".{folder.name}.lock"
    if folder.parent.exists() and not folder.parent.is_dir():  # say so, not "File exists" from a mkdir
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        say(f"waiting for another process to finish building {folder}")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()  # the file stays, so every waiter locks the same one


def recover(folder: Path) -> None:
    """Finish or undo a swap that a killed build left half done, and drop its half-written folder."""
    for old in sorted(folder.parent.glob(f".{folder.name}.old-*")):
        if old.name != f".{folder.name}.old-{os.getpid()}" and _owner_alive(old):
            continue  # another build is between its two renames
        if not (folder / "manifest.json").is_file() and (old / "manifest.json").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(old, folder)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in folder.parent.glob(f".{folder.name}.building-*"):
        if not _owner_alive(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def swap(tmp: Path, folder: Path, on_stage: Callable[[str], None] = lambda stage: None) -> None:
    """Rename `tmp` into place as `folder`; `on_stage` hears `swapping` and `swapped` between the steps."""
    old = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.rename(folder, old)
    on_stage("swapping")  # index/ is away and the new one not yet in: recover() puts the old one back
    os.rename(tmp, folder)
    fsync_dir(folder.parent)
    on_stage("swapped")
    shutil.rmtree(old, ignore_errors=True)


def _owner_alive(path: Path) -> bool:
    """Whether the process named by the `-<pid>` ending of a build's folder is running."""
    pid = path.name.rsplit("-", 1)[-1]
    return pid.isdigit() and _alive(int(pid))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
