"""The citizen's own consents page: listing (in both languages, with solar hijri dates) and
revoking their own, never another citizen's."""

from __future__ import annotations

import html

from auth.consent.national_time import national_date
from auth.consent.records import create_consent
from standard import solar_hijri
from store.citizen_models import Consent
from store.db import transaction
from tests.harness import RunningGateway
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
        assert f'action="/me/consents/{made.id}/revoke"' in page.text
        refused = await client.post(f"/me/consents/{made.id}/revoke", data={})
        assert refused.status_code == 403
        revoked = await client.post(
            f"/me/consents/{made.id}/revoke", data={"csrf_token": csrf_of(page.text)}
        )
        assert revoked.status_code == 303 and revoked.headers["location"] == "/me/consents"
        after = await client.get("/me/consents")
    assert "Revoked" in after.text
    assert f'action="/me/consents/{made.id}/revoke"' not in after.text
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
