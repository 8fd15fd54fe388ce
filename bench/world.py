"""The bench world: the demo world seeded once under var/bench/, reused by later runs.

Agency data and the migrated store persist; every run registers the sources again (the education
service listens on a fresh port each run), gives the demo clients fresh secrets, and registers
whatever of the 5,200-card catalogue is not there yet.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.agencies import adopt_flat_layout, load_world
from demo.seed import AgencyUrls, seed_gateway, write_demo_facts
from demo.service_cards import BENCH_COUNT
from demo.world import generate, interesting_citizens
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
    if var_dir.exists():
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    started = time.perf_counter()
    world = generate(count=count, seed=SEED)
    asyncio.run(load_world(world, var_dir))
    everyone = [person.national_id for person in world.people]
    step = max(1, len(everyone) // SAMPLE)
    ids = everyone[::step][:SAMPLE]
    citizens = interesting_citizens(world)
    asyncio.run(upgrade_async(settings_for(var_dir, 0).store_url))
    marker.write_text(json.dumps({"count": count, "ids": ids, "citizens": citizens}, indent=1))
    print(f"seeded the bench world: {count} citizens in {time.perf_counter() - started:.1f}s")
    return BenchWorld(var_dir, count, ids, citizens)


def register_sources(settings: Settings, education_url: str) -> dict[str, Any]:
    """Register the demo sources (education at its URL of this run); returns the demo clients."""
    clients = asyncio.run(_seed(settings, education_url))
    facts = settings.var_dir / "demo.json"
    citizens = json.loads((settings.var_dir / "world.json").read_text())["citizens"]
    write_demo_facts(
        facts, base_url=settings.base_url, clients=clients, citizens=citizens, passwords={}
    )
    return clients


async def _seed(settings: Settings, education_url: str) -> dict[str, Any]:
    setup = await Gateway.start(settings)
    try:
        urls = AgencyUrls.embedded(settings.agencies_folder, education_url)
        clients = await seed_gateway(setup.sessions, setup.registry, urls, card_count=BENCH_COUNT)
    finally:
        await setup.close()
    return clients
