"""Admission control: at most so many GraphQL requests run at once in a worker.

Past that, the others wait their turn before any of their work starts. Without the bound, a
worker flooded with requests interleaves all of them on one event loop: every source call's
answer then waits behind the others' work, its timeout fires although the agency answered in
time, and the breakers of healthy agencies open. Queued, a request only waits longer.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

GRAPHQL_PATH = "/graphql"


class AdmissionLimit:
    """ASGI middleware: `limit` GraphQL requests at a time (0: no bound); every other path
    (health, pages, OAuth) passes straight through."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        if limit < 0:
            raise ValueError("the admission limit must be 0 (none) or positive")
        self.app = app
        self.limit = limit
        self._slots = asyncio.Semaphore(limit) if limit else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._slots is None or scope["type"] != "http" or scope["path"] != GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        async with self._slots:
            await self.app(scope, receive, send)
