"""Before a refresh writes anything: is the warehouse disk writable, and is there room?

A read-only or full disk otherwise surfaces deep inside DuckDB, SQLite (Dagster's run storage)
or dbt as a stack trace that blames a lock or "disk I/O". Checking up front turns the common
case into one line that says what to do. A disk that fills up during the run is still possible
(another process writes to it), so the warehouse keeps a small reserve file: when a run dies of
a full disk, the reserve is released so the failure can still be written to the run log.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

# A refresh is refused before it starts below Settings.min_free_disk_mb (EMPATHY_MIN_FREE_DISK_MB)
# of free space, or twice the working database when that is more: a build grows the working
# database by about its size, and publish writes a copy of the marts.
# Released when a run dies of a full disk, so that the run log can still record it.
DISK_RESERVE_NAME = ".disk-reserve"
DISK_RESERVE_BYTES = 16 << 20

_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_DISK_FULL_WORDS = ("no space left on device", "database or disk is full", "disk quota exceeded")
_IO_ERROR_WORDS = ("disk i/o error", "io error")


class WarehouseDiskError(Exception):
    """The warehouse folder cannot be written, or its disk is (nearly) full."""


def check_writable(folder: Path) -> None:
    """Creates `folder` if needed and proves a file can be written and removed in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # A probe of this process's own: two runs starting together must not remove each other's.
        descriptor, probe = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        if error.errno in _DISK_FULL_ERRNOS:
            raise disk_full_error(folder) from None
        raise WarehouseDiskError(
            f"cannot write to {folder} ({error.strerror or error}): make the folder writable, "
            "or point WAREHOUSE_DIR at a folder on a writable disk"
        ) from None


def check_free_space(warehouse_dir: Path, working_db: Path, min_free_mb: int) -> None:
    """Refuses to start when the disk holding the warehouse has less room than a run needs."""
    needed = max(min_free_mb << 20, 2 * (working_db.stat().st_size if working_db.exists() else 0))
    reserve = warehouse_dir / DISK_RESERVE_NAME
    free = shutil.disk_usage(warehouse_dir).free + (
        reserve.stat().st_size if reserve.exists() else 0
    )
    if free < needed:
        raise WarehouseDiskError(
            f"the disk holding {warehouse_dir} has {free >> 20} MB free and a refresh needs at "
            f"least {needed >> 20} MB: free some space, or point WAREHOUSE_DIR at a larger disk "
            "(EMPATHY_MIN_FREE_DISK_MB sets the floor)"
        )


def keep_disk_reserve(warehouse_dir: Path) -> None:
    """Makes sure the reserve file exists (after the free-space check, so there is room)."""
    reserve = warehouse_dir / DISK_RESERVE_NAME
    if reserve.exists() and reserve.stat().st_size == DISK_RESERVE_BYTES:
        return
    with open(reserve, "wb") as handle:
        os.posix_fallocate(handle.fileno(), 0, DISK_RESERVE_BYTES)


def release_disk_reserve(warehouse_dir: Path) -> None:
    (warehouse_dir / DISK_RESERVE_NAME).unlink(missing_ok=True)


def is_disk_full(error: BaseException | str, warehouse_dir: Path) -> bool:
    """Whether an exception (or any exception it was raised from), or an error message, is the
    warehouse disk running full. The OS and DuckDB say so; SQLite (Dagster's run storage) may
    only say "disk I/O error", which counts when the disk is indeed (nearly) full."""
    messages: list[str] = []
    seen: set[int] = set()
    current = error
    while isinstance(current, BaseException) and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DISK_FULL_ERRNOS:
            return True
        messages.append(str(current).lower())
        current = current.__cause__ or current.__context__
    if isinstance(error, str):
        messages.append(error.lower())
    if any(words in message for message in messages for words in _DISK_FULL_WORDS):
        return True
    io_error = any(words in message for message in messages for words in _IO_ERROR_WORDS)
    return io_error and _free_bytes(warehouse_dir) < DISK_RESERVE_BYTES


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def disk_full_error(warehouse_dir: Path) -> WarehouseDiskError:
    return WarehouseDiskError(
        f"the disk holding {warehouse_dir} is full (no space left on device): free some space "
        "and run again; the published version is unchanged"
    )
