"""The one mapping from what a resolver raises to the answer's `extensions`: a DarvazehError
becomes its code and details and is not logged; anything unexpected is INTERNAL_SERVER_ERROR,
logged once with its traceback; production masks both down to the code."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError

from schema import DarvazehSchema
from schema.errors import field_error, masked, with_code
from standard.errors import PUBLIC_MESSAGES, DarvazehError, ErrorCode, Refused
from standard.national_id import InvalidNationalId, parse
from standard.pagination import BadCursor


@strawberry.type
class Query:
    @strawberry.field
    def refused(self) -> str | None:
        raise Refused(["id: not a slug", "datasets: at least one"])

    @strawberry.field
    def national_id(self) -> str | None:
        return parse("123")  # too short: InvalidNationalId

    @strawberry.field
    async def limited(self) -> str | None:
        raise DarvazehError("slow down", code=ErrorCode.RATE_LIMITED, retryAfter=7)

    @strawberry.field
    def bug(self) -> str | None:
        raise KeyError("a bug")

    @strawberry.field
    def undecided(self) -> str | None:
        raise DarvazehError("nobody named a code")

    @strawberry.field
    def graphql_only(self) -> str | None:
        raise field_error(ErrorCode.BAD_USER_INPUT, "a GraphQL-only refusal", limit=3)

    @strawberry.field
    def fine(self) -> str:
        return "ok"


SCHEMA = DarvazehSchema(query=Query)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def answer(field: str) -> dict[str, Any]:
    result = await SCHEMA.execute(f"{{ {field} fine }}")
    assert result.data == {field: None, "fine": "ok"}  # the error nulls its own field only
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert error.path == [field]
    return {"message": error.message, "extensions": error.extensions}


async def test_a_domain_error_becomes_its_code_and_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert await answer("refused") == {
        "message": "id: not a slug; datasets: at least one",
        "extensions": {
            "code": "REGISTRATION_REFUSED",
            "problems": ["id: not a slug", "datasets: at least one"],
        },
    }
    found = await answer("nationalId")
    assert found["extensions"] == {"code": "INVALID_NATIONAL_ID", "nationalId": "123"}
    assert "is not a valid national code" in found["message"]
    assert (await answer("limited"))["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 7}
    # A refusal decided only in GraphQL keeps the code it was built with.
    assert (await answer("graphqlOnly"))["extensions"] == {"code": "BAD_USER_INPUT", "limit": 3}
    assert not tracebacks(caplog)  # refusals are answers, not faults


@pytest.mark.parametrize("field", ["bug", "undecided"])
async def test_an_unexpected_exception_is_an_internal_error_logged_once(
    caplog: pytest.LogCaptureFixture, field: str
) -> None:
    caplog.set_level(logging.DEBUG)
    found = await answer(field)
    assert found["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    logged = tracebacks(caplog)
    assert len(logged) == 1 and logged[0].exc_info is not None


def test_with_code_keeps_what_is_coded_and_blames_the_client_for_request_errors() -> None:
    refusal = InvalidNationalId("12", "it must be exactly 10 digits")
    raised = GraphQLError(refusal.message, path=["citizen"], original_error=refusal)
    assert with_code(raised) is True
    assert raised.extensions == {"code": "INVALID_NATIONAL_ID", "nationalId": "12"}
    # graphql-core's own request errors (a variable of the wrong type) have no path.
    request = GraphQLError("Variable '$n' got invalid value")
    assert with_code(request) is True and request.extensions == {"code": "BAD_USER_INPUT"}
    cursor = GraphQLError("bad", path=["catalogue", "cards"], original_error=BadCursor())
    assert with_code(cursor) is True and cursor.extensions == {"code": "BAD_USER_INPUT"}


def test_production_masks_a_domain_error_down_to_its_code() -> None:
    refusal = Refused(["client 'x' already exists"])
    raised = GraphQLError(refusal.message, path=["registerServiceClient"], original_error=refusal)
    with_code(raised)
    shown = masked(raised)
    assert shown.message == PUBLIC_MESSAGES[ErrorCode.REGISTRATION_REFUSED]
    assert shown.extensions == {"code": "REGISTRATION_REFUSED"} and shown.path == raised.path
