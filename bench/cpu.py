"""Server CPU per request: utime + stime of a process (all its threads) from /proc/<pid>/stat,
diffed around a round and divided by the requests the server answered in it."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def parse_stat(text: str, ticks: int = TICKS) -> float:
    """Seconds of user + system CPU in one /proc/<pid>/stat line. The process name (field 2)
    may hold spaces and parentheses, so the fields are counted after its last ')'; utime and
    stime are then the 12th and 13th (fields 14 and 15 of proc(5)), already summed over every
    thread of the process."""
    fields = text.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def cpu_seconds(pid: int) -> float | None:
    """The process's CPU seconds so far; None when it is gone or this is not Linux."""
    try:
        return parse_stat(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, IndexError, ValueError):
        return None


def per_request_ms(before: float | None, after: float | None, answered: int) -> float | None:
    """Milliseconds of CPU per answered request, or None when it cannot be known."""
    if before is None or after is None or answered <= 0:
        return None
    return round((after - before) * 1000 / answered, 3)
