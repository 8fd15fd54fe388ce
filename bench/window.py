"""The national window's pages at 5,200 cards, timed in-process: `python -m bench.window`.

A small demo world (300 citizens) with the national window's full catalogue of 5,200 cards, its
sources probed; then each page is asked for back to back through the ASGI app (no network, so
the time is the server's, plus the in-process client's small share). The first request of each
page computes its cached figures; the rest read them, which is what the < 50 ms target is about.
Wall time counts whatever else the machine runs; "cpu" is the process's own CPU time per
request (every thread's, the store driver's included), the fairer figure on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from demo.service_cards import BENCH_COUNT, service_cards
from services.card_registration import register_missing
from store.db import transaction
from tests.harness import running_gateway

PAGES = (
    "/",
    "/?lang=en",
    "/catalogue",
    "/catalogue?q=ثبت&connected=no",
    "/catalogue?agency=civil-registry&page=3",
    "/agencies",
)


async def measure(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_gateway(Path(folder), count=300) as gateway:
            async with transaction(gateway.gateway.sessions) as session:
                added = await register_missing(
                    session, service_cards(BENCH_COUNT), changed_by="bench"
                )
            await gateway.gateway.registry.probe_all()
            print(f"{len(added):,} cards added; {requests} requests per page")
            for path in PAGES:
                first = time.perf_counter()
                response = await gateway.http.get(path)
                cold = (time.perf_counter() - first) * 1000
                assert response.status_code == 200, (path, response.status_code)
                times, cpu = [], []
                for _ in range(requests):
                    started, busy = time.perf_counter(), time.process_time()
                    response = await gateway.http.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - busy) * 1000)
                times.sort()
                p95 = times[max(0, round(0.95 * len(times)) - 1)]
                print(
                    f"{path:40} first {cold:6.1f} ms  median {statistics.median(times):5.1f} ms"
                    f"  p95 {p95:5.1f} ms  cpu median {statistics.median(cpu):5.1f} ms"
                    f"  ({len(response.content) // 1024} KiB)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="per page (1..2000)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 2000:
        parser.error("--requests must be 1..2000")
    asyncio.run(measure(args.requests))


if __name__ == "__main__":
    main()
