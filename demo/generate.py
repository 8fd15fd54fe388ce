"""Generate the demo world and load it into the four agencies' databases.

    python -m demo.generate --count 10000 --seed 1405 --var-dir var \\
        [--civil-url URL] [--social-url URL] [--tax-url URL] [--education-url URL]

Progress goes to stderr; stdout gets the interesting citizens as JSON, so it can be redirected.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from demo.agencies import AGENCIES, default_urls, load_world
from demo.world import World, interesting_citizens, iter_world


@dataclass(frozen=True)
class Generated:
    counts: dict[str, dict[str, int]]  # agency -> table -> rows written
    citizens: dict[str, str]  # see demo.world.interesting_citizens
    seconds: float


async def generate_and_load(
    count: int,
    seed: int,
    urls: Mapping[str, str],
    *,
    chunk_size: int = 5_000,
) -> Generated:
    """Stream the world into the agencies; the interesting citizens come from the first chunk,
    which always holds the showcase household (see demo.households)."""
    started = time.perf_counter()
    first: list[World] = []

    def stream() -> Iterator[World]:
        for chunk in iter_world(count, seed, chunk_size=chunk_size):
            if not first:
                first.append(chunk)
            yield chunk

    counts = await load_world(stream(), urls)
    try:
        citizens = interesting_citizens(first[0]) if first else {}
    except LookupError:  # a world of a handful of people lacks some stories
        citizens = {}
    return Generated(counts, citizens, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> dict[str, str]:
    parser = argparse.ArgumentParser(description="Generate and load the demo world")
    parser.add_argument("--count", type=int, default=10_000, help="citizens to generate")
    parser.add_argument("--seed", type=int, default=1405)
    parser.add_argument("--var-dir", default="var", help="where the default SQLite files go")
    parser.add_argument("--chunk-size", type=int, default=5_000, help="people per chunk")
    for name in AGENCIES:
        parser.add_argument(f"--{name}-url", help=f"SQLAlchemy URL of the {name} database")
    args = parser.parse_args(argv)
    urls = default_urls(args.var_dir)
    for name in AGENCIES:
        urls[name] = getattr(args, f"{name}_url") or urls[name]
    result = asyncio.run(generate_and_load(args.count, args.seed, urls, chunk_size=args.chunk_size))
    for name, tables in result.counts.items():
        rows = ", ".join(f"{table} {n}" for table, n in tables.items())
        where = make_url(urls[name]).render_as_string(hide_password=True)
        print(f"{name:<9} {rows}  ({where})", file=sys.stderr)
    print(f"generated and loaded {args.count} citizens in {result.seconds:.1f}s", file=sys.stderr)
    if not result.citizens:
        print("too few citizens for the demo's stories (need at least 6)", file=sys.stderr)
    print(json.dumps(result.citizens, indent=2))
    return result.citizens


if __name__ == "__main__":
    main()
