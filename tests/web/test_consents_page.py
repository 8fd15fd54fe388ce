"""The citizen's own consents page: listing (in both languages, with solar hijri dates) and
revoking their own, never another citizen's."""

from __future__ import annotations

import html

from auth.consent.changes import consent_changes
from auth.consent.national_time import national_date
from auth.consent.records import create_consent
from standard import solar_hijri
from store.citizen_models import Consent
from store.db import transaction
from tests.harness import RunningGateway
from tests.resolvers.test_consent_tokens import QUERY, codes, consent_token
from tests.web.support import (
    CARD_ID,
    CLIENT_ID,
    assert_secure_headers,
    consents_by,
    csrf_of,
    ensure_client,
    logged_in,
    own_citizen,
)
from web.i18n import DATASETS as DATASET_NAMES
from web.i18n import digits


async def make_consent(gateway: RunningGateway, citizen: str, datasets: list[str]) -> Consent:
    await ensure_client(gateway)
    async with transaction(gateway.gateway.sessions) as session:
        return await create_consent(
            session, citizen=citizen, subject=citizen, client_id=CLIENT_ID,
            service_card_id=CARD_ID, datasets=datasets, births=gateway.gateway.births,
        )  # fmt: skip


async def test_own_consents_listed_and_revoked(gateway: RunningGateway) -> None:
    citizen = own_citizen(1)
    made = await make_consent(gateway, citizen, ["civil.address"])
    async with logged_in(gateway, citizen, **{"Accept-Language": "en"}) as client:
        page = await client.get("/me/consents")
        assert page.status_code == 200
        assert_secure_headers(page)
        assert "School enrolment" in page.text and DATASET_NAMES["civil.address"][
            "en"
        ] in html.unescape(page.text)
        assert "Active" in page.text and "Myself" in page.text
        # Revoking asks first: a link to a confirmation page, whose form does it.
        assert f'href="/me/consents/{made.id}/revoke"' in page.text
        confirm = await client.get(f"/me/consents/{made.id}/revoke")
        assert confirm.status_code == 200 and "Yes, revoke it" in confirm.text
        assert f'action="/me/consents/{made.id}/revoke"' in confirm.text
        refused = await client.post(f"/me/consents/{made.id}/revoke", data={})
        assert refused.status_code == 403
        revoked = await client.post(
            f"/me/consents/{made.id}/revoke", data={"csrf_token": csrf_of(confirm.text)}
        )
        assert revoked.status_code == 303
        assert revoked.headers["location"] == "/me/consents?done=revoked"
        after = await client.get(revoked.headers["location"])
        again = await client.get(f"/me/consents/{made.id}/revoke")
    assert "Revoked" in after.text and "The consent is revoked" in after.text
    assert 'role="status"' in after.text and "Revoked on" in after.text
    assert f'href="/me/consents/{made.id}/revoke"' not in after.text
    assert again.status_code == 409  # nothing left to revoke: said so
    (stored,) = await consents_by(gateway, citizen)
    assert stored.status == "REVOKED" and stored.revoked_at is not None


async def test_another_citizens_consent_cannot_be_revoked(gateway: RunningGateway) -> None:
    owner, other = own_citizen(2), own_citizen(3)
    made = await make_consent(gateway, owner, ["civil.identity"])
    async with logged_in(gateway, other) as client:
        page = await client.get("/me/consents")
        assert made.id not in page.text
        response = await client.post(
            f"/me/consents/{made.id}/revoke", data={"csrf_token": csrf_of(page.text)}
        )
    assert response.status_code == 404
    (stored,) = await consents_by(gateway, owner)
    assert stored.status == "ACTIVE"


async def test_own_consents_in_persian_with_solar_hijri_dates(gateway: RunningGateway) -> None:
    citizen = own_citizen(4)
    made = await make_consent(gateway, citizen, ["civil.birth"])
    async with logged_in(gateway, citizen) as client:
        page = await client.get("/me/consents")
    assert "فعال" in page.text and DATASET_NAMES["civil.birth"]["fa"] in page.text
    assert digits("fa", solar_hijri.format(national_date(made.expires_at))) in page.text


async def test_narrowing_a_consent_is_confirmed_kept_in_history_and_binds_its_tokens(
    gateway: RunningGateway,
) -> None:
    citizen = gateway.citizens["parent"]
    token, consent_id, _ = await consent_token(
        gateway, citizen=citizen, subject=citizen,
        datasets=["civil.identity", "civil.birth", "civil.address"],
    )  # fmt: skip
    before = await gateway.query(QUERY, {"id": citizen}, role=None, token=token)
    assert before["data"]["citizen"]["address"]["city"]
    async with logged_in(gateway, citizen, **{"Accept-Language": "en"}) as client:
        page = await client.get("/me/consents")
        assert f'action="/me/consents/{consent_id}/narrow"' in page.text
        form = {"csrf_token": csrf_of(page.text), "dataset": ["civil.identity", "civil.birth"]}
        asked = await client.post(f"/me/consents/{consent_id}/narrow", data=form)
        assert asked.status_code == 200 and "no longer be able to read" in asked.text
        assert DATASET_NAMES["civil.address"]["en"] in html.unescape(asked.text)
        # Nothing changes before the confirmation.
        unchanged = await consents_of_id(gateway, consent_id)
        assert unchanged.datasets == ["civil.identity", "civil.birth", "civil.address"]
        done = await client.post(
            f"/me/consents/{consent_id}/narrow",
            data={**form, "confirm": "yes", "csrf_token": csrf_of(asked.text)},
        )
        assert done.headers["location"] == "/me/consents?done=narrowed"
        after = await client.get("/me/consents")
    assert "narrowed; no longer read" in html.unescape(after.text)
    stored = await consents_of_id(gateway, consent_id)
    assert stored.datasets == ["civil.identity", "civil.birth"] and stored.status == "ACTIVE"
    # The token, issued before, reads the address no more on its very next request.
    answer = await gateway.query(QUERY, {"id": citizen}, role=None, token=token)
    assert answer["data"]["citizen"]["identity"]["firstName"]
    assert answer["data"]["citizen"]["address"] is None
    assert codes(answer)["address"] == "FORBIDDEN"
    async with gateway.gateway.sessions() as session:
        (change,) = (await consent_changes(session, [consent_id]))[consent_id]
    assert change.kind == "NARROWED" and change.datasets_after == ["civil.identity", "civil.birth"]


async def consents_of_id(gateway: RunningGateway, consent_id: str) -> Consent:
    async with gateway.gateway.sessions() as session:
        found = await session.get(Consent, consent_id)
    assert found is not None
    return found
