"""What the four subgraphs share: the HTTP service around a schema, and one loader per request
that reads every citizen the request names in one batch (the root field's list and the router's
`_entities` representations alike), so a request costs each table one SELECT."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader

from bench.records import now, read_sql, statement, with_provenance
from store.db import create_engine

MAX_IDS = 100  # as the gateway's `citizens(nationalIds:)`
LOADER = "citizens"

Load = Callable[[AsyncEngine, list[str]], Awaitable[Sequence[Any]]]


@dataclass(frozen=True)
class Agency:
    """One agency's subgraph: its schema, its database (demo.agencies.AGENCIES) and how it reads
    a batch of citizens (one Citizen of its schema per national id, in order)."""

    schema: strawberry.federation.Schema
    database: str
    load: Load


def citizen(info: strawberry.Info, national_id: str) -> Awaitable[Any]:
    """The citizen from this request's batch (a resolver or resolve_reference calls this)."""
    loader: DataLoader[str, Any] = info.context[LOADER]
    return loader.load(national_id)


def citizens(info: strawberry.Info, national_ids: list[str]) -> Awaitable[list[Any]]:
    loader: DataLoader[str, Any] = info.context[LOADER]
    return loader.load_many(national_ids)


def one_record(record: str, make: Callable[[str, Any], Any]) -> Load:
    """How an agency with one record reads a batch: one SELECT, then `make(national_id, record)`
    builds each Citizen."""
    query = statement(record)

    async def load(engine: AsyncEngine, ids: list[str]) -> Sequence[Any]:
        found = await read_sql(engine, record, query, ids)
        retrieved = now()
        return [make(i, with_provenance(record, found, i, retrieved)) for i in ids]

    return load


class _Subgraph(GraphQL):
    def __init__(self, agency: Agency, engine: AsyncEngine) -> None:
        super().__init__(agency.schema, graphql_ide=None, allow_queries_via_get=False)
        self.agency = agency
        self.engine = engine

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> dict[str, Any]:
        async def batch(ids: list[str]) -> Sequence[Any]:
            return await self.agency.load(self.engine, ids)

        loader: DataLoader[str, Any] = DataLoader(batch, max_batch_size=MAX_IDS)
        return {"request": request, "response": response, LOADER: loader}


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(agency: Agency, db_url: str) -> Starlette:
    """The subgraph at /graphql over its database, with /healthz."""
    engine = create_engine(db_url)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    routes = [Route("/healthz", healthz), Route("/graphql", _Subgraph(agency, engine))]
    return Starlette(routes=routes, lifespan=lifespan)


def sdl(agency: Agency) -> str:
    """The subgraph's SDL as a router's composition reads it (`_service { sdl }`)."""
    return str(agency.schema.as_str())
