"""Agency admins register their services' OAuth clients, each bound to one of their cards."""

from __future__ import annotations

from typing import Any

import pytest

from store.db import transaction
from store.models import ServiceCard
from tests.harness import RunningGateway

REGISTER = """
mutation($input: ServiceClientInput!) {
  registerServiceClient(input: $input) {
    clientSecret client { clientId serviceCard scopes grantTypes enabled }
  }
}"""
LIST = "{ agencyRegistrations { serviceClients { clientId serviceCard } } }"
DISABLE = "mutation($id: String!) { disableServiceClient(clientId: $id) { enabled } }"


@pytest.fixture(scope="module")
async def education_admin(gateway: RunningGateway) -> str:
    """The education agency's admin; the agency has a consent card and (here) a statutory one."""
    async with transaction(gateway.gateway.sessions) as session:
        session.add(
            ServiceCard(
                id="school-census",
                agency_code="education",
                name_fa="سرشماری دانش آموزان",
                name_en="School census",
                datasets=["civil.birth", "civil.identity"],
                legal_basis="statute",
                statute="Education Act, article 12",
            )
        )
        await session.flush()
    assert "education_admin" in gateway.clients  # the demo's Ministry of Education admin
    return "education_admin"


async def register(gateway: RunningGateway, role: str, **spec: Any) -> dict:
    return await gateway.query(REGISTER, {"input": spec}, role=role)


async def test_a_client_gets_its_cards_datasets_and_no_more(
    gateway: RunningGateway, education_admin: str
) -> None:
    answer = await register(
        gateway,
        education_admin,
        serviceCard="school-enrolment",
        name="Enrolment portal",
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["https://enrol.example/callback"],
    )
    assert "errors" not in answer, answer
    made = answer["data"]["registerServiceClient"]
    assert made["clientSecret"] and len(made["clientSecret"]) >= 43
    assert made["client"]["serviceCard"] == "school-enrolment"
    assert sorted(made["client"]["scopes"]) == ["civil.address", "civil.birth", "civil.identity"]
    listed = await gateway.query(LIST, role=education_admin)
    ids = [c["clientId"] for c in listed["data"]["agencyRegistrations"]["serviceClients"]]
    assert made["client"]["clientId"] in ids

    for spec, reason in (
        ({"scopes": ["civil.birth", "tax.status"]}, "not datasets of service card"),
        ({"grantTypes": ["client_credentials"]}, "reads under consent"),
        ({"serviceCard": "newborn-health-insurance"}, "has no service card"),
        ({"serviceCard": "no-such-card"}, "has no service card"),
    ):
        base = {
            "serviceCard": "school-enrolment",
            "name": "x",
            "grantTypes": ["authorization_code"],
            "redirectUris": ["https://enrol.example/callback"],
        }
        refused = await register(gateway, education_admin, **(base | spec))
        error = refused["errors"][0]
        assert error["extensions"]["code"] == "REGISTRATION_REFUSED", refused
        assert reason in error["message"]
        assert error["extensions"]["problems"] == [error["message"]]


async def test_a_registered_statutory_client_gets_tokens_until_disabled(
    gateway: RunningGateway, education_admin: str
) -> None:
    answer = await register(
        gateway,
        education_admin,
        serviceCard="school-census",
        name="Census",
        clientId="school-census-1",
        grantTypes=["client_credentials"],
    )
    secret = answer["data"]["registerServiceClient"]["clientSecret"]

    async def token(scope: str | None = None) -> Any:
        data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
        return await gateway.http.post("/oauth/token", data=data, auth=("school-census-1", secret))

    granted = await token()
    assert granted.status_code == 200
    assert set(granted.json()["scope"].split()) == {"civil.birth", "civil.identity"}
    assert (await token("tax.status")).json()["error"] == "invalid_scope"

    other = await gateway.query(DISABLE, {"id": "school-census-1"}, role="agency_admin")
    assert other["errors"][0]["extensions"]["code"] == "REGISTRATION_REFUSED"
    disabled = await gateway.query(DISABLE, {"id": "school-census-1"}, role=education_admin)
    assert disabled["data"]["disableServiceClient"]["enabled"] is False
    assert (await token()).status_code == 401


async def test_client_changes_are_kept_with_who_made_them(
    gateway: RunningGateway, education_admin: str
) -> None:
    from store.registrations import RegistrationKind, versions

    await register(
        gateway,
        education_admin,
        serviceCard="school-census",
        name="Census 2",
        clientId="school-census-2",
        grantTypes=["client_credentials"],
    )
    await gateway.query(DISABLE, {"id": "school-census-2"}, role=education_admin)
    async with gateway.gateway.sessions() as session:
        history = await versions(session, RegistrationKind.SERVICE_CLIENT, "school-census-2")
    assert [(v.version, v.action, v.changed_by) for v in history] == [
        (2, "disabled", "education-admin"),
        (1, "registered", "education-admin"),
    ]
    assert "client_secret_hash" not in history[0].snapshot


async def test_a_clients_own_fields_are_bounded_and_named_together(
    gateway: RunningGateway, education_admin: str
) -> None:
    answer = await register(
        gateway,
        education_admin,
        serviceCard="school-enrolment",
        clientId="../" + "a" * 100,
        name="",
        grantTypes=["authorization_code"],
        redirectUris=[f"https://enrol.example/{n}" for n in range(21)],
    )
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "REGISTRATION_REFUSED"
    fields = [problem.split(":")[0] for problem in error["extensions"]["problems"]]
    assert fields == ["clientId", "name", "redirectUris"]
