"""A delaying TCP proxy, put in front of an agency's database server: the agency answers slowly,
the gateway's side is untouched. Run as its own process, so its work is never the gateway's.

    python -m bench.delay_proxy --listen 127.0.0.1:PORT --upstream 127.0.0.1:5432 \
        --delay-ms 40 150 [--seed 1] [--instant]

SIGUSR2 turns the delays off (answers pass straight through), SIGUSR1 on again; `--instant`
starts with them off. The bench so switches agencies between instant and slow without
closing the gateway's connections.

What the client sends passes straight through. What the server answers is held back: each answer
(a burst of bytes arriving while nothing of the previous burst is still held) gets a delay drawn
uniformly between the bounds, and every byte of it leaves at its arrival time plus that delay, in
order. A query answered in one burst is so answered that much later; the connection's start-up
exchanges are delayed alike (the pool opens them once).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import time
from collections import deque
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass
class Delays:
    """Draws one delay (seconds) per answer, uniformly between low and high."""

    low: float
    high: float
    rng: random.Random = field(default_factory=random.Random)
    on: bool = True

    def draw(self) -> float:
        return self.rng.uniform(self.low, self.high) if self.on else 0.0


class HeldStream:
    """Bytes from the server, each burst released `delay` after it arrived, in order."""

    def __init__(self, writer: asyncio.StreamWriter, delays: Delays) -> None:
        self.writer = writer
        self.delays = delays
        self.held: deque[tuple[float, bytes]] = deque()
        self.delay = 0.0
        self.ready = asyncio.Event()
        self.closed = False

    def put(self, data: bytes, now: float) -> None:
        if not self.held:  # nothing of the last answer still held: a new answer starts
            self.delay = self.delays.draw()
        self.held.append((now + self.delay, data))
        self.ready.set()

    async def pump(self) -> None:
        while True:
            while not self.held:
                if self.closed:
                    return
                self.ready.clear()
                await self.ready.wait()
            due, data = self.held[0]
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.held.popleft()
            self.writer.write(data)
            await self.writer.drain()


async def _forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(CHUNK):
        writer.write(data)
        await writer.drain()


async def _held(reader: asyncio.StreamReader, stream: HeldStream) -> None:
    try:
        while data := await reader.read(CHUNK):
            stream.put(data, time.monotonic())
    finally:
        stream.closed = True
        stream.ready.set()


async def serve_connection(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream: tuple[str, int],
    delays: Delays,
) -> None:
    try:
        server_reader, server_writer = await asyncio.open_connection(*upstream)
    except OSError:
        client_writer.close()
        return
    stream = HeldStream(client_writer, delays)
    tasks = [
        asyncio.ensure_future(_forward(client_reader, server_writer)),
        asyncio.ensure_future(_held(server_reader, stream)),
        asyncio.ensure_future(stream.pump()),
    ]
    try:
        # Either side closing (or failing) ends the connection: the rest is cancelled.
        await asyncio.wait(tasks[:2], return_when=asyncio.FIRST_COMPLETED)
        if tasks[1].done():  # the server closed: what it said still goes out, late
            await asyncio.wait_for(tasks[2], timeout=delays.high + 5)
    except (OSError, TimeoutError):
        pass
    finally:
        for task in tasks:
            task.cancel()
        for writer in (client_writer, server_writer):
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()


async def start(
    listen: tuple[str, int], upstream: tuple[str, int], delays: Delays
) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await serve_connection(reader, writer, upstream, delays)

    return await asyncio.start_server(handle, *listen)


def address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if host not in ("127.0.0.1", "localhost", "::1") or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: a loopback host:port")
    return host, int(port)


async def _main(args: argparse.Namespace) -> None:
    low, high = (ms / 1000 for ms in args.delay_ms)
    delays = Delays(low, high, random.Random(args.seed), on=not args.instant)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: setattr(delays, "on", True))
    loop.add_signal_handler(signal.SIGUSR2, lambda: setattr(delays, "on", False))
    server = await start(args.listen, args.upstream, delays)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", type=address, required=True)
    parser.add_argument("--upstream", type=address, required=True)
    parser.add_argument("--delay-ms", type=float, nargs=2, default=(40.0, 150.0))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instant", action="store_true", help="start with the delays off")
    args = parser.parse_args()
    if not 0 <= args.delay_ms[0] <= args.delay_ms[1] <= 10_000:
        parser.error("--delay-ms LOW HIGH: 0 <= LOW <= HIGH <= 10000")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
