"""Malformed GraphQL-over-HTTP requests against a whole gateway: not JSON, not UTF-8, not an
object, nested 10,000 deep, wrong member types, huge strings, odd content types and methods,
variables that do not fit. Each is refused with a coded error; never a 5xx or a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given

from tests.harness import CASE
from tests.security.fuzz_bodies import BodyCase, malformed_requests
from tests.security.fuzz_verdicts import FuzzLedger
from tests.security.fuzzing import (
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


def test_malformed_requests_get_coded_refusals(fuzz: FuzzGateway) -> None:
    national_id = fuzz.national_ids[0]
    ledger = FuzzLedger()

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
