"""The bench world: the demo world seeded once under var/bench/, reused by later runs.

Agency data and the migrated store persist; every run registers the sources again (the education
service listens on a fresh port each run), gives the demo clients fresh secrets, and registers
whatever of the 5,200-card catalogue is not there yet.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.agencies import adopt_flat_layout, load_world
from demo.citizens import World
from demo.seed import AgencyUrls, seed_gateway, write_demo_facts
from demo.service_cards import BENCH_COUNT
from demo.world import interesting_citizens, iter_world
from server import Gateway
from settings import ROOT, Settings, SourceSettings
from store.migrate import upgrade_async

VAR_DIR = ROOT / "var" / "bench"
SEED = 1405
SAMPLE = 400  # national ids the load generator rotates through


@dataclass(frozen=True)
class BenchWorld:
    var_dir: Path
    count: int
    ids: list[str]  # a sample of real national ids, spread over the world
    citizens: dict[str, str]

    @property
    def ids_file(self) -> Path:
        return self.var_dir / "ids.json"


def settings_for(var_dir: Path, port: int, education_port: int = 0) -> Settings:
    """The bench gateway's settings: the education service's port is the one agency server the
    connection policy allows (docs/data-source-policy.md)."""
    allowlist = {"education": [f"127.0.0.1:{education_port}"]} if education_port else {}
    return Settings(
        var_dir=var_dir,
        host="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        sources=SourceSettings(agencies_dir=var_dir / "agencies", allowlist=json.dumps(allowlist)),
    )


def ensure_world(var_dir: Path, count: int, *, fresh: bool) -> BenchWorld:
    """Generate and load the agencies and migrate the store, unless a same-sized world is there."""
    marker = var_dir / "world.json"
    if not fresh and marker.exists():
        saved = json.loads(marker.read_text())
        if saved.get("count") == count:
            adopt_flat_layout(var_dir / "agencies")  # a world made before agencies had folders
            print(f"reusing the bench world in {var_dir} ({count} citizens)")
            # The code may be newer than the world: bring its store to the newest schema.
            asyncio.run(upgrade_async(settings_for(var_dir, 0).store_url))
            return BenchWorld(var_dir, count, saved["ids"], saved["citizens"])
    # Its own process, so its peak memory (which must stay flat as the world grows) is its own.
    done = subprocess.run(
        [sys.executable, "-m", "bench.world", "--var-dir", str(var_dir), "--count", str(count)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"generating the bench world failed:\n{done.stderr[-2000:]}")
    saved = json.loads(marker.read_text())
    print(
        f"seeded the bench world: {count:,} citizens in {saved['seconds']:.1f}s, "
        f"peak RSS {saved['peak_rss_mb']:.0f} MB"
    )
    return BenchWorld(var_dir, count, saved["ids"], saved["citizens"])


def generate_into(var_dir: Path, count: int) -> dict[str, Any]:
    """Stream the world into the agencies' files chunk by chunk (never whole in memory), migrate
    the store, and write world.json: the sample ids, the showcase citizens, the time and the
    process's peak RSS."""
    if var_dir.exists():
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    started = time.perf_counter()
    step = max(1, count // SAMPLE)
    ids: list[str] = []
    citizens: dict[str, str] = {}
    seen = 0

    def stream() -> Iterator[World]:
        nonlocal seen, citizens
        for chunk in iter_world(count, SEED):
            if not citizens:  # the first chunk holds the showcase household
                citizens = interesting_citizens(chunk)
            for person in chunk.people:
                if seen % step == 0 and len(ids) < SAMPLE:
                    ids.append(person.national_id)
                seen += 1
            yield chunk

    asyncio.run(load_world(stream(), var_dir))
    asyncio.run(upgrade_async(settings_for(var_dir, 0).store_url))
    facts = {
        "count": count,
        "ids": ids,
        "citizens": citizens,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (var_dir / "world.json").write_text(json.dumps(facts, indent=1))
    return facts


def register_sources(
    settings: Settings, education_url: str, urls: AgencyUrls | None = None
) -> dict[str, Any]:
    """Register the demo sources (education at its URL of this run; the SQL agencies at `urls`,
    by default their SQLite files); returns the demo clients."""
    where = urls or AgencyUrls.embedded(settings.agencies_folder, education_url)
    clients = asyncio.run(_seed(settings, where))
    facts = settings.var_dir / "demo.json"
    citizens = json.loads((settings.var_dir / "world.json").read_text())["citizens"]
    write_demo_facts(
        facts, base_url=settings.base_url, clients=clients, citizens=citizens, passwords={}
    )
    return clients


async def _seed(settings: Settings, urls: AgencyUrls | str) -> dict[str, Any]:
    """Seed the store; `urls` as AgencyUrls, or education's URL with the SQLite agencies."""
    if isinstance(urls, str):
        urls = AgencyUrls.embedded(settings.agencies_folder, urls)
    setup = await Gateway.start(settings)
    try:
        clients = await seed_gateway(setup.sessions, setup.registry, urls, card_count=BENCH_COUNT)
    finally:
        await setup.close()
    return clients


# One client reading a small sample of citizens as fast as it can: limits that count every
# request (what they cost is measured) and never refuse one.
UNREACHABLE_LIMIT = str(10**9)
RATE_LIMITS = ("CLIENT", "CITIZEN", "SUBJECT", "ANONYMOUS", "OAUTH", "OAUTH_ADDRESS")


# The most sql sources on one agency database: the civil registry's four records.
SOURCES_PER_DATABASE = 4


def pools_env(concurrency: int) -> dict[str, str]:
    """Agency pools that hold what is in flight (docs/configuration.md, "Sizing the pools"):
    `concurrency` requests each reading every source of a database at once. Both the gateway and
    bare take this: a smaller pool closes and reopens connections (a thread and a file each on
    SQLite) on nearly every request, on both sides."""
    return {"GATEWAY_SOURCE_POOL_SIZE": str(max(5, concurrency * SOURCES_PER_DATABASE))}


def gateway_env(settings: Settings, var_dir: Path) -> dict[str, str]:
    return {
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(settings.port),
        "GATEWAY_PUBLIC_URL": settings.base_url,
        "GATEWAY_VAR_DIR": str(var_dir),
        **{f"GATEWAY_RATE_LIMIT_{name}": UNREACHABLE_LIMIT for name in RATE_LIMITS},
        "GATEWAY_AGENCIES_DIR": str(settings.agencies_folder),
        "GATEWAY_SOURCE_ALLOWLIST": settings.sources.allowlist,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate a bench world (ensure_world runs this)")
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    generate_into(args.var_dir, args.count)


if __name__ == "__main__":
    main()
