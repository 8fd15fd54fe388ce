"""Malformed GraphQL-over-HTTP requests against a whole gateway: not JSON, not UTF-8, not an
object, nested 10,000 deep, wrong member types, huge strings, odd content types and methods,
variables that do not fit. Each is refused with a coded error; never a 5xx or a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given

from tests.harness import CASE
from tests.security.fuzz_bodies import BodyCase, malformed_requests
from tests.security.fuzz_verdicts import (
    NOT_A_GRAPHQL_RESPONSE,
    SERVER_ERROR,
    UNCODED_ERROR,
    FuzzLedger,
    KnownFault,
    Problem,
)
from tests.security.fuzzing import (
    Exchange,
    FuzzGateway,
    examples,
    fuzz_gateway,
    fuzz_settings,
)

STATUTORY = "statutory_all_datasets"
BODIES = 600


@pytest.fixture(scope="module")
def fuzz() -> Iterator[FuzzGateway]:
    with fuzz_gateway() as gateway:
        yield gateway


def _body_parse_crash(exchange: Exchange, problem: Problem) -> bool:
    crash = exchange.crash or ""
    return problem.kind == SERVER_ERROR and (
        "parse_http_body" in crash or "RecursionError" in crash or "UnicodeDecodeError" in crash
    )


PLAIN_TEXT_REFUSALS = KnownFault(
    "a request refused before execution is answered in plain text, not a GraphQL response "
    "with a coded error (BAD_REQUEST)",
    "query",
    lambda exchange, problem: problem.kind == NOT_A_GRAPHQL_RESPONSE and exchange.status < 500,
)
UNCODED_GRAPHQL_ERRORS = KnownFault(
    "parse, validation and variable errors carry no extensions.code",
    "query",
    lambda exchange, problem: problem.kind == UNCODED_ERROR,
)
BODY_PARSE_CRASHES = KnownFault(
    "a body that is not UTF-8 or is nested too deep crashes the JSON decoding (HTTP 500)",
    "query",
    _body_parse_crash,
)


def test_malformed_requests_get_coded_refusals(fuzz: FuzzGateway) -> None:
    national_id = fuzz.national_ids[0]
    ledger = FuzzLedger((PLAIN_TEXT_REFUSALS, UNCODED_GRAPHQL_ERRORS, BODY_PARSE_CRASHES))

    @fuzz_settings(BODIES)
    @given(case=malformed_requests(national_id))
    def send(case: BodyCase) -> None:
        headers = {
            "Authorization": f"Bearer {fuzz.token(STATUTORY)}",
            "Darvazeh-Case-Reference": CASE,
        }
        exchange = fuzz.send(
            f"malformed request ({case.what})",
            case.method,
            "/graphql",
            headers=headers | case.headers(),
            content=case.content,
            params=case.params or None,
        )
        ledger.check(exchange)

    send()
    ledger.finish(examples(BODIES))
