"""Fixtures for the demo world: one small world, loaded once into SQLite agency files."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.agencies import default_urls, load_world
from demo.world import World, generate_world

SEED = 1405
COUNT = 3_000


@pytest.fixture(scope="session")
def world() -> World:
    return generate_world(COUNT, SEED)


@pytest.fixture(scope="session")
async def agency_urls(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The four agencies as SQLite files, loaded from `world`."""
    var_dir: Path = tmp_path_factory.mktemp("demo-var")
    await load_world(world, var_dir=var_dir)
    return default_urls(var_dir)
