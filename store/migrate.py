"""Bring the gateway store to the newest schema: `python -m store.migrate [URL]`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str) -> None:
    """Synchronous: alembic's env.py starts its own event loop. Call from a thread if async."""
    command.upgrade(alembic_config(url), "head")


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else get_settings().store_url
    upgrade(url)
    print(f"store at {url.split('@')[-1]} is at the newest revision")


if __name__ == "__main__":
    main()
