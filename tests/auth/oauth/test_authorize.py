"""The authorization endpoint: what it refuses before a citizen sees anything, and the hand-off
to and from the consent screen (complete_authorization / deny_authorization)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from auth.oauth.authorize import (
    AuthorizationRequestGone,
    complete_authorization,
    deny_authorization,
)
from tests.auth.support import (
    DATASETS,
    ISSUER,
    LOOPBACK,
    OTHER,
    PARENT,
    REDIRECT,
    Flow,
    assert_error_page,
    query_of,
    redirected_error,
)
from tests.harness import RunningGateway


async def test_a_valid_request_goes_to_the_consent_screen(flow: Flow) -> None:
    params = flow.request_params(scope="civil.birth civil.identity", dpop_jkt="a" * 43)
    request_id = await flow.request_id(await flow.authorize(params))
    row = await flow.pending(request_id)
    assert row is not None and not row.pushed and row.used_at is None
    assert row.client_id == "school"
    assert row.params["scope"] == "civil.birth civil.identity"
    assert row.params["redirect_uri"] == REDIRECT
    assert row.params["state"] == params["state"]
    assert row.params["code_challenge"] == params["code_challenge"]
    assert row.params["dpop_jkt"] == "a" * 43
    assert row.params["iss"] == ISSUER
    lifetime = row.expires_at - row.created_at
    assert lifetime == timedelta(minutes=10)


async def test_post_works_like_get(flow: Flow) -> None:
    response = await flow.http.post("/oauth/authorize", data=flow.request_params())
    await flow.request_id(response)


async def test_no_scope_asks_for_the_whole_card(flow: Flow) -> None:
    request_id = await flow.request_id(await flow.authorize(flow.request_params(scope=None)))
    row = await flow.pending(request_id)
    assert row is not None and row.params["scope"] == " ".join(DATASETS)


async def test_unknown_client_gets_an_error_page(flow: Flow) -> None:
    response = await flow.authorize(flow.request_params("no-such-client"))
    assert_error_page(response, "Unknown or disabled client")
    response = await flow.authorize(flow.request_params(client_id=None))
    assert_error_page(response, "client_id")


async def test_disabled_client_gets_an_error_page(flow: Flow) -> None:
    await flow.set_client("school-2", enabled=False)
    try:
        response = await flow.authorize(flow.request_params("school-2"))
    finally:
        await flow.set_client("school-2", enabled=True)
    assert_error_page(response, "Unknown or disabled client")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.test/callback",
        REDIRECT + "/",  # exact match only: no prefix matching
        REDIRECT + "?x=1",
        "https://school.test/callback/../callback",
        "http://127.0.0.1:9999/callback",  # loopback, but another port
        None,
    ],
)
async def test_unregistered_redirect_uri_gets_an_error_page(
    flow: Flow, redirect_uri: str | None
) -> None:
    response = await flow.authorize(flow.request_params(redirect_uri=redirect_uri))
    assert_error_page(response, "redirect_uri")


async def test_http_redirect_uri_only_on_loopback(flow: Flow) -> None:
    # Registration refuses it; a row that holds one anyway is still never redirected to.
    await flow.set_client("school-2", redirect_uris=["http://school.test/callback", LOOPBACK])
    try:
        insecure = await flow.authorize(
            flow.request_params("school-2", redirect_uri="http://school.test/callback")
        )
        loopback = await flow.authorize(flow.request_params("school-2", redirect_uri=LOOPBACK))
    finally:
        await flow.set_client("school-2", redirect_uris=[REDIRECT, LOOPBACK])
    assert_error_page(insecure, "https")
    await flow.request_id(loopback)


@pytest.mark.parametrize("response_type", ["token", "id_token", "code token", "code id_token"])
async def test_only_response_type_code(flow: Flow, response_type: str) -> None:
    params = flow.request_params(response_type=response_type)
    answer = redirected_error(await flow.authorize(params))
    assert answer["error"] == "unsupported_response_type"
    assert answer["state"] == params["state"]


async def test_missing_response_type(flow: Flow) -> None:
    answer = redirected_error(await flow.authorize(flow.request_params(response_type=None)))
    assert answer["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "PKCE is required"),
        ({"code_challenge": None}, "PKCE is required"),
        ({"code_challenge_method": "plain"}, "S256"),
        ({"code_challenge_method": None}, "S256"),  # absent means plain
        ({"code_challenge": "short"}, "43 characters"),
    ],
)
async def test_pkce_s256_is_required(flow: Flow, overrides: dict, words: str) -> None:
    params = flow.request_params(**overrides)
    answer = redirected_error(await flow.authorize(params))
    assert answer["error"] == "invalid_request"
    assert words in answer["error_description"]
    assert answer["state"] == params["state"]


async def test_over_asking_is_refused_with_a_clear_error(flow: Flow) -> None:
    params = flow.request_params(scope="civil.identity tax.status social.coverage")
    answer = redirected_error(await flow.authorize(params))
    assert answer["error"] == "invalid_scope"
    description = answer["error_description"]
    assert "school-enrolment" in description
    assert "civil.address, civil.birth, civil.identity" in description
    assert "tax.status, social.coverage" in description
    assert answer["state"] == params["state"]


async def test_unknown_scope_is_refused(flow: Flow) -> None:
    answer = redirected_error(await flow.authorize(flow.request_params(scope="openid")))
    assert answer["error"] == "invalid_scope"


async def test_statute_client_may_not_ask_for_consent(flow: Flow) -> None:
    params = flow.request_params("census", scope="civil.birth")
    answer = redirected_error(await flow.authorize(params))
    assert answer["error"] == "unauthorized_client"


@pytest.mark.parametrize("name", ["state", "scope", "code_challenge", "response_type"])
async def test_repeated_parameters_are_refused(flow: Flow, name: str) -> None:
    params = list(flow.request_params().items())
    params.append((name, dict(params)[name]))  # the same value twice is still a repeat
    answer = redirected_error(await flow.authorize(params))
    assert answer["error"] == "invalid_request"
    assert name in answer["error_description"]
    if name == "state":
        assert "state" not in answer  # which of the two would it be?


@pytest.mark.parametrize("name", ["client_id", "redirect_uri"])
async def test_repeated_client_or_redirect_uri_gets_an_error_page(flow: Flow, name: str) -> None:
    params = list(flow.request_params().items())
    params.append((name, dict(params)[name]))
    assert_error_page(await flow.authorize(params), f"Repeated parameters: {name}")


async def test_response_mode_other_than_query_is_refused(flow: Flow) -> None:
    answer = redirected_error(await flow.authorize(flow.request_params(response_mode="fragment")))
    assert answer["error"] == "invalid_request"


async def test_complete_authorization_issues_a_code_with_state_and_iss(flow: Flow) -> None:
    params = flow.request_params(redirect_uri=LOOPBACK)
    request_id = await flow.request_id(await flow.authorize(params))
    url = await flow.approve(request_id, datasets=["civil.identity"])
    assert url.startswith(LOOPBACK + "?")
    answer = query_of(url)
    assert set(answer) == {"code", "state", "iss"}
    assert answer["state"] == params["state"] and answer["iss"] == ISSUER
    assert len(answer["code"]) >= 43


async def test_a_request_completes_once(flow: Flow) -> None:
    request_id = await flow.request_id(await flow.authorize(flow.request_params()))
    await flow.approve(request_id)
    with pytest.raises(AuthorizationRequestGone):
        await flow.approve(request_id)
    with pytest.raises(AuthorizationRequestGone):
        await deny_authorization(flow.sessions, request_id=request_id)


async def test_a_request_expires_after_ten_minutes(flow: Flow) -> None:
    request_id = await flow.request_id(await flow.authorize(flow.request_params()))
    flow.clock.advance(601)
    with pytest.raises(AuthorizationRequestGone):
        await flow.approve(request_id)


async def test_unknown_request_is_gone(flow: Flow) -> None:
    with pytest.raises(AuthorizationRequestGone):
        await deny_authorization(flow.sessions, request_id="nope")


async def test_deny_returns_access_denied_with_state_and_iss(flow: Flow) -> None:
    params = flow.request_params()
    request_id = await flow.request_id(await flow.authorize(params))
    url = await deny_authorization(flow.sessions, request_id=request_id)
    answer = redirected_error(httpx.Response(303, headers={"location": url}))
    assert answer["error"] == "access_denied"
    assert answer["state"] == params["state"]
    with pytest.raises(AuthorizationRequestGone):
        await flow.approve(request_id)


async def test_granted_datasets_must_be_within_the_request_and_the_consent(flow: Flow) -> None:
    request_id = await flow.request_id(
        await flow.authorize(flow.request_params(scope="civil.identity"))
    )
    consent_id = await flow.consent(datasets=DATASETS)
    for datasets in (["civil.identity", "civil.birth"], []):
        with pytest.raises(ValueError, match="datasets"):
            await complete_authorization(
                flow.sessions,
                request_id=request_id,
                citizen=PARENT,
                subject=PARENT,
                datasets=datasets,
                consent_id=consent_id,
            )
    with pytest.raises(ValueError, match="consent"):  # another citizen's consent
        await complete_authorization(
            flow.sessions,
            request_id=request_id,
            citizen=OTHER,
            subject=OTHER,
            datasets=["civil.identity"],
            consent_id=consent_id,
        )
    # Refusals leave the request usable.
    url = await complete_authorization(
        flow.sessions,
        request_id=request_id,
        citizen=PARENT,
        subject=PARENT,
        datasets=["civil.identity"],
        consent_id=consent_id,
    )
    assert "code" in query_of(url)


async def test_a_pushed_request_id_cannot_be_completed_directly(flow: Flow) -> None:
    response = await flow.post("/oauth/par", "school", flow.request_params())
    assert response.status_code == 201, response.text
    request_id = response.json()["request_uri"].rsplit(":", 1)[1]
    with pytest.raises(AuthorizationRequestGone):
        await flow.approve(request_id)


async def test_the_gateway_serves_the_protocol_routes(gateway: RunningGateway) -> None:
    http = gateway.http
    document = (await http.get("/.well-known/oauth-authorization-server")).json()
    assert (await http.get("/.well-known/openid-configuration")).json() == document
    issuer = gateway.gateway.settings.issuer
    assert document["authorization_endpoint"] == f"{issuer}/oauth/authorize"
    response = await http.get("/oauth/authorize", params={"client_id": "nobody"})
    assert_error_page(response, "Unknown or disabled client")
