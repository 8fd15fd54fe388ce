"""Attacks on `narrowConsent` over GraphQL: another citizen's consent, widening a consent by
"narrowing" it, datasets nobody defined, emptying it, a revoked one, huge lists and names, a
service's token and no CSRF header. Each is refused with its code (and reason), quickly, and
the consent is left as it was."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from standard.datasets import DATA_SCOPES
from tests.harness import RunningGateway
from tests.resolvers.test_consent_tokens import consent_token
from tests.resolvers.tracker_support import outsider
from tests.web.support import logged_in
from tests.web.test_consents_page import consents_of_id

GRANTED = ["civil.identity", "civil.birth"]
NARROW = """mutation($id: ID!, $keep: [String!]!) {
  narrowConsent(id: $id, datasets: $keep) { id datasets } }"""


@pytest.fixture
async def granted(gateway: RunningGateway) -> str:
    owner = gateway.citizens["parent"]
    _, consent_id, _ = await consent_token(gateway, citizen=owner, subject=owner, datasets=GRANTED)
    return consent_id


async def narrow(portal: httpx.AsyncClient, consent_id: str, keep: Any) -> dict[str, Any]:
    csrf = (await portal.get("/me/session")).json()["csrfToken"]
    response = await portal.post(
        "/graphql",
        json={"query": NARROW, "variables": {"id": consent_id, "keep": keep}},
        headers={"Darvazeh-CSRF": csrf},
    )
    answer: dict[str, Any] = response.json()
    return answer


def refusal(answer: dict[str, Any]) -> tuple[str, str | None]:
    assert answer["data"]["narrowConsent"] is None, answer
    extensions = answer["errors"][0]["extensions"]
    return extensions["code"], extensions.get("reason")


@pytest.fixture
async def owner(gateway: RunningGateway) -> AsyncIterator[httpx.AsyncClient]:
    async with logged_in(gateway, gateway.citizens["parent"]) as portal:
        yield portal


async def test_another_citizens_consent_is_not_found(gateway: RunningGateway, granted: str) -> None:
    async with logged_in(gateway, outsider(gateway.world)) as portal:
        assert refusal(await narrow(portal, granted, ["civil.identity"]))[0] == "NOT_FOUND"
        # The same answer as for an id nobody holds: nobody learns which consents exist.
        assert refusal(await narrow(portal, "no-such-consent", ["civil.identity"]))[0] == (
            "NOT_FOUND"
        )
    assert (await consents_of_id(gateway, granted)).datasets == GRANTED


@pytest.mark.parametrize(
    ("keep", "reason"),
    [
        (["civil.identity", "tax.status"], "bad_datasets"),  # widening while narrowing
        (["social.coverage"], "bad_datasets"),  # swapping one for another
        (["civil.everything"], "bad_datasets"),  # no such dataset
        (["property.deeds"], "bad_datasets"),  # a planned dataset, in no consent
        (["<script>alert(1)</script>"], "bad_datasets"),
        ([], "no_datasets"),  # emptied: revoke it instead
    ],
)
async def test_a_consent_is_never_widened_nor_emptied(
    gateway: RunningGateway, owner: httpx.AsyncClient, granted: str, keep: list[str], reason: str
) -> None:
    assert refusal(await narrow(owner, granted, keep)) == ("BAD_USER_INPUT", reason)
    assert (await consents_of_id(gateway, granted)).datasets == GRANTED


@pytest.mark.parametrize(
    "keep",
    [
        ["civil.identity"] * 10_000,  # more names than the standard has datasets
        [f"x{i}" for i in range(len(DATA_SCOPES) + 1)],
        ["civil.identity", "x" * 100_000],  # one huge name
    ],
)
async def test_huge_lists_and_names_are_refused_quickly(
    gateway: RunningGateway, owner: httpx.AsyncClient, granted: str, keep: list[str]
) -> None:
    started = time.perf_counter()
    answer = await narrow(owner, granted, keep)
    elapsed = time.perf_counter() - started
    assert refusal(answer) == ("BAD_USER_INPUT", "bad_datasets")
    assert len(answer["errors"][0]["message"]) < 1_000  # a huge name is not echoed whole
    assert elapsed < 2.0
    assert (await consents_of_id(gateway, granted)).datasets == GRANTED


async def test_a_huge_id_is_not_found(gateway: RunningGateway, owner: httpx.AsyncClient) -> None:
    answer = await narrow(owner, "c" * 100_000, ["civil.identity"])
    assert refusal(answer)[0] == "NOT_FOUND"
    assert len(answer["errors"][0]["message"]) < 1_000


async def test_a_revoked_consent_is_not_narrowed(
    gateway: RunningGateway, owner: httpx.AsyncClient, granted: str
) -> None:
    csrf = (await owner.get("/me/session")).json()["csrfToken"]
    revoke = "mutation($id: ID!) { revokeConsent(id: $id) { status } }"
    await owner.post(
        "/graphql",
        json={"query": revoke, "variables": {"id": granted}},
        headers={"Darvazeh-CSRF": csrf},
    )
    assert refusal(await narrow(owner, granted, ["civil.identity"])) == (
        "BAD_USER_INPUT",
        "not_active",
    )
    assert (await consents_of_id(gateway, granted)).datasets == GRANTED


async def test_only_the_citizen_on_their_session_narrows(
    gateway: RunningGateway, granted: str
) -> None:
    # A service's token (the consent's own client included) is no citizen.
    answer = await gateway.query(NARROW, {"id": granted, "keep": ["civil.identity"]})
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A cross-site POST on the session cookie carries no CSRF header: refused before running.
    async with logged_in(gateway, gateway.citizens["parent"]) as portal:
        response = await portal.post(
            "/graphql",
            json={"query": NARROW, "variables": {"id": granted, "keep": ["civil.identity"]}},
        )
    assert response.status_code == 401
    assert (await consents_of_id(gateway, granted)).datasets == GRANTED
