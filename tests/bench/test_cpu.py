"""bench/cpu.py: CPU seconds from /proc/<pid>/stat (all threads), per answered request."""

from __future__ import annotations

import os
import threading
import time

from bench import cpu

# A real line's shape: the name holds spaces and a ')', so fields are counted after the last one.
STAT = (
    "4242 (uvicorn (main) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 "
    "350 150 0 0 20 0 9 0 100 1000000 500 18446744073709551615"
)


def test_parse_stat_sums_user_and_system() -> None:
    assert cpu.parse_stat(STAT, ticks=100) == 5.0  # (350 + 150) / 100


def test_per_request() -> None:
    assert cpu.per_request_ms(1.0, 1.5, 100) == 5.0
    assert cpu.per_request_ms(None, 1.5, 100) is None
    assert cpu.per_request_ms(1.0, 1.5, 0) is None


def test_a_busy_thread_counts_for_the_process() -> None:
    before = cpu.cpu_seconds(os.getpid())
    assert before is not None

    def spin() -> None:
        deadline = time.process_time() + 0.3
        while time.process_time() < deadline:
            pass

    worker = threading.Thread(target=spin)
    worker.start()
    worker.join()
    after = cpu.cpu_seconds(os.getpid())
    assert after is not None and after - before >= 0.2
    assert cpu.cpu_seconds(2**22 + 12345) is None  # no such process
