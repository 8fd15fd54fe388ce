"""The education ministry's student service: a small HTTP JSON API over its own database.

The gateway reaches education only through this API (an `http` data source), as it would reach
a ministry that does not open its database to anyone.

    python -m demo.education --db var/agencies/education/education.db --host 127.0.0.1 --port 8101
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from demo.agencies import STUDENTS
from settings.tools import demo_settings
from store.db import create_engine

MAX_BATCH = 1000


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _student(row: Any) -> dict[str, Any]:
    return {
        "code_melli": row.code_melli,
        "madrese": {"name": row.madrese_name, "code": row.madrese_code},
        "paye": row.paye,
        "sal_tahsili": row.sal_tahsili,
        "vaziat": row.vaziat,
        "updated": row.updated,
    }


async def students_batch(request: Request) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "invalid_request", "the body must be JSON")
    codes = body.get("codes") if isinstance(body, dict) else None
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return _error(400, "invalid_request", '"codes" must be a list of strings')
    if len(codes) > MAX_BATCH:
        return _error(400, "batch_too_large", f"at most {MAX_BATCH} codes per request")
    wanted = list(dict.fromkeys(codes))  # repeated codes are asked once
    delay: tuple[float, float] | None = request.app.state.delay
    if delay:  # a slow ministry, for the bench: the wait is here, on the agency's side
        await asyncio.sleep(random.uniform(*delay))
    if not wanted:
        return JSONResponse({"students": []})
    async with request.app.state.engine.connect() as connection:
        result = await connection.execute(select(STUDENTS).where(STUDENTS.c.code_melli.in_(wanted)))
        found = {row.code_melli: row for row in result}
    return JSONResponse({"students": [_student(found[code]) for code in wanted if code in found]})


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


class RequireApiKey:
    """Pure ASGI: refuse requests without the bearer key; /healthz stays open for probes, and
    POSTs to `signed_posts` prove who sends them otherwise (a signed webhook)."""

    def __init__(self, app: ASGIApp, key: str, signed_posts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.expected = f"Bearer {key}".encode()
        self.signed_posts = set(signed_posts)

    def _open(self, scope: Scope) -> bool:
        path = scope["path"]
        return path == "/healthz" or (scope["method"] == "POST" and path in self.signed_posts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._open(scope):
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                response = _error(401, "unauthorized", "a valid bearer API key is required")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    db_url: str, *, api_key: str = "", delay: tuple[float, float] | None = None
) -> Starlette:
    """The service over db_url; with an api_key it asks for it as a bearer token, else open.
    With a delay (low, high seconds) each batch answer waits a uniform draw between them."""
    engine = create_engine(db_url)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/api/v1/students:batch", students_batch, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        middleware=[Middleware(RequireApiKey, key=api_key)] if api_key else [],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.delay = delay
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="The demo education ministry's student API")
    parser.add_argument(
        "--db", default="var/agencies/education/education.db", help="its SQLite file"
    )
    parser.add_argument("--db-url", help="a SQLAlchemy URL instead of --db")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument(
        "--delay-ms", type=float, nargs=2, metavar=("LOW", "HIGH"),
        help="answer each batch after a uniform wait between LOW and HIGH ms (a slow agency)",
    )  # fmt: skip
    args = parser.parse_args()
    delay = None
    if args.delay_ms:
        low, high = args.delay_ms
        if not 0 <= low <= high <= 10_000:
            parser.error("--delay-ms LOW HIGH: 0 <= LOW <= HIGH <= 10000")
        delay = (low / 1000, high / 1000)
    url = args.db_url or f"sqlite+aiosqlite:///{Path(args.db)}"
    app = create_app(url, api_key=demo_settings().education_api_key, delay=delay)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
