"""`me { consents }`, `narrowConsent` and `revokeConsent` for the citizen on their portal
session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.consent.changes import consent_changes
from store.citizen_models import Consent
from store.db import transaction
from tests.harness import RunningGateway
from tests.resolvers.test_consent_tokens import QUERY, codes, consent_token
from tests.web.support import ensure_client, logged_in

MINE = """{ me { nationalId consents { id datasets onBehalfOf status useCount
  service { id nameEn agency } } } }"""
REVOKE = "mutation($id: ID!) { revokeConsent(id: $id) { id status } }"
NARROW = """mutation($id: ID!, $keep: [String!]!) {
  narrowConsent(id: $id, datasets: $keep) { id status datasets } }"""


async def a_consent(gateway: RunningGateway, citizen: str, subject: str | None = None) -> str:
    client_id = await ensure_client(gateway)
    consent_id = f"c-{datetime.now(UTC).timestamp():.6f}"
    async with transaction(gateway.gateway.sessions) as session:
        session.add(
            Consent(
                id=consent_id,
                citizen=citizen,
                subject=subject or citizen,
                client_id=client_id,
                service_card_id="school-enrolment",
                datasets=["civil.identity"],
                expires_at=datetime.now(UTC) + timedelta(days=30),
            )
        )
    return consent_id


async def test_a_citizen_lists_and_revokes_their_consents(gateway: RunningGateway) -> None:
    me, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    consent_id = await a_consent(gateway, me, child)
    async with logged_in(gateway, me) as portal:
        # Queries may come by GET (no side effects); every POST must carry the CSRF token.
        answer = (await portal.get("/graphql", params={"query": MINE})).json()
        assert "errors" not in answer, answer
        assert answer["data"]["me"]["nationalId"] == me
        mine = {c["id"]: c for c in answer["data"]["me"]["consents"]}
        assert mine[consent_id]["onBehalfOf"] == child
        assert mine[consent_id]["status"] == "ACTIVE"
        assert mine[consent_id]["service"] == {
            "id": "school-enrolment",
            "nameEn": "School enrolment",
            "agency": "education",
        }

        # A POST on a session cookie must carry the CSRF token; a cross-site form cannot.
        refused = await portal.post(
            "/graphql", json={"query": REVOKE, "variables": {"id": consent_id}}
        )
        assert refused.status_code == 401
        csrf = (await portal.get("/me/session")).json()["csrfToken"]
        revoked = await portal.post(
            "/graphql",
            json={"query": REVOKE, "variables": {"id": consent_id}},
            headers={"Darvazeh-CSRF": csrf},
        )
        assert revoked.json()["data"]["revokeConsent"] == {"id": consent_id, "status": "REVOKED"}


async def test_nobody_else_sees_or_revokes_a_consent(gateway: RunningGateway) -> None:
    owner, other = gateway.citizens["parent"], gateway.citizens["no_tax_record"]
    consent_id = await a_consent(gateway, owner)
    async with logged_in(gateway, other) as portal:
        csrf = (await portal.get("/me/session")).json()["csrfToken"]
        answer = (
            await portal.post(
                "/graphql",
                json={"query": REVOKE, "variables": {"id": consent_id}},
                headers={"Darvazeh-CSRF": csrf},
            )
        ).json()
        assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        owners = (
            await portal.post(
                "/graphql",
                json={"query": "query($id: String!) { citizen(nationalId: $id) {"
                               " consents { id } } }",
                      "variables": {"id": owner}},
                headers={"Darvazeh-CSRF": csrf},
            )
        ).json()  # fmt: skip
        assert owners["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A service's token sees no consents either.
    answer = await gateway.query("{ me { consents { id } } }")
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_portal_session_reads_only_the_citizens_own_data(gateway: RunningGateway) -> None:
    me, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    async with logged_in(gateway, me) as portal:
        query = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"
        own = (
            await portal.get("/graphql", params={"query": query, "variables": f'{{"id": "{me}"}}'})
        ).json()
        assert own["data"]["citizen"]["identity"]["firstName"]
        theirs = (
            await portal.get(
                "/graphql", params={"query": query, "variables": f'{{"id": "{child}"}}'}
            )
        ).json()
        assert theirs["errors"][0]["extensions"]["code"] == "CONSENT_REQUIRED"


async def test_a_citizen_narrows_a_consent_and_its_tokens_read_no_more(
    gateway: RunningGateway,
) -> None:
    me = gateway.citizens["parent"]
    token, consent_id, _ = await consent_token(
        gateway, citizen=me, subject=me, datasets=["civil.identity", "civil.address"]
    )
    before = await gateway.query(QUERY, {"id": me}, role=None, token=token)
    assert before["data"]["citizen"]["address"]["city"]
    variables = {"id": consent_id, "keep": ["civil.identity", "civil.identity"]}
    async with logged_in(gateway, me) as portal:
        refused = await portal.post("/graphql", json={"query": NARROW, "variables": variables})
        assert refused.status_code == 401  # a POST on the session needs the CSRF header
        csrf = (await portal.get("/me/session")).json()["csrfToken"]
        answer = (
            await portal.post(
                "/graphql",
                json={"query": NARROW, "variables": variables},
                headers={"Darvazeh-CSRF": csrf},
            )
        ).json()
    assert answer["data"]["narrowConsent"] == {
        "id": consent_id,
        "status": "ACTIVE",
        "datasets": ["civil.identity"],
    }
    # The same change as the portal's: one row of history, and the token bound at once.
    async with gateway.gateway.sessions() as session:
        (change,) = (await consent_changes(session, [consent_id]))[consent_id]
    assert change.kind == "NARROWED" and change.changed_by == me
    after = await gateway.query(QUERY, {"id": me}, role=None, token=token)
    assert after["data"]["citizen"]["identity"]["firstName"]
    assert after["data"]["citizen"]["address"] is None
    assert codes(after)["address"] == "FORBIDDEN"
