"""GraphQL over HTTP at the edge: bodies that are not a GraphQL request are a 400 with a coded
GraphQL error (never a 500), the body is counted as it streams in, the response media type and
status follow the GraphQL-over-HTTP spec, and GET is held to the same limits."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.harness import RunningGateway
from tests.security.test_query_limits import fan_out

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_HEADERS = {"Content-Type": "application/json"}


async def raw(gateway: RunningGateway, content: bytes, **headers: str) -> httpx.Response:
    return await gateway.http.post("/graphql", content=content, headers=JSON_HEADERS | headers)


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert "data" not in body, body
    assert body["errors"][0]["extensions"]["code"] == code, body
    return dict(body["errors"][0])


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"[]", "batches are not accepted"),
        (b'[{"query": "{ __typename }"}]', "batches are not accepted"),
        (b'"{ __typename }"', "must be a JSON object"),
        (b"42", "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b'{"query": "{ __typename }"', "is not JSON"),
        (b"", "is not JSON"),
        (b'{"query": "\xff\xfe"}', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nests JSON deeper than 32"),
        (
            b'{"query": "{ __typename }", "variables": ' + b'{"a": ' * 40 + b"1" + b"}" * 41,
            "deeper",
        ),
        (b'{"query": 5}', "query must be a string"),
        (b'{"query": "{ __typename }", "variables": [1]}', "variables must be an object"),
        (b'{"query": "{ __typename }", "operationName": {}}', "operationName must be a string"),
        (b'{"variables": {}}', "No GraphQL query"),
    ],
)
async def test_a_body_that_is_no_graphql_request_is_a_400(
    gateway: RunningGateway, content: bytes, says: str
) -> None:
    started = time.perf_counter()
    response = await raw(gateway, content)
    assert time.perf_counter() - started < 1.0
    error = error_of(response, 400, "BAD_REQUEST")
    assert says in error["message"]


async def test_other_content_types_are_refused_as_graphql_errors(gateway: RunningGateway) -> None:
    response = await gateway.http.post(
        "/graphql", content=b"{ __typename }", headers={"Content-Type": "application/graphql"}
    )
    assert "application/json" in error_of(response, 400, "BAD_REQUEST")["message"]


async def asgi(
    gateway: RunningGateway, method: str, chunks: int = 1, query_string: bytes = b""
) -> tuple[int, dict[str, Any], int]:
    """Call the ASGI app directly with a body of `chunks` 64 KiB chunks and no Content-Length:
    (status, JSON body, chunks the app pulled)."""
    chunk = b"x" * 65536
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": query_string,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 4000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await gateway.app(scope, receive, send)
    return sent[0]["status"], json.loads(sent[1]["body"]), pulled


async def test_a_body_without_length_is_counted_as_it_streams_in(gateway: RunningGateway) -> None:
    """What the edge pulls from a body of 800 chunks (50 MB) sent with no Content-Length: it
    stops one chunk past the limit."""
    status, body, pulled = await asgi(gateway, "POST", chunks=800)
    assert status == 413 and body["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    assert pulled == 256 * 1024 // 65536 + 1


async def test_graphql_response_json_is_answered_in_kind_with_4xx_for_request_errors(
    gateway: RunningGateway,
) -> None:
    accept = {"Accept": GRAPHQL_RESPONSE}
    ok = await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers=accept)
    assert ok.status_code == 200 and ok.headers["content-type"] == GRAPHQL_RESPONSE
    assert ok.json() == {"data": {"__typename": "Query"}}

    cases = [
        ("{ __typename", 400, "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", 400, "GRAPHQL_VALIDATION_FAILED"),
        # $n not given
        (
            "query($n: Int!) { catalogue { cards(first: $n) { totalCount } } }",
            400,
            "BAD_USER_INPUT",
        ),
        ("query A { __typename } query B { __typename }", 400, "BAD_REQUEST"),
    ]
    for query, status, code in cases:
        response = await gateway.http.post("/graphql", json={"query": query}, headers=accept)
        assert response.headers["content-type"] == GRAPHQL_RESPONSE
        error_of(response, status, code)


async def test_application_json_keeps_200_for_graphql_errors_but_not_for_refusals(
    gateway: RunningGateway,
) -> None:
    for accept in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}):
        parse_error = await gateway.http.post("/graphql", json={"query": "{"}, headers=accept)
        assert parse_error.headers["content-type"] == "application/json"
        error_of(parse_error, 200, "GRAPHQL_PARSE_FAILED")
        invalid = await gateway.http.post("/graphql", json={"query": "{ nope }"}, headers=accept)
        error_of(invalid, 200, "GRAPHQL_VALIDATION_FAILED")
    deep = fan_out(29, 'citizen(nationalId: "0012345678")')
    error_of(await gateway.http.post("/graphql", json={"query": deep}), 400, "QUERY_TOO_DEEP")
    # The client's preference decides between the two.
    prefers_json = {"Accept": f"{GRAPHQL_RESPONSE};q=0.5, application/json"}
    response = await gateway.http.post("/graphql", json={"query": "{"}, headers=prefers_json)
    assert response.headers["content-type"] == "application/json"


async def test_several_operations_need_an_operation_name(gateway: RunningGateway) -> None:
    document = "query A { a: __typename } query B { b: __typename }"
    unnamed = await gateway.http.post("/graphql", json={"query": document})
    assert "operationName" in error_of(unnamed, 400, "BAD_REQUEST")["message"]
    unknown = await gateway.http.post("/graphql", json={"query": document, "operationName": "C"})
    error_of(unknown, 400, "BAD_REQUEST")
    named = await gateway.http.post("/graphql", json={"query": document, "operationName": "B"})
    assert named.json() == {"data": {"b": "Query"}}


async def test_get_runs_queries_within_the_same_limits_and_refuses_mutations(
    gateway: RunningGateway,
) -> None:
    ok = await gateway.http.get("/graphql", params={"query": "{ __typename }"})
    assert ok.status_code == 200 and ok.json() == {"data": {"__typename": "Query"}}
    deep = fan_out(29, 'citizen(nationalId: "0012345678")')
    error_of(await gateway.http.get("/graphql", params={"query": deep}), 400, "QUERY_TOO_DEEP")
    mutation = 'mutation { revokeConsent(id: "x") { id } }'
    refused = await gateway.http.get("/graphql", params={"query": mutation})
    assert "POST" in error_of(refused, 405, "METHOD_NOT_ALLOWED")["message"]
    assert refused.headers["allow"] == "POST"
    bad_variables = await gateway.http.get(
        "/graphql", params={"query": "{ __typename }", "variables": "{not json"}
    )
    error_of(bad_variables, 400, "BAD_REQUEST")
    too_long = b"query=%7B__typename%7D&x=" + b"y" * 300_000
    status, body, _ = await asgi(gateway, "GET", query_string=too_long)
    assert status == 413 and body["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


async def test_other_methods_are_refused_as_graphql_errors(gateway: RunningGateway) -> None:
    response = await gateway.http.put("/graphql", json={"query": "{ __typename }"})
    error_of(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET, POST"


async def test_graphiql_is_still_served_to_browsers(gateway: RunningGateway) -> None:
    page = await gateway.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
