"""The directory prometheus_client's multiprocess mode shares between the workers of one host.

Each worker writes its samples to files named after its pid; a scrape of any worker reads them
all. What is left there from before is decided when a worker starts, under a lock:

- no live process has files there: the server is starting afresh, so everything is removed
  (counters start from zero, as they would in one process);
- some worker is alive: this one joins (or replaces a dead one) in a running server. Dead
  workers are marked with `mark_process_dead`, which drops their live-only gauges; their counters
  and histograms stay, so totals never go backwards while the server runs.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.multiprocess import mark_process_dead

__all__ = ["claimed"]

_SAMPLE_FILE = re.compile(r".+_(\d+)\.db")
_LOCK_FILE = ".lock"


@contextmanager
def claimed(directory: Path) -> Iterator[None]:
    """Hold the directory's lock, tidied for this process, for the duration of the block (in
    which the caller creates its first sample file, so a worker starting next sees it alive)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / _LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _tidy(directory)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _tidy(directory: Path) -> None:
    files: dict[int, list[Path]] = {}
    for path in directory.glob("*.db"):
        match = _SAMPLE_FILE.fullmatch(path.name)
        if match is not None:
            files.setdefault(int(match.group(1)), []).append(path)
    dead = [pid for pid in files if not _alive(pid)]
    if len(dead) == len(files):
        for paths in files.values():
            for path in paths:
                path.unlink(missing_ok=True)
        return
    for pid in dead:
        mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]  # untyped upstream


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
