"""A small agency GraphQL subgraph for the graphql adapter's tests: a tax agency keying taxpayers by
their national code as an Int (leading zeros lost), one taxpayer whose TIN lookup fails, one whose
flag fits no mapping, and routes that fail in the ways real services do."""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL

from tests.datasources.conftest import nid

FAILING = nid(9)  # the service fails to look up this taxpayer's TIN
MISFIT = nid(7)  # this taxpayer's flag is not one the mapping knows
ROWS = {
    int(nid(i)): {
        "code": int(nid(i)),
        "flag": "maybe" if nid(i) == MISFIT else "YN"[i % 2],
        "year": 1400 + i % 5,
    }
    for i in range(1, 41)
}

TAX_MAPPING: dict[str, Any] = {
    "query": {"field": "taxpayers", "argument": "codes", "argument_type": "[Int!]!"},
    "key": {"from": "code", "type": "integer"},
    "fields": {
        "taxpayerId": {"from": "tin"},
        "clearance": {"from": "status.flag", "transform": "map", "map": {"Y": True, "N": False}},
        "lastFilingYear": {"from": "status.year"},
    },
}


@strawberry.type
class Standing:
    flag: str
    year: int


@strawberry.federation.type(keys=["code"])
class Taxpayer:
    code: int

    @strawberry.field
    def tin(self) -> str | None:
        if self.code == int(FAILING):
            raise RuntimeError("TIN registry timed out")
        return f"TIN-{self.code}"

    @strawberry.field
    def status(self) -> Standing:
        row = ROWS[self.code]
        return Standing(flag=row["flag"], year=row["year"])

    @classmethod
    def resolve_reference(cls, code: int) -> Taxpayer | None:
        return Taxpayer(code=code) if code in ROWS else None


@strawberry.type
class Query:
    @strawberry.field
    def taxpayers(self, codes: list[int]) -> list[Taxpayer]:
        return [Taxpayer(code=code) for code in codes if code in ROWS]


class _QuietSchema(strawberry.federation.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """The failures here are on purpose; they need no traceback in the test output."""


SCHEMA = _QuietSchema(query=Query)


async def _fail(_request: Request) -> Response:
    return JSONResponse({"errors": [{"message": "internal error"}]}, status_code=500)


async def _not_json(_request: Request) -> Response:
    return PlainTextResponse("<html>maintenance</html>")


async def _errors_only(request: Request) -> Response:
    codes = (await request.json())["variables"]["ids"]
    message = f"Variable '$ids' got invalid value {codes[0]}; TaxCode expected"
    return JSONResponse({"data": None, "errors": [{"message": message}]})


async def _no_list(_request: Request) -> Response:
    return JSONResponse({"data": {"taxpayers": {"edges": []}}})


class Counting:
    """Counts the requests an ASGI app receives: what the agency would see in its access log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


def tax_agency() -> Starlette:
    return Starlette(
        routes=[
            Route("/graphql", GraphQL(SCHEMA, graphql_ide=None)),
            Route("/fail", _fail, methods=["POST"]),
            Route("/notjson", _not_json, methods=["POST"]),
            Route("/errors", _errors_only, methods=["POST"]),
            Route("/nolist", _no_list, methods=["POST"]),
        ]
    )
