"""bench/delay_proxy.py: answers leave late by the drawn delay, in order, and pass straight
through when the delays are off; what the client sends is not held."""

from __future__ import annotations

import asyncio
import random
import time

from bench.delay_proxy import Delays, start


async def _echo_server() -> asyncio.Server:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            writer.write(data.upper())
            await writer.drain()
        writer.close()

    return await asyncio.start_server(echo, "127.0.0.1", 0)


async def _ask(port: int, messages: list[bytes]) -> list[tuple[bytes, float]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    for message in messages:
        started = time.perf_counter()
        writer.write(message)
        await writer.drain()
        answers.append((await reader.readexactly(len(message)), time.perf_counter() - started))
    writer.close()
    return answers


async def test_answers_are_delayed_in_order_and_instant_when_off() -> None:
    upstream = await _echo_server()
    delays = Delays(0.08, 0.12, random.Random(1))
    proxy = await start(("127.0.0.1", 0), upstream.sockets[0].getsockname()[:2], delays)
    port = proxy.sockets[0].getsockname()[1]
    async with upstream, proxy:
        slow = await _ask(port, [b"one", b"two", b"three"])
        assert [answer for answer, _ in slow] == [b"ONE", b"TWO", b"THREE"]
        assert all(0.075 <= seconds < 0.6 for _, seconds in slow)
        delays.on = False
        instant = await _ask(port, [b"four"])
        assert instant[0][0] == b"FOUR" and instant[0][1] < 0.07


def test_delays_draw_within_bounds() -> None:
    delays = Delays(0.04, 0.15, random.Random(7))
    drawn = [delays.draw() for _ in range(500)]
    assert all(0.04 <= d <= 0.15 for d in drawn)
    assert max(drawn) - min(drawn) > 0.08  # spread over the range, not one value
    delays.on = False
    assert delays.draw() == 0.0


async def test_a_closed_upstream_closes_the_client() -> None:
    proxy = await start(("127.0.0.1", 0), ("127.0.0.1", 9), Delays(0, 0))  # nothing listens
    port = proxy.sockets[0].getsockname()[1]
    async with proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
