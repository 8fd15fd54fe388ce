"""Wiring of the proactive engine's background work (outbox workers, the daily age scan, webhook
deliveries), for the gateway process (server.py's lifespan, when settings.proactive.in_process)
and for standalone workers (`python -m services.proactive`): both run the same `EngineTasks`.

It sits at the top layer because it joins what no lower layer may: the engine (services/), the
reads it makes under the access decision and the access log (resolvers/), and, for a standalone
worker, the record specs the schema declares (schema/). `services/proactive/__main__.py` only
calls `main` here: the one upward import import-linter is told to allow (pyproject.toml).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.sink import AuditSink
from audit.writer import AuditWriter
from datasources.registry import Registry
from observability import logs
from resolvers.life_events import RegistryBirthdays
from resolvers.proactive_reads import EndDeceased, ProactiveReads
from services.proactive.age_scan import run_age_scan
from services.proactive.delivery import DeliveryPolicy, DeliveryWorker
from services.proactive.engine import Engine
from services.proactive.outbox import Outbox, OutboxPolicy
from services.proactive.webhooks import WebhookPolicy
from services.proactive.worker import Worker, Workers, WorkerStats, worker_name
from settings import Settings, get_settings
from store.secrets import SecretBox
from web.store_and_sources import open_store_and_sources

logger = logging.getLogger("darvazeh.proactive")


def build_workers(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    audit_sink: AuditSink | None,
    *,
    count: int = 1,
) -> Workers:
    """`count` outbox workers over the gateway's store, registry and access log."""
    reads = ProactiveReads(
        registry,
        sessions,
        audit_sink,
        guardianship_statute=settings.guardianship_check_statute,
        death_statute=settings.death_check_statute,
    )
    engine = Engine(sessions, reads, EndDeceased(sessions))
    policy = OutboxPolicy.of(settings.proactive)
    return Workers(
        [
            Worker(
                Outbox(sessions, worker_name(), policy),
                engine,
                poll_interval=settings.proactive.poll_interval,
            )
            for _ in range(count)
        ]
    )


class EngineTasks:
    """The engine's work in one process: its outbox workers, the age scan when it is on, and
    the webhook deliveries."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        registry: Registry,
        audit_sink: AuditSink | None,
        box: SecretBox,
        *,
        count: int = 1,
    ) -> None:
        proactive = settings.proactive
        self.workers = build_workers(settings, sessions, registry, audit_sink, count=count)
        self._sessions = sessions
        self._poll_interval = proactive.poll_interval
        self._birthdays = (
            RegistryBirthdays(
                registry, sessions, audit_sink, statute=settings.life_event_check_statute
            )
            if proactive.age_scan
            else None
        )
        self._catch_up_days = proactive.age_scan_catch_up_days
        self.deliveries = DeliveryWorker(
            sessions, box, WebhookPolicy.for_settings(settings), DeliveryPolicy.of(proactive)
        )
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.workers.start()
        self._tasks.append(
            asyncio.create_task(self.deliveries.run(self._poll_interval, self._stop))
        )
        if self._birthdays is not None:
            scan = run_age_scan(self._sessions, self._birthdays, catch_up_days=self._catch_up_days)
            self._tasks.append(asyncio.create_task(scan))

    async def stop(self) -> None:
        """Each worker finishes its batch, the deliveries their round; the scan is cancelled
        (a day's events and its mark commit together, so nothing is half done)."""
        self._stop.set()
        await self.workers.stop()
        deliveries, *scan = self._tasks
        await deliveries
        for task in scan:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def total(stats: Sequence[WorkerStats]) -> dict[str, int]:
    summed: dict[str, int] = {}
    for one in stats:
        for name, value in asdict(one).items():
            if isinstance(value, int):
                summed[name] = summed.get(name, 0) + value
    return summed


async def standalone(settings: Settings, *, count: int, until_idle: bool) -> dict[str, Any]:
    """Run `count` workers, the age scan and the webhook deliveries in this process until
    SIGTERM/SIGINT (each worker finishes its batch) or, with `until_idle`, only the workers until
    nothing is due. What they did, and the calls made to each source."""
    opened = await open_store_and_sources(settings)
    sessions, box, registry = opened.sessions, opened.box, opened.registry
    writer = AuditWriter(sessions) if settings.audit_enabled else None
    try:
        if writer is not None:
            await writer.start()
        tasks = EngineTasks(settings, sessions, registry, writer, box, count=count)
        workers = tasks.workers
        reloading = asyncio.create_task(_reload(registry, settings.reload_interval))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        try:
            if until_idle:  # drain the outbox and exit: the workers alone
                await asyncio.gather(*(w.run(stop, until_idle=True) for w in workers.workers))
            else:
                tasks.start()
                await stop.wait()
                await tasks.stop()
        finally:
            reloading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reloading
        summary = {
            "workers": count,
            **total([w.stats for w in workers.workers]),
            "source_calls": {source.id: source.calls for source in registry.sources()},
        }
    finally:
        if writer is not None:
            await writer.close()
        await opened.close()
    return summary


async def _reload(registry: Registry, interval: float) -> None:
    """Registrations made anywhere reach this worker, as they reach the gateway's."""
    while True:
        await asyncio.sleep(interval)
        try:
            await registry.load()
        except Exception:  # the store may be briefly away; the next round tries again
            logger.exception("reloading the data sources failed")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m services.proactive",
        description="Run proactive-engine outbox workers beside the gateway (docs/proactive.md).",
    )
    parser.add_argument("--workers", type=int, default=1, help="workers in this process (1-32)")
    parser.add_argument("--until-idle", action="store_true", help="exit once no life event is due")
    parser.add_argument("--report", type=Path, help="write what the workers did here (JSON)")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 32:
        parser.error("--workers must be 1..32")
    settings = get_settings()
    logs.configure(settings.observability.log_format, settings.observability.log_level)
    summary = asyncio.run(standalone(settings, count=args.workers, until_idle=args.until_idle))
    if args.report is not None:
        args.report.write_text(json.dumps(summary, indent=1) + "\n")
    logger.info("proactive workers stopped: %s", json.dumps(summary))
