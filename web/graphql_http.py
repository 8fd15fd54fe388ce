"""GraphQL over HTTP at the edge: what a request may be before it reaches the schema, and the HTTP
status and media type of every answer (docs/query-limits.md).

- The body is capped: refused on its Content-Length, and counted while it streams in when there
  is none, so a huge body is never read (413, BODY_TOO_LARGE). A GET request's query string is
  held to the same cap.
- The body must be UTF-8 JSON, one object, nested no deeper than the JSON depth limit; anything
  else is 400, BAD_REQUEST, never a 500. No batches.
- Mutations are refused over GET (405, METHOD_NOT_ALLOWED, `Allow: POST`).
- `Accept: application/graphql-response+json` is answered in that media type, otherwise
  `application/json`.
- Every answer's status comes from its error codes (web/graphql_status.py): nothing below the
  edge touches the HTTP response.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from observability.request import note_outcome
from resolvers.context import RequestContext
from standard.errors import PUBLIC_MESSAGES, DarvazehError, ErrorCode
from web.graphql_status import (
    RAN_REFUSED,
    REFUSED,
    ran_refused,
    refusal_headers,
    request_error_status,
)
from web.websocket_slots import WebSocketSlots

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# The outcome counted for a request whose client left before sending its body (nginx's 499).
CLIENT_GONE = "CLIENT_CLOSED_REQUEST"
# RFC 6455's "try again later": the worker holds as many WebSockets as it may (web.websocket_slots).
TRY_AGAIN_LATER = 1013


class EdgeRefusal(DarvazehError):
    """A request refused at the edge, before the schema saw it."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        **details: object,
    ) -> None:
        super().__init__(message, code=code, **details)
        self.headers = dict(headers or {})

    def body(self, *, masked: bool = False) -> dict[str, object]:
        """The answer's body; `masked` (production) keeps only the code and its public message."""
        if masked:
            error = {"message": PUBLIC_MESSAGES[self.code], "extensions": {"code": self.code.value}}
            return {"errors": [error]}
        extensions = {"code": self.code.value, **self.details}
        return {"errors": [{"message": self.message, "extensions": extensions}]}


def response_media_type(accept: str | None) -> str:
    """application/graphql-response+json when the client accepts it at least as readily as
    application/json; application/json otherwise (with no Accept, with `*/*`, with neither)."""
    wanted = {GRAPHQL_RESPONSE: 0.0, JSON: 0.0}
    for part in (accept or "").split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        media = media.lower()
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media in {JSON, "application/*", "*/*"}:
            wanted[JSON] = max(wanted[JSON], quality)
        elif media == GRAPHQL_RESPONSE:
            wanted[GRAPHQL_RESPONSE] = max(wanted[GRAPHQL_RESPONSE], quality)
    graphql = wanted[GRAPHQL_RESPONSE]
    return GRAPHQL_RESPONSE if graphql > 0 and graphql >= wanted[JSON] else JSON


def refusal_response(refusal: EdgeRefusal, media_type: str, *, masked: bool = False) -> Response:
    status = REFUSED.get(refusal.code, 400)
    return JSONResponse(
        refusal.body(masked=masked),
        status_code=status,
        media_type=media_type,
        headers=refusal.headers,
    )


def capped_receive(receive: Receive, limit: int) -> Receive:
    """`receive`, refusing the body once more than `limit` bytes of it came in."""
    received = 0

    async def counting() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise body_too_large(limit, received, more=True)
        return message

    return counting


def body_too_large(limit: int, found: int, *, more: bool = False) -> EdgeRefusal:
    size = f"more than {limit}" if more else str(found)
    return EdgeRefusal(
        ErrorCode.BODY_TOO_LARGE,
        f"the request is {size} bytes; the limit is {limit}",
        limit=limit,
        found=found,
    )


def decode_json(raw: bytes | str, max_depth: int, what: str) -> object:
    """`raw` as JSON, UTF-8 and nested at most `max_depth` deep, or a BAD_REQUEST refusal."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise EdgeRefusal(ErrorCode.BAD_REQUEST, f"{what} is not valid UTF-8") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise EdgeRefusal(
            ErrorCode.BAD_REQUEST, f"{what} nests JSON deeper than {max_depth}"
        ) from None
    except ValueError as error:
        raise EdgeRefusal(ErrorCode.BAD_REQUEST, f"{what} is not JSON: {error}") from None
    if not _nested_within(value, max_depth):
        raise EdgeRefusal(ErrorCode.BAD_REQUEST, f"{what} nests JSON deeper than {max_depth}")
    return value


def _nested_within(value: object, limit: int) -> bool:
    pending = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            children: list[object] = list(current.values())
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return False
        pending.extend((child, depth + 1) for child in children)
    return True


def graphql_request(data: object) -> GraphQLRequestData:
    """The GraphQL request in a decoded body (or GET parameters), checked member by member."""
    if isinstance(data, list):
        raise EdgeRefusal(ErrorCode.BAD_REQUEST, "batches are not accepted: one request each")
    if not isinstance(data, dict):
        raise EdgeRefusal(
            ErrorCode.BAD_REQUEST,
            "the body must be a JSON object: {query, variables, operationName, extensions}",
        )
    expected = {"query": str, "operationName": str, "variables": dict, "extensions": dict}
    for name, kind in expected.items():
        if data.get(name) is not None and not isinstance(data[name], kind):
            noun = "a string" if kind is str else "an object"
            raise EdgeRefusal(ErrorCode.BAD_REQUEST, f"{name} must be {noun} when given")
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
    )


def _never_ran(result: ExecutionResult) -> bool:
    """Refused before execution (parse, validation, limits), or by graphql-core at its start
    (variables that do not fit their types: pathless errors the schema codes BAD_USER_INPUT)."""
    if isinstance(result, PreExecutionError):
        return True
    errors = result.errors or []
    return (
        result.data is None
        and bool(errors)
        and all(
            not error.path
            and (error.extensions or {}).get("code") == ErrorCode.BAD_USER_INPUT.value
            for error in errors
        )
    )


class GraphQLEdge(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with the edge's limits, errors and statuses."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        max_body_bytes: int,
        max_json_depth: int,
        mask_errors: bool = False,
        websocket_slots: WebSocketSlots | None = None,
        **options: Any,
    ) -> None:
        super().__init__(schema, **options)
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self.mask_errors = mask_errors
        self.websocket_slots = websocket_slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=capped_receive(receive, self.max_body_bytes))
        media_type = response_media_type(request.headers.get("accept"))
        try:
            self._check_size(request)
            response = await self.run(request)
        except EdgeRefusal as refusal:
            note_outcome(refusal.code.value)
            response = refusal_response(refusal, media_type, masked=self.mask_errors)
        except HTTPException as error:
            response = self._http_error(error, media_type)
        except ClientDisconnect:
            # The client left before its body arrived (a load generator's round ending, a
            # closed tab): no one to answer, nothing read, and no traceback in the log.
            note_outcome(CLIENT_GONE)
            return
        await response(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        slots = self.websocket_slots
        if slots is None:
            await super().__call__(scope, receive, send)
            return
        client = scope.get("client")
        key = slots.take(client[0] if client else None)
        if key is None:
            note_outcome(ErrorCode.RATE_LIMITED.value)
            await WebSocket(scope, receive, send).close(code=TRY_AGAIN_LATER)
            return
        try:
            await super().__call__(scope, receive, send)
        finally:
            slots.give_back(key)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Only a browser asking for a page gets GraphiQL; any other GET without a query (curl's
        `*/*` included) is a GraphQL request missing its query."""
        return (
            request.method == "GET"
            and request.query_params.get("query") is None
            and "text/html" in request.headers.get("accept", "")
        )

    def _check_size(self, request: Request) -> None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise body_too_large(self.max_body_bytes, int(declared))
        query_string = len(request.scope.get("query_string", b""))
        if query_string > self.max_body_bytes:
            raise body_too_large(self.max_body_bytes, query_string)

    def _http_error(self, error: HTTPException, media_type: str) -> Response:
        """Strawberry's own refusals, answered as GraphQL errors where they are the client's."""
        if error.status_code == 405:
            refusal = EdgeRefusal(
                ErrorCode.METHOD_NOT_ALLOWED, error.reason, headers={"Allow": "GET, POST"}
            )
            return refusal_response(refusal, media_type, masked=self.mask_errors)
        if error.status_code == 400:
            refusal = EdgeRefusal(ErrorCode.BAD_REQUEST, error.reason)
            return refusal_response(refusal, media_type, masked=self.mask_errors)
        return PlainTextResponse(error.reason, status_code=error.status_code)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "GET":
            params: dict[str, object] = dict(request.query_params)
            for name in ("variables", "extensions"):
                value = params.get(name)
                if isinstance(value, str) and value:
                    params[name] = decode_json(value, self.max_json_depth, f"the {name} parameter")
            return graphql_request(params)
        content_type, _ = parse_content_type(request.content_type or "")
        if content_type != JSON:
            raise EdgeRefusal(ErrorCode.BAD_REQUEST, f"send the request as {JSON}")
        body = await request.get_body()
        return graphql_request(decode_json(body, self.max_json_depth, "the body"))

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: RequestContext,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        """Run the operation; an answer whose errors refuse it takes the refusal's status."""
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        if isinstance(result, ExecutionResult) and result.errors:
            code = ran_refused(result.errors)
            if code is not None:
                sub_response.status_code = RAN_REFUSED[code]
                headers = refusal_headers(
                    code, challenge=context.auth_challenge, retry_after=context.retry_after
                )
                sub_response.headers.update(headers)
        return result

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise EdgeRefusal(
                    ErrorCode.METHOD_NOT_ALLOWED,
                    f"{error.reason}: send them with POST",
                    headers={"Allow": "POST"},
                ) from None
            raise EdgeRefusal(ErrorCode.BAD_REQUEST, error.reason) from None

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Read back by create_response, which is not handed the request.
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if _never_ran(result):
            # A request error has no data entry at all.
            processed.pop("data", None)
        return processed

    def encode_json(self, data: object) -> str:
        # The same compact JSON as strawberry's json.dumps (UTF-8 left unescaped), several times
        # faster on a 100-citizen answer. A str, not bytes: a WebSocket sends bytes as binary.
        return orjson.dumps(data).decode()

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        media_type = sub_response.media_type or JSON
        response.headers["content-type"] = media_type
        request_error = isinstance(response_data, dict) and "data" not in response_data
        if request_error and not sub_response.status_code:
            errors = (
                list(response_data.get("errors") or []) if isinstance(response_data, dict) else []
            )
            response.status_code = request_error_status(
                errors, graphql_response=media_type == GRAPHQL_RESPONSE
            )
        return response
