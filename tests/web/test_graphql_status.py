"""The one table from error codes to HTTP statuses: which code of an answer that ran sets its
status, in what order, and the headers each status needs from the request's context. Below the
edge nothing knows of HTTP: the request context has no response to set a status on."""

from __future__ import annotations

import dataclasses

from graphql import GraphQLError

from resolvers.context import RequestContext
from standard.errors import ErrorCode
from web.graphql_status import (
    NO_TOKEN_CHALLENGE,
    RAN_REFUSED,
    ran_refused,
    refusal_headers,
    request_error_status,
)


def error(code: ErrorCode, *path: str | int) -> GraphQLError:
    return GraphQLError("refused", path=list(path) or None, extensions={"code": code.value})


def test_the_access_log_failing_outranks_every_other_refusal() -> None:
    errors = [
        error(ErrorCode.UNAUTHENTICATED, "citizen"),
        error(ErrorCode.AUDIT_UNAVAILABLE),
        error(ErrorCode.RATE_LIMITED, "citizens", 0, "identity"),
    ]
    assert ran_refused(errors) is ErrorCode.AUDIT_UNAVAILABLE
    assert RAN_REFUSED[ErrorCode.AUDIT_UNAVAILABLE] == 503


def test_a_missing_token_refuses_the_request_only_at_the_root() -> None:
    assert ran_refused([error(ErrorCode.UNAUTHENTICATED, "citizen")]) is ErrorCode.UNAUTHENTICATED
    # One entity of `_entities` is a root item too.
    at_entity = error(ErrorCode.UNAUTHENTICATED, "_entities", 0)
    assert ran_refused([at_entity]) is ErrorCode.UNAUTHENTICATED
    # A nested field refused for want of a token leaves the status alone.
    assert ran_refused([error(ErrorCode.UNAUTHENTICATED, "citizen", "identity")]) is None
    nested_reference = error(ErrorCode.INVALID_CASE_REFERENCE, "citizen", "identity")
    assert ran_refused([nested_reference]) is None
    bad_reference = error(ErrorCode.INVALID_CASE_REFERENCE, "me")
    assert ran_refused([bad_reference]) is ErrorCode.INVALID_CASE_REFERENCE
    assert RAN_REFUSED[ErrorCode.INVALID_CASE_REFERENCE] == 400


def test_a_rate_limit_anywhere_is_a_429() -> None:
    deep = error(ErrorCode.RATE_LIMITED, "citizen", "father", "identity")
    assert ran_refused([error(ErrorCode.FORBIDDEN, "citizen", "taxStatus"), deep]) is (
        ErrorCode.RATE_LIMITED
    )
    assert RAN_REFUSED[ErrorCode.RATE_LIMITED] == 429


def test_other_codes_leave_a_partial_answer_at_200() -> None:
    for code in (ErrorCode.FORBIDDEN, ErrorCode.SOURCE_UNAVAILABLE, ErrorCode.CONSENT_REQUIRED):
        assert ran_refused([error(code, "citizen", "identity")]) is None
    uncoded = GraphQLError("boom", path=["citizen"])
    assert ran_refused([uncoded]) is None


def test_the_headers_come_from_what_the_request_noted() -> None:
    challenge = 'DPoP error="invalid_token", error_description="expired", algs="ES256"'
    refused = refusal_headers(ErrorCode.UNAUTHENTICATED, challenge=challenge)
    assert refused == {"WWW-Authenticate": challenge}
    no_token = refusal_headers(ErrorCode.UNAUTHENTICATED)
    assert no_token == {"WWW-Authenticate": NO_TOKEN_CHALLENGE}
    assert NO_TOKEN_CHALLENGE.startswith('Bearer realm="darvazeh"')
    limited = refusal_headers(ErrorCode.RATE_LIMITED, retry_after=17)
    assert limited == {"Retry-After": "17"}
    assert refusal_headers(ErrorCode.AUDIT_UNAVAILABLE, retry_after=3) == {}


def test_request_errors_keep_their_table() -> None:
    parse = [{"message": "x", "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]
    assert request_error_status(parse, graphql_response=False) == 200
    assert request_error_status(parse, graphql_response=True) == 400
    too_deep = [{"message": "x", "extensions": {"code": "QUERY_TOO_DEEP"}}]
    assert request_error_status(too_deep, graphql_response=False) == 400


def test_nothing_below_the_edge_holds_the_http_response() -> None:
    names = {field.name for field in dataclasses.fields(RequestContext)}
    assert not names & {"request", "response"}
