"""The console's forms for a new service card and a new service client, over HTTP on the shared
gateway's store: every problem beside its field with what was typed kept, nothing stored on a
refusal, the history naming the staff member, a new client's secret shown once and working."""

from __future__ import annotations

import html

from sqlalchemy import select

from store.models import OAuthClient, RegistrationVersion, ServiceCard
from tests.harness import RunningGateway
from tests.web.console_support import EDUCATION, console_csrf, post_form, staff_browser

NEW_CARD = "/console/services/new-card"
NEW_CLIENT = "/console/services/new-client"


async def history(gw: RunningGateway, object_id: str) -> list[tuple[str, str]]:
    async with gw.gateway.sessions() as session:
        found = await session.execute(
            select(RegistrationVersion.action, RegistrationVersion.changed_by)
            .where(RegistrationVersion.object_id == object_id)
            .order_by(RegistrationVersion.version)
        )
    return [(action, by) for action, by in found]


async def test_a_refused_card_keeps_what_was_typed_and_names_each_problem(
    gateway: RunningGateway,
) -> None:
    form = {
        "id": "Not A Slug",
        "name_fa": "",
        "name_en": "Driving licence renewal «test»",
        "legal_basis": "statute",
        "statute": "",
        "life_event": "birth.registered",
    }
    async with staff_browser(gateway, "edu.admin", EDUCATION, "ADMIN") as client:
        page = await client.get(f"{NEW_CARD}?lang=en")
        assert page.status_code == 200 and "Register a service card" in page.text
        refused = await post_form(client, NEW_CARD, NEW_CARD, **form)
        # Past its size, a field is refused before the rest is looked at.
        oversized = await post_form(client, NEW_CARD, NEW_CARD, **form, purpose_en="x" * 2001)
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    for field in ("id", "name_fa", "datasets", "statute", "life_event"):
        assert f'id="{field}-problem-1"' in text, field
    assert oversized.status_code == 400
    assert 'id="purpose_en-problem-1"' in oversized.text and "at most 2000" in oversized.text
    assert 'value="Driving licence renewal «test»"' in text and 'value="Not A Slug"' in text
    assert 'aria-invalid="true"' in text
    async with gateway.gateway.sessions() as session:
        assert await session.get(ServiceCard, "Not A Slug") is None


async def test_a_card_registered_in_the_console_has_its_history(gateway: RunningGateway) -> None:
    fields = {
        "id": "console-driving-licence",
        "name_fa": "تمدید گواهینامه",
        "name_en": "Driving licence renewal",
        "purpose_fa": "تمدید گواهینامه‌ی رانندگی",
        "purpose_en": "Renew a driving licence",
        "legal_basis": "consent",
    }
    async with staff_browser(gateway, "edu.admin", EDUCATION, "ADMIN") as client:
        page = await client.get(NEW_CARD)
        body = {"csrf_token": console_csrf(page.text), **fields,
                "datasets": ["civil.identity", "civil.birth"]}  # fmt: skip
        made = await client.post(NEW_CARD, data=body)
        assert made.status_code == 303, made.text
        assert made.headers["location"] == "/console/cards/console-driving-licence"
        shown = await client.get(made.headers["location"] + "?lang=en")
        again = await post_form(client, NEW_CARD, NEW_CARD, **fields, datasets="civil.identity")
    assert shown.status_code == 200 and "registered" in shown.text
    async with gateway.gateway.sessions() as session:
        card = await session.get(ServiceCard, "console-driving-licence")
    assert card is not None and card.agency_code == EDUCATION
    assert list(card.datasets) == ["civil.identity", "civil.birth"]
    assert await history(gateway, card.id) == [("registered", "staff:edu.admin")]
    # The new card's form never makes a new version of a card the agency has.
    assert again.status_code == 400 and "already has service card" in html.unescape(again.text)
    assert len(await history(gateway, card.id)) == 1


async def test_a_refused_client_names_its_problem_beside_the_field(
    gateway: RunningGateway,
) -> None:
    form = {
        "service_card": "school-enrolment",  # consent-based: authorization_code only
        "name": "Enrolment desk",
        "client_id": "console-desk",
        "grant_types": "client_credentials",
        "redirect_uris": "https://desk.example/callback",
        "token_endpoint_auth_method": "client_secret_basic",
        "graphql_rate_limit": "ten",
    }
    async with staff_browser(gateway, "edu.admin", EDUCATION, "ADMIN") as client:
        shape = await post_form(client, f"{NEW_CLIENT}?lang=en", NEW_CLIENT, **form)
        rules = await post_form(client, NEW_CLIENT, NEW_CLIENT,
                                **{**form, "graphql_rate_limit": ""})  # fmt: skip
    assert shape.status_code == 400
    assert 'id="graphql_rate_limit-problem-1"' in shape.text and 'value="ten"' in shape.text
    assert rules.status_code == 400
    text = html.unescape(rules.text)
    assert 'id="grant_types-problem-1"' in text and "reads under consent" in text
    assert 'value="Enrolment desk"' in text and "https://desk.example/callback" in text
    assert 'value="client_credentials" checked' in text
    async with gateway.gateway.sessions() as session:
        assert await session.get(OAuthClient, "console-desk") is None


async def test_a_new_clients_secret_is_shown_once_and_works(gateway: RunningGateway) -> None:
    form = {
        "service_card": "school-enrolment",
        "name": "Enrolment desk",
        "client_id": "console-desk-2",
        "grant_types": "authorization_code",
        "redirect_uris": "https://desk.example/callback",
        "token_endpoint_auth_method": "client_secret_basic",
        "query_cost_budget": "۵۰۰",  # Persian digits are read as 500
    }
    async with staff_browser(gateway, "edu.admin", EDUCATION, "ADMIN") as client:
        made = await post_form(client, f"{NEW_CLIENT}?lang=en", NEW_CLIENT, **form)
        assert made.status_code == 200, made.text
        assert made.headers["cache-control"] == "no-store"
        assert "The new client and its secret" in made.text
        secret = html.unescape(made.text).split('<code class="secret">')[1].split("<")[0]
        services = await client.get("/console/services")
        client_page = await client.get("/console/clients/console-desk-2?lang=en")
    assert "console-desk-2" in services.text and secret not in services.text
    assert client_page.status_code == 200 and secret not in client_page.text
    async with gateway.gateway.sessions() as session:
        row = await session.get(OAuthClient, "console-desk-2")
    assert row is not None and row.agency_code == EDUCATION and row.query_cost_budget == 500
    assert row.scopes == sorted(["civil.identity", "civil.birth", "civil.address"])
    assert await history(gateway, "console-desk-2") == [("registered", "staff:edu.admin")]
    token = await gateway.http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=("console-desk-2", secret),
    )
    assert token.status_code != 401  # the secret authenticates the client
