"""Every error has a code, and only faults of ours write a traceback: a client cannot flood the log
(the issue's `_entities(representations: [{}])` answered `'__typename'` with no code and logged a
traceback on every call, without a token)."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError

from schema import build_schema
from schema.limits import QueryLimits
from settings import Settings
from tests.harness import RunningGateway

ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Citizen { nationalId identity { firstName } } } }"""


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR
    ]


@pytest.mark.parametrize("role", [None, "statutory_all_datasets"])
async def test_malformed_representations_are_the_callers_error_and_log_nothing(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture, role: str | None
) -> None:
    caplog.set_level(logging.DEBUG)
    representations = [{}, "a string", {"__typename": 7}, {"__typename": "Identity"}]
    for _ in range(3):
        answer = await gateway.query(ENTITIES, {"r": representations}, role=role)
        assert answer["data"] == {"_entities": [None, None, None, None]}
        assert [error["path"] for error in answer["errors"]] == [["_entities", n] for n in range(4)]
        assert {error["extensions"]["code"] for error in answer["errors"]} == {"BAD_USER_INPUT"}
        messages = [error["message"] for error in answer["errors"]]
        # Each names what a representation must be: an object whose __typename is an entity.
        assert all("__typename is one of: Citizen" in message for message in messages)
    assert not tracebacks(caplog)


async def test_a_good_representation_beside_bad_ones_still_resolves(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    code = gateway.citizens["parent"]
    answer = await gateway.query(
        ENTITIES, {"r": [{}, {"__typename": "Citizen", "nationalId": code}]}
    )
    first, second = answer["data"]["_entities"]
    assert first is None and second["nationalId"] == code and second["identity"]["firstName"]
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["BAD_USER_INPUT"]
    assert not tracebacks(caplog)


async def test_request_errors_carry_codes_and_log_nothing(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cases = {
        "{": "GRAPHQL_PARSE_FAILED",
        "{ nope }": "GRAPHQL_VALIDATION_FAILED",
        "query($n: Int!) { catalogue { cards(first: $n) { totalCount } } }": "BAD_USER_INPUT",
    }
    for query, code in cases.items():
        answer = (await gateway.post(query, role=None)).json()
        assert [error["extensions"]["code"] for error in answer["errors"]] == [code], answer
    assert not tracebacks(caplog)


def test_an_unexpected_exception_is_logged_once_and_answered_as_internal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    schema = build_schema(QueryLimits.from_settings(Settings()))
    try:
        raise RuntimeError("a bug")
    except RuntimeError as bug:
        fault = GraphQLError("a bug", original_error=bug, path=["citizen"])
    decided = GraphQLError("denied", extensions={"code": "FORBIDDEN"}, path=["citizen"])
    with caplog.at_level(logging.DEBUG):
        schema.process_errors([fault, decided])
    assert fault.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert decided.extensions == {"code": "FORBIDDEN"}
    logged = tracebacks(caplog)
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert logged[0].exc_info[1] is fault.original_error
