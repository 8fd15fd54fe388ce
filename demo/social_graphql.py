"""The social security agency's own GraphQL service: a Federation subgraph over its database.

For agencies that already run GraphQL: the gateway reads it as a `graphql` data source, either
through `_entities` (`Insured` is an entity keyed by `nationalCode`) or through the list query
`insuredPeople(nationalCodes:)`. It reads the agency's `insured_persons` table and never writes.
The demo world keeps reading social security over SQL; this service is the reference for agencies,
the tests and docs/data-sources.md.

Given a webhook secret, the service also receives the agency's proactive cases from the gateway
(demo.webhook_receiver): `make demo` runs it so, and registers its URL as the agency's webhook.

    python -m demo.social_graphql --db var/agencies/social-security/social.db \
        --host 127.0.0.1 --port 8102 [--webhook-secret-file FILE --received FILE.jsonl]
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import strawberry
import uvicorn
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from demo import webhook_receiver
from demo.agencies import SOCIAL_INSURED
from demo.education import RequireApiKey
from settings.tools import demo_settings
from store.db import create_engine

MAX_BATCH = 1000


@strawberry.type(description="What the insurance covers and since when.")
class Coverage:
    kind: str = strawberry.field(description="salaried, self_employed, voluntary, ...")
    start_date: str = strawberry.field(description="ISO date.")


@strawberry.federation.type(keys=["nationalCode"], description="A person the agency insures.")
class Insured:
    national_code: str
    insurance_no: str
    status_code: str = strawberry.field(description="A active, S suspended, E expired.")
    coverage: Coverage
    dependants: list[str] = strawberry.field(description="The dependants' national codes.")
    modified: str = strawberry.field(description="ISO date-time of the last change.")

    @classmethod
    def resolve_reference(cls, info: Info, **representation: Any) -> Awaitable[Insured | None]:
        # Each representation is one load; the request's loader turns them into one query.
        return info.context["insured"].load(str(representation.get("nationalCode")))


def _insured(row: Any) -> Insured:
    return Insured(
        national_code=row.insured_id,
        insurance_no=row.insurance_no,
        status_code=row.status_code,
        coverage=Coverage(kind=row.coverage_type, start_date=row.start_date),
        dependants=[code for code in row.dependants.split(",") if code],
        modified=row.modified,
    )


@strawberry.type
class Query:
    @strawberry.field(description=f"The insured among these codes (at most {MAX_BATCH}).")
    async def insured_people(self, info: Info, national_codes: list[str]) -> list[Insured]:
        if len(national_codes) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} national codes per query")
        found = await info.context["insured"].load_many(list(dict.fromkeys(national_codes)))
        return [insured for insured in found if insured is not None]


schema = strawberry.federation.Schema(query=Query, federation_version="2.5")


async def _read(engine: AsyncEngine, codes: list[str]) -> dict[str, Insured]:
    async with engine.connect() as connection:
        query = select(SOCIAL_INSURED).where(SOCIAL_INSURED.c.insured_id.in_(codes))
        return {row.insured_id: _insured(row) for row in await connection.execute(query)}


class _SocialGraphQL(GraphQL):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self.engine = engine

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> dict[str, Any]:
        async def load(codes: list[str]) -> Sequence[Insured | None]:
            found = await _read(self.engine, codes)
            return [found.get(code) for code in codes]

        # One loader per request: every entity and list item of a request is one SELECT.
        loader: DataLoader[str, Insured | None] = DataLoader(load, max_batch_size=MAX_BATCH)
        return {"request": request, "response": response, "insured": loader}


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(
    db_url: str,
    *,
    api_key: str = "",
    webhook_key: bytes | None = None,
    received: webhook_receiver.Received | None = None,
) -> Starlette:
    """The subgraph at /graphql over db_url; with an api_key it asks for it as a bearer token,
    else open. With a webhook key and a file to keep them in, it receives signed deliveries of
    the agency's cases too (a delivery proves itself by its signature, not the API key)."""
    engine = create_engine(db_url)
    if make_url(db_url).get_backend_name() == "sqlite":
        # The service only reads; SQLite can be told so (after create_engine's own pragmas).
        event.listen(engine.sync_engine, "connect", _read_only)
    receiving = webhook_key is not None and received is not None

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if received is not None:
            await received.load()  # deliveries kept before a restart stay seen
        yield
        await engine.dispose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", _SocialGraphQL(engine)),
    ]
    if webhook_key is not None and received is not None:
        routes += webhook_receiver.routes(webhook_key, received)
    signed = (webhook_receiver.PATH,) if receiving else ()
    return Starlette(
        routes=routes,
        middleware=[Middleware(RequireApiKey, key=api_key, signed_posts=signed)] if api_key else [],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="The demo social security GraphQL subgraph")
    parser.add_argument(
        "--db", default="var/agencies/social-security/social.db", help="its SQLite file"
    )
    parser.add_argument("--db-url", help="a SQLAlchemy URL instead of --db")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--webhook-secret-file", type=Path, help="the agency's webhook secret")
    parser.add_argument("--received", type=Path, help="where received cases are kept (JSON lines)")
    args = parser.parse_args()
    if (args.webhook_secret_file is None) != (args.received is None):
        parser.error("--webhook-secret-file and --received go together")
    url = args.db_url or f"sqlite+aiosqlite:///{Path(args.db)}"
    key = None
    if args.webhook_secret_file is not None:
        key = webhook_receiver.secret_key(args.webhook_secret_file.read_text(encoding="utf-8"))
    received = webhook_receiver.Received(args.received) if args.received else None
    app = create_app(
        url, api_key=demo_settings().social_api_key, webhook_key=key, received=received
    )
    uvicorn.run(app, host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
