"""The stress run's load generator, its own process: N keep-alive clients send back to back and
every answer is written down, one JSON line each, for `bench.stress` to judge.

    python -m bench.stress_load --url http://127.0.0.1:PORT --token T --ids-file ids.json \
        --concurrency 200 --duration 60 --out answers.jsonl

A line: {"t": wall-clock end, "status": HTTP status (0: no answer), "id": Darvazeh-Request-Id,
"ms": latency, "read": the citizen came back, "errors": ["path:CODE", ...], "open": a circuit
was open}. Prints a one-line JSON summary. Only loopback targets; bounded in time and clients.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from bench.load import SINGLE_QUERY

CASE_REFERENCE = "STRESS-1405-0001"
REQUEST_ID_HEADER = "Darvazeh-Request-Id"
MAX_CONCURRENCY = 256
MAX_DURATION = 180.0
REQUEST_TIMEOUT = 60.0
RETRY_PAUSE = 0.05  # after a refused connection (the gateway is down): don't spin


def answer_line(status: int, request_id: str, ms: float, body: Any) -> dict[str, Any]:
    """What one answer says, in the shape bench.stress reads."""
    errors = body.get("errors") if isinstance(body, dict) else None
    data = body.get("data") if isinstance(body, dict) else None
    listed = []
    circuit_open = False
    for error in errors or []:
        path = ".".join(str(part) for part in error.get("path") or [])
        code = (error.get("extensions") or {}).get("code")
        listed.append(f"{path}:{code}")
        circuit_open = circuit_open or "circuit open" in str(error.get("message", ""))
    citizen = data.get("citizen") if isinstance(data, dict) else None
    return {
        "t": round(time.time(), 4),
        "status": status,
        "id": request_id,
        "ms": round(ms, 1),
        "read": isinstance(citizen, dict),
        "errors": listed,
        "open": circuit_open,
    }


async def run(args: argparse.Namespace, ids: list[str], out: IO[str]) -> dict[str, Any]:
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {args.token}",
        "Darvazeh-Case-Reference": CASE_REFERENCE,
    }
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    rotation = itertools.cycle(ids)
    counts = {"answers": 0, "no_answer": 0, "not_200": 0, "with_errors": 0}
    deadline = time.monotonic() + args.duration
    async with httpx.AsyncClient(
        base_url=args.url, headers=headers, limits=limits, timeout=REQUEST_TIMEOUT
    ) as client:

        async def worker() -> None:
            while time.monotonic() < deadline:
                body = {"query": SINGLE_QUERY, "variables": {"id": next(rotation)}}
                started = time.perf_counter()
                try:
                    response = await client.post("/graphql", json=body)
                except httpx.HTTPError as error:
                    line = answer_line(0, "", (time.perf_counter() - started) * 1000, None)
                    line["failure"] = f"{type(error).__name__}: {error}"[:200]
                    counts["no_answer"] += 1
                    out.write(json.dumps(line) + "\n")
                    await asyncio.sleep(RETRY_PAUSE)
                    continue
                ms = (time.perf_counter() - started) * 1000
                try:
                    parsed = response.json()
                except ValueError:
                    parsed = None
                line = answer_line(
                    response.status_code, response.headers.get(REQUEST_ID_HEADER, ""), ms, parsed
                )
                counts["answers"] += 1
                counts["not_200"] += response.status_code != 200
                counts["with_errors"] += bool(line["errors"])
                out.write(json.dumps(line) + "\n")

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return counts


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--ids-file", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load generator only targets loopback addresses")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be at most {MAX_DURATION:g} s")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    ids: list[str] = json.loads(args.ids_file.read_text())
    with args.out.open("w") as out:
        counts = asyncio.run(run(args, ids, out))
    json.dump(counts, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
