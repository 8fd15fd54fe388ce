"""The baseline: a bare, hand-written Starlette service answering what the gateway answers.

Same agency SQLite files through SQLAlchemy async (plain SELECTs by national id, engines from
`store.db.create_engine`, one per database as the gateway shares them, with the gateway's pool
sizes, GATEWAY_SOURCE_POOL_*), the same education HTTP service; no GraphQL, no auth, no
audit. One read per record type, run concurrently, as the gateway's seven sources are.

    BENCH_VAR_DIR=var/bench BENCH_EDUCATION_URL=http://127.0.0.1:8101 uvicorn bench.bare:app
    GET /citizen/{national_id}      POST /citizens {"nationalIds": [...]}  (at most 100)
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette import responses
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from bench.records import (
    ORDER,
    SQL_READS,
    Found,
    Json,
    enrollment,
    moment,
    now,
    read_sql,
    statement,
    with_provenance,
)
from datasources.pools import Pools
from demo.agencies import default_urls
from settings.tools import bare_bench_pools, bare_bench_settings
from store.db import create_engine

MAX_IDS = 100


class JSONResponse(responses.JSONResponse):
    """JSON by orjson, as the gateway answers."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class Bare:
    def __init__(self, var_dir: Path, education_url: str) -> None:
        urls = default_urls(var_dir)
        # The gateway's own pool sizes for agency databases (GATEWAY_SOURCE_POOL_*).
        pools = Pools.of(bare_bench_pools())
        self.engines: dict[str, AsyncEngine] = {
            name: create_engine(urls[name], **pools.engine_options(urls[name]))
            for name in ("civil", "social", "tax")
        }
        self.statements = {record: statement(record) for record in SQL_READS}
        self.education_url = education_url.rstrip("/") + "/api/v1/students:batch"
        self.http = httpx.AsyncClient(timeout=30)

    async def _sql(self, record: str, ids: list[str]) -> Found:
        engine = self.engines[SQL_READS[record].database]
        return await read_sql(engine, record, self.statements[record], ids)

    async def _education(self, ids: list[str]) -> Found:
        response = await self.http.post(self.education_url, json={"codes": ids})
        response.raise_for_status()
        items = response.json()["students"]
        return {item["code_melli"]: (enrollment(item), moment(item["updated"])) for item in items}

    async def citizens(self, ids: list[str]) -> list[Json]:
        unique = list(dict.fromkeys(ids))
        reads = [self._sql(record, unique) for record in SQL_READS]
        answers = await asyncio.gather(*reads, self._education(unique))
        retrieved = now()
        found = dict(zip([*SQL_READS, "schoolEnrollment"], answers, strict=True))
        return [
            {"nationalId": national_id}
            | {record: with_provenance(record, found[record], national_id, retrieved)
               for record in ORDER}
            for national_id in ids
        ]  # fmt: skip

    async def close(self) -> None:
        await self.http.aclose()
        for engine in self.engines.values():
            await engine.dispose()


def _valid(national_id: Any) -> bool:
    return isinstance(national_id, str) and len(national_id) == 10 and national_id.isdigit()


async def citizen(request: Request) -> JSONResponse:
    national_id = request.path_params["national_id"]
    if not _valid(national_id):
        return JSONResponse({"error": "invalid national id"}, status_code=400)
    (answer,) = await request.app.state.bare.citizens([national_id])
    return JSONResponse({"citizen": answer})


async def citizens(request: Request) -> JSONResponse:
    ids = (await request.json()).get("nationalIds")
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(map(_valid, ids)):
        return JSONResponse({"error": f"nationalIds: up to {MAX_IDS} codes"}, status_code=400)
    return JSONResponse({"citizens": await request.app.state.bare.citizens(ids)})


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(var_dir: Path, education_url: str) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.bare = Bare(var_dir, education_url)
        gc.collect()  # as the gateway does: start-up's objects are never walked again
        gc.freeze()
        try:
            yield
        finally:
            await app.state.bare.close()

    routes = [
        Route("/citizen/{national_id}", citizen),
        Route("/citizens", citizens, methods=["POST"]),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


_settings = bare_bench_settings()
app = create_app(_settings.var_dir, _settings.education_url)
