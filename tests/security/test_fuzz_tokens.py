"""1,000 malformed access tokens against a whole gateway: each is refused with 401 and
UNAUTHENTICATED (nothing read), never a 5xx, a traceback or an uncoded error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import event, given

from tests.harness import CASE
from tests.security.fuzz_jws import Signer, TokenCase, claims_of
from tests.security.fuzz_tokens import malformed_tokens
from tests.security.fuzz_verdicts import (
    WRONG_ANSWER,
    FuzzLedger,
    Problem,
    error_codes,
)
from tests.security.fuzzing import (
    Exchange,
    FuzzGateway,
    examples,
    fuzz_gateway,
    fuzz_settings,
)

STATUTORY = "statutory_all_datasets"
TOKENS = 1000


@pytest.fixture(scope="module")
def fuzz() -> Iterator[FuzzGateway]:
    with fuzz_gateway() as gateway:
        yield gateway


def _signer(fuzz: FuzzGateway) -> Signer:
    """The gateway's current signing key, and the claims of a token it issued."""
    key = fuzz.run(fuzz.running.gateway.keyring.current())
    header, claims = claims_of(fuzz.token(STATUTORY))
    assert header["kid"] == key.kid
    return Signer(key=key.jwk, kid=key.kid, claims=claims)


def _refusal_problems(exchange: Exchange) -> list[Problem]:
    """A token that must be refused: 401 with a challenge, UNAUTHENTICATED only, nothing read."""
    found = []
    if exchange.status != 401:
        found.append(Problem(WRONG_ANSWER, f"HTTP {exchange.status}, not 401"))
    codes = set(error_codes(exchange))
    if codes - {"UNAUTHENTICATED"} or not codes:
        found.append(Problem(WRONG_ANSWER, f"codes {sorted(codes)}, not UNAUTHENTICATED only"))
    body = exchange.json()
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and any(value is not None for value in data.values()):
        found.append(Problem(WRONG_ANSWER, f"data was read: {str(data)[:200]}"))
    return found


def test_malformed_tokens_are_refused(fuzz: FuzzGateway) -> None:
    signer = _signer(fuzz)
    citizen = fuzz.national_ids[0]
    document = (
        "query($id: String!) { citizen(nationalId: $id) { nationalId identity { firstName } "
        "taxStatus { cleared } } me { nationalId } }"
    )
    url = f"{fuzz.running.gateway.settings.base_url}/graphql"
    strategy = malformed_tokens(signer, fuzz.token(STATUTORY), url)
    ledger = FuzzLedger()

    # The document reads real data with a good token, so a refusal below is the token's doing.
    control = fuzz.graphql("control", document, {"id": citizen}, token=fuzz.token(STATUTORY))
    assert control.status == 200 and control.json()["data"]["citizen"]["identity"], control.text

    @fuzz_settings(TOKENS)
    @given(case=strategy)
    def send(case: TokenCase) -> None:
        event(case.what)
        exchange = fuzz.send(
            f"malformed token ({case.what})",
            "POST",
            "/graphql",
            headers={
                "Content-Type": "application/json",
                "Darvazeh-Case-Reference": CASE,
                **case.headers(),
            },
            content=_body(document, citizen),
        )
        ledger.check(exchange, _refusal_problems(exchange) if case.must_refuse else ())

    send()
    ledger.finish(examples(TOKENS))


def _body(document: str, citizen: str) -> bytes:
    return json.dumps({"query": document, "variables": {"id": citizen}}).encode()
