"""Production mode: introspection and GraphiQL off, safelisted documents only (named by their
SHA-256), errors masked down to their codes; agencies manage the safelists of their own clients
only. Development keeps full documents and adds automatic persisted queries."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError

from schema.errors import masked
from settings import Settings, get_settings
from standard.errors import PUBLIC_MESSAGES, ErrorCode
from store.persisted_queries import count_for
from tests.datasources.test_cli import Cli
from tests.harness import GENEROUS_LIMITS, RunningGateway, serve
from tests.security.rate_support import (
    at,
    bearer,
    codes,
    limited_gateway,
    register_client,
    token_of,
)

IDENTITY = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"
MAX_DOCUMENTS = 4
MAX_BYTES = 2048
REGISTER = """mutation($c: String!, $d: String!, $n: String) {
  registerPersistedQuery(clientId: $c, document: $d, name: $n) { sha256 name createdBy } }"""
REMOVE = "mutation($c: String!, $h: String!) { removePersistedQuery(clientId: $c, sha256: $h) }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(sha256: Any, variables: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}}}
    return body | {"variables": variables or {}} | more


@pytest.fixture(scope="module")
async def prod(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningGateway]:
    async with limited_gateway(
        Path(tmp_path_factory.mktemp("production")),
        environment="production",
        rate_limits=GENEROUS_LIMITS,
        safelist_max_documents=MAX_DOCUMENTS,
        safelist_max_bytes=MAX_BYTES,
    ) as running:
        yield running


async def admin(
    gateway: RunningGateway, query: str, variables: dict[str, Any], role: str = "agency_admin"
) -> dict[str, Any]:
    return dict(await gateway.query(query, variables, role=role, case_reference=None))


async def safelist(gateway: RunningGateway, client_id: str, document: str) -> str:
    answer = await admin(gateway, REGISTER, {"c": client_id, "d": document, "n": "identity"})
    assert "errors" not in answer, answer
    assert answer["data"]["registerPersistedQuery"]["createdBy"] == "civil-registry-admin"
    return str(answer["data"]["registerPersistedQuery"]["sha256"])


def assert_masked(error: dict[str, Any], code: str) -> None:
    """Nothing beyond where it happened, a generic message and the code."""
    assert set(error) <= {"message", "locations", "path", "extensions"}, error
    assert error["extensions"] == {"code": code}, error


async def test_a_full_document_is_refused(prod: RunningGateway) -> None:
    client = await register_client(prod)
    async with at(prod.app) as http:
        token = await token_of(http, *client)
        refused = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers=bearer(token)
        )
        anonymous = await http.post("/graphql", json={"query": "{ __typename }"})
        # Sending the document beside its hash (APQ registration) is refused as well.
        both = await http.post(
            "/graphql", json=persisted(sha(IDENTITY), query=IDENTITY), headers=bearer(token)
        )
    for answer in (refused, anonymous, both):
        assert answer.status_code == 400
        assert "data" not in answer.json()  # a request error: nothing ran
        assert_masked(answer.json()["errors"][0], "PERSISTED_QUERY_REQUIRED")
        assert answer.json()["errors"][0]["message"] == "Only persisted queries are accepted."


async def test_a_safelisted_hash_is_answered_for_its_client_only(prod: RunningGateway) -> None:
    citizen = prod.world.people[3]
    client, other = await register_client(prod), await register_client(prod)
    digest = await safelist(prod, client[0], IDENTITY)
    assert digest == sha(IDENTITY)
    async with at(prod.app) as http:
        token, other_token = await token_of(http, *client), await token_of(http, *other)
        answer = await http.post(
            "/graphql", json=persisted(digest, {"id": citizen.national_id}), headers=bearer(token)
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["citizen"]["identity"]["firstName"] == citizen.first_name
        foreign = await http.post(
            "/graphql", json=persisted(digest, {"id": citizen.national_id}),
            headers=bearer(other_token),
        )  # fmt: skip
    assert foreign.status_code == 200  # Apollo's clients resend on this code, not on a 400
    assert_masked(foreign.json()["errors"][0], "PERSISTED_QUERY_NOT_FOUND")


async def test_unknown_and_malformed_hashes(prod: RunningGateway) -> None:
    client = await register_client(prod)
    async with at(prod.app) as http:
        token = await token_of(http, *client)
        unknown = await http.post("/graphql", json=persisted("0" * 64), headers=bearer(token))
        assert codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        for bad in ("ABC", "0" * 63, "g" * 64, "0" * 64 + "0", 12, None):
            answer = await http.post("/graphql", json=persisted(bad), headers=bearer(token))
            assert answer.status_code == 400 and codes(answer.json()) == ["BAD_REQUEST"], bad
        wrong_version = {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}}
        answer = await http.post("/graphql", json=wrong_version, headers=bearer(token))
        assert codes(answer.json()) == ["BAD_REQUEST"]


async def test_introspection_is_refused_and_graphiql_is_off(prod: RunningGateway) -> None:
    # Agency admins may send documents (their command line does): introspection still fails.
    for document in ("{ __schema { types { name } } }", '{ __type(name: "Query") { name } }',
                     "{ _service { sdl } }"):  # fmt: skip
        answer = await admin(prod, document, {})
        assert answer.get("data") is None, answer
        for error in answer["errors"]:
            assert_masked(error, "GRAPHQL_VALIDATION_FAILED")
    assert (await admin(prod, "{ __typename }", {}))["data"] == {"__typename": "Query"}
    page = await prod.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "graphiql" not in page.text.lower()


async def test_errors_are_masked_to_their_codes(
    prod: RunningGateway, gateway: RunningGateway
) -> None:
    client = await register_client(prod)
    digest = await safelist(prod, client[0], IDENTITY)
    async with at(prod.app) as http:
        token = await token_of(http, *client)
        answer = await http.post(
            "/graphql", json=persisted(digest, {"id": "12345"}), headers=bearer(token)
        )
        # No case reference: the statute's reads need one.
        no_case = await http.post(
            "/graphql", json=persisted(digest, {"id": prod.world.people[1].national_id}),
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
    error = answer.json()["errors"][0]
    assert_masked(error, "INVALID_NATIONAL_ID")
    assert error["message"] == "Invalid national code." and error["path"] == ["citizen"]
    assert "12345" not in answer.text
    for error in no_case.json()["errors"]:
        assert list(error["extensions"]) == ["code"]
    # Development says more about the same error.
    developed = await gateway.query(IDENTITY, {"id": "12345"})
    assert developed["errors"][0]["extensions"]["nationalId"] == "12345"


EVERY_RECORD = """query($ids: [String!]!) { citizens(nationalIds: $ids) {
  identity { firstName } birth { date father { identity { firstName } birth { date } }
  mother { identity { firstName } birth { date } } } address { city } insurance { status }
  schoolEnrollment { grade } taxStatus { cleared } death { date } } }"""


async def test_refusals_before_anything_runs_are_masked_too(prod: RunningGateway) -> None:
    """A syntax error, a query limit, a missing operationName and a cost over the budget are
    refused before the document runs; production shows their codes only, never the limits, the
    counts found, or the parser's view of the text."""
    refused = {
        "GRAPHQL_PARSE_FAILED": "{ citizen(nationalId: ] secret-looking-text }",
        "TOO_MANY_ALIASES": "{ " + " ".join(f"a{n}: __typename" for n in range(31)) + " }",
        "TOO_MANY_OPERATIONS": " ".join(f"query Q{n} {{ __typename }}" for n in range(11)),
        "BAD_REQUEST": "query A { __typename } query B { __typename }",
    }
    for code, document in refused.items():  # an agency admin may still send documents
        answer = await admin(prod, document, {})
        error = answer["errors"][0]
        assert_masked(error, code)
        assert error["message"] == PUBLIC_MESSAGES[ErrorCode(code)], answer
        assert "secret-looking-text" not in str(answer)
    client = await register_client(prod)
    digest = await safelist(prod, client[0], EVERY_RECORD)
    codes_asked = [person.national_id for person in prod.world.people * 2][:100]  # cost 12,200
    async with at(prod.app) as http:
        token = await token_of(http, *client)
        costly = await http.post(
            "/graphql", json=persisted(digest, {"ids": codes_asked}), headers=bearer(token)
        )
    assert costly.status_code == 400
    assert_masked(costly.json()["errors"][0], "QUERY_TOO_COMPLEX")


async def test_an_agency_manages_only_its_own_clients_safelists(prod: RunningGateway) -> None:
    civil_client = await register_client(prod)  # the civil registry's
    digest = await safelist(prod, civil_client[0], IDENTITY)
    education = "education_admin"
    attempts = [
        (REGISTER, {"c": civil_client[0], "d": "{ __typename }", "n": None}),
        (REMOVE, {"c": civil_client[0], "h": digest}),
        (
            "query($c: String!) { agencyRegistrations { persistedQueries(clientId: $c) "
            "{ sha256 } } }",
            {"c": civil_client[0]},
        ),
        (
            "query($c: String!) { agencyRegistrations { persistedQueryHistory(clientId: $c) "
            "{ version } } }",
            {"c": civil_client[0]},
        ),
    ]
    for query, variables in attempts:
        answer = await admin(prod, query, variables, role=education)
        assert codes(answer) == ["REGISTRATION_REFUSED"], answer
    # A service client cannot even send the mutation; and the safelist is unchanged.
    statute = await admin(prod, REGISTER, attempts[0][1], role="statutory")
    assert codes(statute) == ["PERSISTED_QUERY_REQUIRED"]
    listed = await admin(prod, attempts[2][0], {"c": civil_client[0]})
    assert [d["sha256"] for d in listed["data"]["agencyRegistrations"]["persistedQueries"]] == [
        digest
    ]


async def test_what_an_agency_sends_is_bounded(prod: RunningGateway) -> None:
    client_id, _ = await register_client(prod)
    too_big = "{ __typename " + " " * MAX_BYTES + "}"
    not_valid = "{ citizen { noSuchField } }"
    for document, name in ((too_big, None), (not_valid, None), ("{ __typename }", "n" * 101)):
        answer = await admin(prod, REGISTER, {"c": client_id, "d": document, "n": name})
        assert codes(answer) == ["REGISTRATION_REFUSED"], answer
        assert_masked(answer["errors"][0], "REGISTRATION_REFUSED")  # even an admin sees no more
    # At most MAX_DOCUMENTS per client.
    for n in range(MAX_DOCUMENTS):
        await safelist(prod, client_id, f"query Q{n} {{ __typename }}")
    answer = await admin(prod, REGISTER, {"c": client_id, "d": "query Last { __typename }"})
    assert codes(answer) == ["REGISTRATION_REFUSED"]
    async with prod.gateway.sessions() as session:
        assert await count_for(session, client_id) == MAX_DOCUMENTS
    bad_hash = await admin(prod, REMOVE, {"c": client_id, "h": "not-a-hash"})
    assert codes(bad_hash) == ["BAD_USER_INPUT"]
    unknown_client = await admin(prod, REGISTER, {"c": "x" * 5000, "d": "{ __typename }"})
    assert codes(unknown_client) == ["REGISTRATION_REFUSED"]


async def test_history_and_removal(prod: RunningGateway) -> None:
    client = await register_client(prod)
    first = await safelist(prod, client[0], IDENTITY)
    second = await safelist(prod, client[0], "query Other { __typename }")
    assert await safelist(prod, client[0], IDENTITY) == first  # again: no new version
    async with at(prod.app) as http:
        token = await token_of(http, *client)
        answer = await http.post("/graphql", json=persisted(second), headers=bearer(token))
        assert answer.json()["data"] == {"__typename": "Query"}
        removed = await admin(prod, REMOVE, {"c": client[0], "h": second})
        assert removed["data"]["removePersistedQuery"] is True
        await asyncio.sleep(prod.gateway.settings.reload_interval + 0.1)  # the worker's cache
        gone = await http.post("/graphql", json=persisted(second), headers=bearer(token))
        assert codes(gone.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    history = await admin(
        prod,
        "query($c: String!) { agencyRegistrations { persistedQueryHistory(clientId: $c) "
        "{ version action changedBy sha256 hashes } } }",
        {"c": client[0]},
    )
    changes = history["data"]["agencyRegistrations"]["persistedQueryHistory"]
    assert [(c["version"], c["action"], c["sha256"]) for c in changes] == [
        (3, "removed", second),
        (2, "registered", second),
        (1, "registered", first),
    ]
    assert changes[0]["hashes"] == [first]
    assert sorted(changes[1]["hashes"]) == sorted([first, second])


async def test_the_agency_command_line_manages_safelists_in_production(
    prod: RunningGateway, tmp_path: Path
) -> None:
    client_id, secret = await register_client(prod)
    document = tmp_path / "identity.graphql"
    document.write_text(IDENTITY, encoding="utf-8")
    async with serve(prod.app, lifespan="off") as url:
        cli = Cli(url, prod, tmp_path)
        code, added, err = await cli("safelist", "add", client_id, str(document), "--name", "id")
        assert code == 0, err
        assert added["sha256"] == sha(IDENTITY) and added["name"] == "id"
        code, listed, _ = await cli("safelist", "list", client_id)
        assert [d["sha256"] for d in listed] == [sha(IDENTITY)]
        code, _, err = await cli("safelist", "add", "newborn-insurance", str(document))
        assert code == 1 and "REGISTRATION_REFUSED" in err  # the health insurer's client
        code, removed, _ = await cli("safelist", "remove", client_id, sha(IDENTITY))
        assert code == 0 and removed is True
        code, history, _ = await cli("safelist", "history", client_id)
        assert [c["action"] for c in history] == ["removed", "registered"]
    async with at(prod.app) as http:  # and the client's limits were registered the same way
        assert await token_of(http, client_id, secret)


# -- development --------------------------------------------------------------------------------


async def test_in_development_a_refused_document_names_its_problems(
    gateway: RunningGateway,
) -> None:
    client_id, _ = await register_client(gateway)
    answer = await admin(gateway, REGISTER, {"c": client_id, "d": "{ citizen { noSuchField } }"})
    assert codes(answer) == ["REGISTRATION_REFUSED"]
    problems = answer["errors"][0]["extensions"]["problems"]
    assert any("noSuchField" in problem for problem in problems), problems


async def test_automatic_persisted_queries_in_development(gateway: RunningGateway) -> None:
    document = "query Apq { catalogue { agencies { code } } }"
    digest = sha(document)
    async with at(gateway.app) as http:
        first = await http.post("/graphql", json=persisted(digest))
        assert first.status_code == 200
        assert codes(first.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        sent = await http.post("/graphql", json=persisted(digest, query=document))
        assert sent.status_code == 200 and "errors" not in sent.json(), sent.text
        again = await http.post("/graphql", json=persisted(digest))
        assert again.json() == sent.json()
        mismatch = await http.post("/graphql", json=persisted("0" * 64, query=document))
        assert mismatch.status_code == 400 and codes(mismatch.json()) == ["BAD_REQUEST"]
        # Full documents still run in development, and introspection with them.
        assert (await http.post("/graphql", json={"query": document})).status_code == 200


def test_the_environment_is_checked() -> None:
    assert Settings(environment="production").introspection_enabled is False
    assert Settings(environment="production", introspection=True).introspection_enabled
    assert Settings(environment="development").graphiql_enabled is True
    with pytest.raises(ValueError, match="GATEWAY_ENV"):
        Settings(environment="staging")


async def test_production_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_ENV", "production")
    monkeypatch.setenv("GATEWAY_GRAPHIQL", "on")
    settings = get_settings()
    assert settings.production and settings.graphiql_enabled
    assert not settings.introspection_enabled


def test_every_code_has_a_public_message() -> None:
    """A code added without a generic message would be masked by a KeyError in production."""
    assert set(PUBLIC_MESSAGES) == set(ErrorCode)
    error = masked(GraphQLError("secret detail", extensions={"code": "NOT_A_CODE", "x": 1}))
    assert error.message == "Internal server error."
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR"}
