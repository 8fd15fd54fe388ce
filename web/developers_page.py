"""/developers: how to get a token, the schema's documentation (read from the schema the API
answers with, so it never drifts from it), and GraphiQL's token helper.

The token helper keeps a token only in the tab's sessionStorage (web/static/developers.js). When
the demo world is served, `POST /developers/demo-token` issues a token for one demo client through
the gateway's own token endpoint (the same code path, rate limits and audit as any client); that
route exists only when `make demo` passes the demo client's credentials to `create_app`.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_scalar_type,
    is_union_type,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from auth.oauth.paths import METADATA_PATH, TOKEN_PATH
from web.gateway import gateway
from web.render import render

PATH = "/developers"
DEMO_TOKEN_PATH = "/developers/demo-token"
SDL_PATH = "/developers/schema.graphql"
# Types of the Federation specification and GraphQL itself: a router knows them, a reader of the
# standard does not need them.
SPEC_PREFIXES = ("__", "_", "link__")
ROOTS = ("Query", "Mutation", "Subscription")


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    """The demo client the demo-token route signs in as (from var/demo.json)."""

    client_id: str
    client_secret: str
    case_reference: str = "DEMO-CASE-1"


@dataclass(frozen=True, slots=True)
class Argument:
    name: str
    type: str
    description: str


@dataclass(frozen=True, slots=True)
class Member:
    """A field of an object or input type, or a value of an enum (`type` empty)."""

    name: str
    type: str
    link: str  # the named type's anchor when the reference documents it, else ""
    description: str
    arguments: tuple[Argument, ...] = ()


@dataclass(frozen=True, slots=True)
class TypeDoc:
    name: str
    kind: str  # OBJECT, INPUT_OBJECT, ENUM, SCALAR, INTERFACE, UNION
    description: str
    members: tuple[Member, ...]


def documented(name: str) -> bool:
    return not name.startswith(SPEC_PREFIXES)


def _kind(named: GraphQLNamedType) -> str:
    if is_object_type(named):
        return "OBJECT"
    if is_input_object_type(named):
        return "INPUT_OBJECT"
    if is_enum_type(named):
        return "ENUM"
    if is_interface_type(named):
        return "INTERFACE"
    if is_union_type(named):
        return "UNION"
    return "SCALAR"


def _members(named: GraphQLNamedType, names: set[str]) -> tuple[Member, ...]:
    def link(type_: GraphQLType) -> str:
        inner = get_named_type(type_)
        return f"type-{inner.name}" if inner.name in names else ""

    if isinstance(named, GraphQLEnumType):
        return tuple(
            Member(value_name, "", "", value.description or "")
            for value_name, value in named.values.items()
        )
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return tuple(
            Member(
                field_name,
                str(field.type),
                link(field.type),
                field.description or "",
                tuple(
                    Argument(arg_name, str(arg.type), arg.description or "")
                    for arg_name, arg in field.args.items()
                ),
            )
            for field_name, field in named.fields.items()
            if documented(field_name)
        )
    if isinstance(named, GraphQLInputObjectType):
        return tuple(
            Member(field_name, str(field.type), link(field.type), field.description or "")
            for field_name, field in named.fields.items()
        )
    if isinstance(named, GraphQLUnionType):
        return tuple(
            Member(member.name, "", f"type-{member.name}", member.description or "")
            for member in named.types
        )
    return ()


def schema_reference(schema: GraphQLSchema) -> tuple[TypeDoc, ...]:
    """The documented types: the roots first, then the others by name. Built scalars (String,
    Int, ...) are left out: GraphQL itself documents them."""
    types = {
        name: named
        for name, named in schema.type_map.items()
        if documented(name)
        and not (is_scalar_type(named) and name in ("String", "Int", "Float", "Boolean", "ID"))
    }
    names = set(types)
    order = [name for name in ROOTS if name in types] + sorted(
        name for name in types if name not in ROOTS
    )
    return tuple(
        TypeDoc(
            name, _kind(types[name]), types[name].description or "", _members(types[name], names)
        )
        for name in order
    )


def developers_routes(sdl: str, schema: GraphQLSchema, demo: DemoCredentials | None) -> list[Route]:
    """The page (its reference built once, here), the SDL as a file, and the demo-token route
    in demo mode."""
    reference = schema_reference(schema)

    async def page(request: Request) -> Response:
        return _page(request, reference, demo)

    async def sdl_file(request: Request) -> Response:
        return PlainTextResponse(sdl, headers={"Cache-Control": "public, max-age=300"})

    routes = [
        Route(PATH, page, methods=["GET"], name="developers"),
        Route(SDL_PATH, sdl_file, methods=["GET"], name="developers_sdl"),
    ]
    if demo is not None:

        async def demo_token(request: Request) -> Response:
            return await _demo_token(request, reference, demo)

        routes.append(Route(DEMO_TOKEN_PATH, demo_token, methods=["POST"], name="demo_token"))
    return routes


def _page(
    request: Request,
    reference: tuple[TypeDoc, ...],
    demo: DemoCredentials | None,
    *,
    issued: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    settings = gateway(request).settings
    return render(
        request,
        "developers.html",
        status=status,
        switch_params={},
        graphql_url=settings.audience,
        token_url=f"{settings.base_url}{TOKEN_PATH}",
        metadata_url=f"{settings.base_url}{METADATA_PATH}",
        graphiql=settings.graphiql_enabled,
        demo=demo,
        demo_path=DEMO_TOKEN_PATH,
        sdl_path=SDL_PATH,
        issued=issued,
        reference=reference,
    )


async def _demo_token(
    request: Request, reference: tuple[TypeDoc, ...], demo: DemoCredentials
) -> Response:
    """A client-credentials token for the demo client, asked of the gateway's own token endpoint
    in-process, from the caller's address (its rate limits count against the caller)."""
    address = request.client.host if request.client else "127.0.0.1"
    transport = httpx.ASGITransport(app=request.app, client=(address, 0))
    base_url = gateway(request).settings.base_url
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        answer = await http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            auth=(demo.client_id, demo.client_secret),
        )
    wants_json = "application/json" in request.headers.get("accept", "")
    if answer.status_code != 200:
        if wants_json:
            return JSONResponse({"error": "demo_token_failed"}, status_code=answer.status_code)
        return _page(request, reference, demo, issued={}, status=answer.status_code)
    token = answer.json()
    issued = {
        "access_token": token["access_token"],
        "expires_in": token["expires_in"],
        "client_id": demo.client_id,
        "case_reference": demo.case_reference,
    }
    if wants_json:
        return JSONResponse(issued)
    # Without JavaScript the form posts here: the page shows the token to copy.
    return _page(request, reference, demo, issued=issued)
