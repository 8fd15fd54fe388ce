"""The load generator, run as its own process so it never shares a CPU slice with a server.

    python -m bench.load --target gateway --url http://127.0.0.1:PORT --ids-file ids.json \
        --token T [--mode single|batch|catalogue] [--duration 5 | --requests N] [--concurrency 8]

Keep-alive httpx.AsyncClient; `--concurrency` workers send back to back, rotating through the ids.
`single` asks one citizen per request; `batch` asks 100; `catalogue` asks the service catalogue
(no token). Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

CASE_REFERENCE = "BENCH-1405-0001"
BATCH = 100
# Targets: `gateway...` (the gateway under some set-up, e.g. gateway-audit-off), `bare`
# (bench/bare.py, REST), `hive` (Hive Gateway over the agencies' subgraphs, no token).
TARGETS = ("gateway", "bare", "hive")


def graphql_target(target: str) -> bool:
    return target.startswith("gateway") or target == "hive"


MAX_CONCURRENCY = 512  # the slow-agency section runs 300 clients
MAX_DURATION = 60.0
MAX_REQUESTS = 10_000

_PROVENANCE = "provenance { agency datasource retrievedAt lastUpdated status }"
RECORDS = f"""
    nationalId
    identity {{ firstName lastName fatherName gender {_PROVENANCE} }}
    birth {{ date place fatherNationalId motherNationalId {_PROVENANCE} }}
    death {{ date place {_PROVENANCE} }}
    address {{ province city postalCode {_PROVENANCE} }}
    insurance {{ insuranceNumber status type since dependantNationalIds {_PROVENANCE} }}
    schoolEnrollment {{ school schoolCode grade academicYear status {_PROVENANCE} }}
    taxStatus {{ taxpayerId cleared lastFilingYear {_PROVENANCE} }}
"""
SINGLE_QUERY = f"query Citizen($id: String!) {{ citizen(nationalId: $id) {{ {RECORDS} }} }}"
BATCH_QUERY = f"query Citizens($ids: [String!]!) {{ citizens(nationalIds: $ids) {{ {RECORDS} }} }}"
# What the national window's catalogue page asks: coverage overall and per agency, and the first
# page of the services not yet connected, with why. Public: sent without a token.
CATALOGUE_QUERY = """query Catalogue { catalogue {
  coverage { connected total share }
  agencies { code nameFa nameEn connected total }
  cards(connected: false, first: 20) { totalCount
    edges { cursor node { id nameFa nameEn agency { code nameFa nameEn } datasets legalBasis
      statute proactive lifeEvent connected missing { dataset reason detail } } }
    pageInfo { hasNextPage endCursor } } } }"""


def request_for(target: str, mode: str, ids: list[str]) -> tuple[str, str, Any]:
    """(method, path, json body or None) of one request for ids (one id in single mode)."""
    if mode == "catalogue":
        return "POST", "/graphql", {"query": CATALOGUE_QUERY}
    if graphql_target(target):
        if mode == "single":
            return "POST", "/graphql", {"query": SINGLE_QUERY, "variables": {"id": ids[0]}}
        return "POST", "/graphql", {"query": BATCH_QUERY, "variables": {"ids": ids}}
    if mode == "single":
        return "GET", f"/citizen/{ids[0]}", None
    return "POST", "/citizens", {"nationalIds": ids}


def id_groups(ids: list[str], mode: str) -> list[list[str]]:
    if mode == "single":
        return [[national_id] for national_id in ids]
    groups = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    return [group for group in groups if len(group) == BATCH] or [ids[:BATCH]]


async def run(args: argparse.Namespace, ids: list[str]) -> dict[str, Any]:
    groups = itertools.cycle(id_groups(ids, args.mode))
    headers = {"Content-Type": "application/json"}
    if args.target.startswith("gateway") and args.mode != "catalogue":
        headers |= {
            "Authorization": f"Bearer {args.token}",
            "Darvazeh-Case-Reference": CASE_REFERENCE,
        }
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    latencies: list[float] = []
    errors: list[str] = []
    budget = itertools.count()
    async with httpx.AsyncClient(
        base_url=args.url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def worker(deadline: float, record: bool) -> None:
            while time.perf_counter() < deadline:
                if record and args.requests and next(budget) >= args.requests:
                    return
                method, path, body = request_for(args.target, args.mode, next(groups))
                started = time.perf_counter()
                response = await client.request(method, path, json=body)
                elapsed = time.perf_counter() - started
                if not record:
                    continue
                if response.status_code != 200 or b'"errors"' in response.content:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
                else:
                    latencies.append(elapsed)

        async def phase(seconds: float, record: bool) -> float:
            started = time.perf_counter()
            deadline = started + seconds
            await asyncio.gather(*(worker(deadline, record) for _ in range(args.concurrency)))
            return time.perf_counter() - started

        if args.warmup > 0:
            await phase(args.warmup, record=False)
        elapsed = await phase(args.duration, record=True)
    ordered = sorted(latencies)
    return {
        "generator": "python",
        "target": args.target,
        "mode": args.mode,
        "concurrency": args.concurrency,
        "seconds": round(elapsed, 3),
        "ok": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "latency_median_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "latency_p90_ms": round(ordered[int(len(ordered) * 0.9)] * 1000, 2) if ordered else None,
        "latency_p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2) if ordered else None,
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True, help="gateway[-...], bare or hive")
    parser.add_argument("--url", required=True)
    parser.add_argument("--ids-file", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--mode", choices=("single", "batch", "catalogue"), default="single")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds (upper bound)")
    parser.add_argument("--requests", type=int, default=0, help="stop after N requests")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=0.5, help="unrecorded seconds first")
    args = parser.parse_args(argv)
    if not args.target.startswith(TARGETS):
        parser.error(f"--target must start with one of {TARGETS}")
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load generator only targets loopback addresses")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    if not 0 < args.duration <= MAX_DURATION or not 0 <= args.warmup <= MAX_DURATION:
        parser.error(f"--duration and --warmup must be at most {MAX_DURATION:g} s")
    if not 0 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be 0..{MAX_REQUESTS}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    ids: list[str] = json.loads(Path(args.ids_file).read_text())
    result = asyncio.run(run(args, ids))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
