"""The writer alone behind HTTP, for the SIGKILL test: `python -m tests.audit.durability_server
STORE_URL PORT`. Each POST /access records 7 entries under a fresh request id and answers with
that id only once they are committed; GET /stats tells the writer's commit counts."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from audit import AuditWriter
from store.db import create_engine, sessionmaker
from tests.audit.sample import entries


def create_app(store_url: str) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(store_url)
        writer = AuditWriter(sessionmaker(engine))
        await writer.start()
        app.state.writer = writer
        try:
            yield
        finally:
            await writer.close()
            await engine.dispose()

    async def access(request: Request) -> PlainTextResponse:
        request_id = uuid.uuid4().hex
        await request.app.state.writer.record(entries(request_id))
        return PlainTextResponse(request_id)

    async def stats(request: Request) -> JSONResponse:
        writer: AuditWriter = request.app.state.writer
        return JSONResponse(
            {"transactions": writer.stats.transactions, "records": writer.stats.records}
        )

    return Starlette(
        routes=[Route("/access", access, methods=["POST"]), Route("/stats", stats)],
        lifespan=lifespan,
    )


if __name__ == "__main__":
    url, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(create_app(url), host="127.0.0.1", port=port, log_level="warning")
