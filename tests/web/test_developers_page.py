"""The developer page, `/developers`: how to get a token, the schema's documentation from the
schema itself, the SDL as a file, and the demo-token route, which exists only in demo mode."""

from __future__ import annotations

import html

import httpx
from graphql import GraphQLObjectType

from schema import build_schema
from schema.limits import QueryLimits
from server import create_app
from tests.harness import RunningGateway, serve
from tests.web.support import assert_secure_headers, browser
from web.developers_page import DEMO_TOKEN_PATH, PATH, SDL_PATH, DemoCredentials, schema_reference
from web.i18n import text

READ = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"


async def test_the_page_in_persian_and_english(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        persian = await client.get(PATH)
        english = await client.get(PATH, params={"lang": "en"})
    assert persian.status_code == english.status_code == 200
    assert_secure_headers(persian)
    assert 'lang="fa" dir="rtl"' in persian.text and 'lang="en" dir="ltr"' in english.text
    for lang, page in (("fa", persian.text), ("en", english.text)):
        assert html.escape(text(lang, "dev_token_title"), quote=False) in page
        assert '<details class="type-doc" id="type-Citizen">' in page
        assert 'href="#type-Identity"' in page
        assert "/oauth/token" in page and SDL_PATH in page
        # Not in demo mode: no button, and the pasted-token form (shown by the script).
        assert "demo-token-form" not in page and 'id="paste-token-form" hidden' in page
        assert '<script src="/static/developers.js"></script>' in page
    assert gateway.gateway.settings.graphiql_enabled and 'href="/graphql"' in english.text


async def test_the_reference_is_the_schema(gateway: RunningGateway) -> None:
    schema = build_schema(QueryLimits.from_settings(gateway.gateway.settings))._schema
    reference = {doc.name: doc for doc in schema_reference(schema)}
    assert next(iter(reference)) == "Query"
    assert not any(name.startswith(("_", "link__")) for name in reference)
    citizen = schema.type_map["Citizen"]
    assert isinstance(citizen, GraphQLObjectType)
    assert reference["Citizen"].description == citizen.description
    assert [m.name for m in reference["Citizen"].members] == list(citizen.fields)
    query = {m.name: m for m in reference["Query"].members}
    assert "_entities" not in query and query["citizen"].arguments[0].name == "nationalId"
    assert {m.name for m in reference["RecordStatus"].members} == {"AVAILABLE", "NO_RECORD"}


async def test_the_sdl_file(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        sdl = await client.get(SDL_PATH)
    assert sdl.status_code == 200 and sdl.headers["content-type"].startswith("text/plain")
    assert "type Citizen" in sdl.text and "@requiresScopes" in sdl.text


async def test_no_demo_token_route_outside_the_demo(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        assert (await client.post(DEMO_TOKEN_PATH)).status_code == 404


async def test_the_demo_token_reads_data(gateway: RunningGateway) -> None:
    client = gateway.clients["statutory_all_datasets"]
    demo = DemoCredentials(client["client_id"], client["client_secret"])
    app = create_app(gateway.gateway.settings, demo=demo)
    citizen = gateway.world.people[0].national_id
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as http:
        page = await http.get(PATH, params={"lang": "en"})
        assert 'id="demo-token-form"' in page.text and demo.client_id in page.text
        assert (await http.get(DEMO_TOKEN_PATH)).status_code == 405
        issued = await http.post(DEMO_TOKEN_PATH, headers={"Accept": "application/json"})
        assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
        body = issued.json()
        assert body["client_id"] == demo.client_id and body["expires_in"] > 0
        answer = await http.post(
            "/graphql",
            json={"query": READ, "variables": {"id": citizen}},
            headers={"Authorization": f"Bearer {body['access_token']}",
                     "Darvazeh-Case-Reference": body["case_reference"]},
        )  # fmt: skip
        assert answer.json()["data"]["citizen"]["identity"]["firstName"]
        # Without JavaScript the form posts as a page: the token is shown to copy.
        shown = await http.post(DEMO_TOKEN_PATH, params={"lang": "en"})
        assert shown.status_code == 200 and 'id="issued-token"' in shown.text
        assert_secure_headers(shown)
