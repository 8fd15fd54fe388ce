"""A death registered in the civil registry ends the person's own access at once: login, portal
sessions, consents (theirs, those they gave for a child, those a parent gave for them) and the
grants and refresh tokens under them. The gateway learns of it by reading the civil registry's
death record itself, an audited system read, at login, consent approval, code exchange and every
refresh; then the account is marked and later attempts are refused without asking again. Their
records stay readable under statute.

Deaths are registered for real: a row in the civil registry's own death table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from auth.accounts.ended import EndReason
from auth.end_citizen import end_citizen
from auth.oauth.clients import hash_client_secret
from demo.agencies import CIVIL_DEATHS
from demo.world import age
from standard import solar_hijri
from store.audit_models import AuditRecord
from store.citizen_models import BrowserSession, Consent, EndedCitizen, TrustedDevice
from store.db import transaction
from store.models import OAuthClient
from store.oauth_models import AuthorizationRequest, Grant
from tests.harness import RunningGateway
from tests.resolvers.tracker_support import family
from tests.shared import reporting_client
from tests.web.support import (
    CLIENT_ID,
    REDIRECT_URI,
    browser,
    ensure_account,
    ensure_client,
    form_of,
    logged_in,
    login,
    pending_request,
)
from web.browser import SESSION_COOKIE

SECRET = "a-known-secret-for-the-page-tests-client-0123456789"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636's example verifier
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
IDENTITY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } death { date provenance { status } } } }"""
MY_CONSENTS = "{ me { consents { id status revokedReason onBehalfOf } } }"

RegisterDeath = Callable[[str], Awaitable[None]]


# -- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
async def register_death(gateway: RunningGateway) -> AsyncIterator[RegisterDeath]:
    """Record deaths in the civil registry's own database; taken back after the test (and the
    markers with them), so the shared world is as it was for the tests that follow."""
    engine = create_async_engine(gateway.urls.civil)
    registered: list[str] = []

    async def register(national_id: str) -> None:
        async with engine.begin() as connection:
            await connection.execute(
                insert(CIVIL_DEATHS).values(
                    shomare_melli=national_id,
                    tarikh_fot=solar_hijri.format(date.today()),
                    mahal_fot="Tehran",
                    akharin_taghyir=int(datetime.now(UTC).timestamp()),
                )
            )
        registered.append(national_id)

    try:
        yield register
    finally:
        if registered:
            async with engine.begin() as connection:
                await connection.execute(
                    delete(CIVIL_DEATHS).where(CIVIL_DEATHS.c.shomare_melli.in_(registered))
                )
            async with transaction(gateway.gateway.sessions) as session:
                await session.execute(
                    delete(EndedCitizen).where(EndedCitizen.national_id.in_(registered))
                )
        await engine.dispose()


def living_adults(gateway: RunningGateway, count: int) -> list[str]:
    """Living adults from the end of the world, whom no other test picks."""
    taken = set(gateway.citizens.values())
    found = []
    for person in reversed(gateway.world.people):
        alive = person.death_date is None and person.national_id not in taken
        if alive and 25 <= age(person.birth_date) <= 70:
            found.append(person.national_id)
        if len(found) == count:
            return found
    raise LookupError("not enough living adults")


async def client_secret(gateway: RunningGateway) -> tuple[str, str]:
    await ensure_client(gateway)
    async with transaction(gateway.gateway.sessions) as session:
        row = await session.get(OAuthClient, CLIENT_ID)
        assert row is not None
        row.client_secret_hash = hash_client_secret(SECRET)
    return CLIENT_ID, SECRET


async def pending_with_verifier(gateway: RunningGateway) -> str:
    """A pending authorization request whose PKCE challenge is VERIFIER's."""
    request_id, _ = await pending_request(gateway)
    async with transaction(gateway.gateway.sessions) as session:
        row = await session.get(AuthorizationRequest, request_id)
        assert row is not None
        row.params = {**row.params, "code_challenge": CHALLENGE}
    return request_id


async def approve(client: httpx.AsyncClient, gateway: RunningGateway, child: str = "") -> str:
    """Approve a pending request on the consent page; returns the authorization code."""
    request_id = await pending_with_verifier(gateway)
    page = await client.get(f"/consent/{request_id}")
    form = form_of(page.text, subject="child", child=child) if child else form_of(page.text)
    approved = await client.post(f"/consent/{request_id}", data=form)
    assert approved.status_code == 303, approved.text
    return parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]


async def exchange(gateway: RunningGateway, code: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
    }
    return await gateway.http.post("/oauth/token", data=form, auth=await client_secret(gateway))


async def refresh(gateway: RunningGateway, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await gateway.http.post("/oauth/token", data=form, auth=await client_secret(gateway))


def death_calls(gateway: RunningGateway) -> int:
    source = gateway.gateway.registry.source_for("death")
    assert source is not None
    return source.calls


async def consents_of(gateway: RunningGateway, **where: str) -> list[Consent]:
    async with gateway.gateway.sessions() as session:
        query = select(Consent)
        for name, value in where.items():
            query = query.where(getattr(Consent, name) == value)
        return list(await session.scalars(query))


async def count(gateway: RunningGateway, model: Any, **where: str) -> int:
    async with gateway.gateway.sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)


# -- login -----------------------------------------------------------------------------------------


async def test_the_deceased_cannot_log_in_and_are_told_why(gateway: RunningGateway) -> None:
    deceased = gateway.citizens["deceased"]
    await ensure_account(gateway, deceased)
    calls = death_calls(gateway)
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        # A wrong password gets the usual answer, and asks nobody: no one learns of a death
        # by typing a national code.
        wrong = await login(client, deceased, "not the password")
        assert wrong.status_code == 401 and death_calls(gateway) == calls
        refused = await login(client, deceased)
    assert refused.status_code == 403
    assert "the civil registry records the death" in refused.text
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    assert death_calls(gateway) == calls + 1
    # The check was a read like any other: decided, and in the access log.
    async with gateway.gateway.sessions() as session:
        record = await session.scalar(
            select(AuditRecord)
            .where(AuditRecord.subject == deceased, AuditRecord.legal_basis == "system")
            .order_by(AuditRecord.id.desc())
        )
    assert record is not None
    assert record.actor_kind == "system" and record.case_reference == "login-death-check"
    assert record.statute == gateway.gateway.settings.death_check_statute
    assert record.outcome == "GRANTED" and record.source_agency == "civil-registry"
    assert record.datasets == ["civil.identity"] and record.fields == ["death.date"]
    assert await count(gateway, EndedCitizen, national_id=deceased) == 1
    # The account is marked: the next login is refused without asking again, in Persian too.
    async with browser(gateway, **{"Accept-Language": "fa"}) as client:
        again = await login(client, deceased)
    assert again.status_code == 403 and "ثبت احوال فوت دارندهٔ این کد ملی" in again.text
    assert death_calls(gateway) == calls + 1


async def test_reads_under_statute_still_work_for_the_deceased(gateway: RunningGateway) -> None:
    deceased = gateway.citizens["deceased"]
    await end_citizen(gateway.gateway.sessions, deceased, EndReason.DECEASED)
    answer = await gateway.query(IDENTITY, {"id": deceased})
    assert "errors" not in answer, answer
    assert answer["data"]["citizen"]["identity"]["firstName"]
    assert answer["data"]["citizen"]["death"]["provenance"]["status"] == "AVAILABLE"


# -- a death registered while the citizen holds a session, consents and tokens -----------------


async def test_a_death_found_at_refresh_ends_everything(
    gateway: RunningGateway, register_death: RegisterDeath
) -> None:
    (citizen,) = living_adults(gateway, 1)
    async with logged_in(gateway, citizen) as client:
        tokens = (await exchange(gateway, await approve(client, gateway))).json()
        assert tokens["refresh_token"], tokens
        before = await refresh(gateway, tokens["refresh_token"])
        assert before.status_code == 200, before.text
        await register_death(citizen)
        after = await refresh(gateway, before.json()["refresh_token"])
        assert after.status_code == 400 and after.json()["error"] == "invalid_grant"
        # The portal session ended with it.
        page = await client.get("/me/consents")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert await count(gateway, BrowserSession, citizen=citizen) == 0
    assert await count(gateway, TrustedDevice, citizen=citizen) == 0
    consents = await consents_of(gateway, citizen=citizen)
    assert consents and {(c.status, c.revoked_reason) for c in consents} == {
        ("REVOKED", "DECEASED")
    }
    async with gateway.gateway.sessions() as session:
        grants = list(await session.scalars(select(Grant).where(Grant.citizen == citizen)))
    assert grants and all(g.revoked_at is not None for g in grants)
    # The access token issued before stops on its next request.
    read = await gateway.post(IDENTITY, {"id": citizen}, token=before.json()["access_token"])
    assert read.json()["errors"][0]["extensions"]["code"] == "CONSENT_REVOKED"
    # And the login is refused with the reason.
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        assert (await login(client, citizen)).status_code == 403


async def test_a_death_found_at_the_code_exchange(
    gateway: RunningGateway, register_death: RegisterDeath
) -> None:
    (citizen,) = living_adults(gateway, 2)[1:]
    async with logged_in(gateway, citizen) as client:
        code = await approve(client, gateway)
    await register_death(citizen)
    calls = death_calls(gateway)
    refused = await exchange(gateway, code)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert death_calls(gateway) == calls + 1
    assert {c.revoked_reason for c in await consents_of(gateway, citizen=citizen)} == {"DECEASED"}


async def test_a_death_found_at_consent_approval(
    gateway: RunningGateway, register_death: RegisterDeath
) -> None:
    (citizen,) = living_adults(gateway, 3)[2:]
    async with logged_in(gateway, citizen, **{"Accept-Language": "en"}) as client:
        request_id, _ = await pending_request(gateway)
        page = await client.get(f"/consent/{request_id}")
        await register_death(citizen)
        refused = await client.post(f"/consent/{request_id}", data=form_of(page.text))
        assert refused.status_code == 403
        assert "the civil registry records the death" in refused.text
    assert await consents_of(gateway, citizen=citizen) == []
    assert await count(gateway, BrowserSession, citizen=citizen) == 0


REPORT_DEATH = """mutation($input: LifeEventInput!) {
  reportLifeEvent(input: $input) { id kind status duplicate } }"""


async def test_a_reported_death_ends_everything_before_the_report_is_answered(
    gateway: RunningGateway, register_death: RegisterDeath
) -> None:
    """The civil registry's report of a death ends the citizen's session, consents and tokens
    by the time it is acknowledged, not whenever the proactive engine (which may run in another
    process, or be behind) gets to the event."""
    (citizen,) = living_adults(gateway, 6)[5:]
    role = "reporter-civil-registry-deaths"
    if role not in gateway.clients:
        gateway.clients[role] = await reporting_client(
            gateway.gateway.sessions, "civil-registry", f"civil-deaths-{uuid.uuid4().hex[:6]}"
        )
    async with logged_in(gateway, citizen) as client:
        tokens = (await exchange(gateway, await approve(client, gateway))).json()
        await register_death(citizen)
        sent = {
            "kind": "death.registered",
            "nationalId": citizen,
            "eventId": f"death-{uuid.uuid4().hex}",
            "occurredAt": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        receipt = await gateway.query(REPORT_DEATH, {"input": sent}, role=role, case_reference=None)
        assert "errors" not in receipt, receipt
        assert receipt["data"]["reportLifeEvent"]["status"] == "PENDING"  # no engine ran
        page = await client.get("/me/consents")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
    read = await gateway.post(IDENTITY, {"id": citizen}, token=tokens["access_token"])
    assert read.json()["errors"][0]["extensions"]["code"] == "CONSENT_REVOKED"
    assert await count(gateway, EndedCitizen, national_id=citizen) == 1
    assert {c.revoked_reason for c in await consents_of(gateway, citizen=citizen)} == {"DECEASED"}


# -- parents and children ----------------------------------------------------------------------


async def portal_consents(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    params = {"query": MY_CONSENTS, "variables": json.dumps({})}
    answer = (await client.get("/graphql", params=params)).json()
    assert "errors" not in answer, answer
    return list(answer["data"]["me"]["consents"])


async def test_a_childs_death_ends_the_consent_a_parent_gave_for_them(
    gateway: RunningGateway, register_death: RegisterDeath
) -> None:
    parent, child = family(gateway.world, adult=False, nth=20)
    async with logged_in(gateway, parent, **{"Accept-Language": "en"}) as client:
        own = (await exchange(gateway, await approve(client, gateway))).json()
        for_child = (await exchange(gateway, await approve(client, gateway, child=child))).json()
        await register_death(child)
        refused = await refresh(gateway, for_child["refresh_token"])
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
        # The parent lives on: their session, their own consent and its tokens stand.
        assert (await refresh(gateway, own["refresh_token"])).status_code == 200
        listed = {c["onBehalfOf"]: c for c in await portal_consents(client)}
        assert listed[child]["status"] == "REVOKED"
        assert listed[child]["revokedReason"] == "DECEASED"
        assert listed[None]["status"] == "ACTIVE" and listed[None]["revokedReason"] is None
        page = await client.get("/me/consents")
        assert page.status_code == 200 and "because of a death" in page.text
        # No new consent for the dead child.
        request_id, _ = await pending_request(gateway)
        screen = await client.get(f"/consent/{request_id}")
        again = await client.post(
            f"/consent/{request_id}", data=form_of(screen.text, subject="child", child=child)
        )
        assert again.status_code == 403 and "records this child" in again.text


async def test_a_parents_death_ends_the_consent_they_gave_for_a_child(
    gateway: RunningGateway, register_death: RegisterDeath
) -> None:
    parent, child = family(gateway.world, adult=False, nth=21)
    async with logged_in(gateway, parent) as client:
        tokens = (await exchange(gateway, await approve(client, gateway, child=child))).json()
    await register_death(parent)
    refused = await refresh(gateway, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    consent = (await consents_of(gateway, citizen=parent, subject=child))[0]
    assert (consent.status, consent.revoked_reason) == ("REVOKED", "DECEASED")
    # The child is alive: nothing of theirs is ended.
    assert await count(gateway, EndedCitizen, national_id=child) == 0


# -- one function, and a registry that cannot answer ----------------------------------------------


async def test_end_citizen_is_the_one_idempotent_place(gateway: RunningGateway) -> None:
    (citizen,) = living_adults(gateway, 4)[3:]
    async with logged_in(gateway, citizen) as client:
        await exchange(gateway, await approve(client, gateway))
        for _ in range(2):  # a DEATH_REGISTERED event delivered twice
            await end_citizen(gateway.gateway.sessions, citizen, EndReason.DECEASED)
        assert (await client.get("/me/consents")).status_code == 303
    assert await count(gateway, EndedCitizen, national_id=citizen) == 1
    assert {c.revoked_reason for c in await consents_of(gateway, citizen=citizen)} == {"DECEASED"}
    async with transaction(gateway.gateway.sessions) as session:  # as it was, for other tests
        await session.execute(delete(EndedCitizen).where(EndedCitizen.national_id == citizen))


DISABLE = "mutation($id: ID!) { disableDataSource(id: $id) { id enabled } }"
ENABLE = "mutation($id: ID!) { enableDataSource(id: $id) { id enabled } }"


async def test_no_answer_from_the_registry_refuses_for_now(gateway: RunningGateway) -> None:
    (citizen,) = living_adults(gateway, 5)[4:]
    await ensure_account(gateway, citizen)
    async with logged_in(gateway, citizen) as client:
        tokens = (await exchange(gateway, await approve(client, gateway))).json()
        request_id, _ = await pending_request(gateway)
        screen = await client.get(f"/consent/{request_id}")
        disabled = await gateway.query(DISABLE, {"id": "civil-death"}, role="agency_admin")
        assert disabled["data"]["disableDataSource"]["enabled"] is False, disabled
        try:
            consent = await client.post(f"/consent/{request_id}", data=form_of(screen.text))
            token = await refresh(gateway, tokens["refresh_token"])
            async with browser(gateway, **{"Accept-Language": "en"}) as other:
                signed_in = await login(other, citizen)
        finally:
            enabled = await gateway.query(ENABLE, {"id": "civil-death"}, role="agency_admin")
            assert enabled["data"]["enableDataSource"]["enabled"] is True, enabled
    assert consent.status_code == 503
    assert token.status_code == 503 and token.json()["error"] == "temporarily_unavailable"
    assert signed_in.status_code == 503 and "cannot confirm" in signed_in.text
    assert SESSION_COOKIE not in signed_in.headers.get("set-cookie", "")
    # Nothing was ended on a guess.
    assert await count(gateway, EndedCitizen, national_id=citizen) == 0
    assert (await refresh(gateway, tokens["refresh_token"])).status_code == 200
