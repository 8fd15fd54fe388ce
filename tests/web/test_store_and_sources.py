"""web.store_and_sources: the store and the loaded registry every process opens first."""

from __future__ import annotations

from sqlalchemy import text

from tests.harness import RunningGateway
from web.store_and_sources import open_store_and_sources


async def test_a_second_process_opens_the_same_store_and_sources(gateway: RunningGateway) -> None:
    opened = await open_store_and_sources(gateway.gateway.settings)
    try:
        served = {source.id for source in gateway.gateway.registry.sources()}
        assert served
        assert {source.id for source in opened.registry.sources()} == served
        async with opened.sessions() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await opened.close()
