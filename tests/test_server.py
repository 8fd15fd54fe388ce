"""The app's own endpoints: health, readiness, GraphiQL, and the auth documents it mounts."""

from __future__ import annotations

from tests.harness import RunningGateway


async def test_healthz(gateway: RunningGateway) -> None:
    response = await gateway.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_shows_the_store_and_each_sources_health(gateway: RunningGateway) -> None:
    await gateway.gateway.registry.probe_all()
    await gateway.gateway.registry.flush_health()
    body = (await gateway.http.get("/readyz")).json()
    assert body["store"] == "ok"
    registered = {source.id for source in gateway.gateway.registry.sources()}
    assert registered <= set(body["sources"])
    for source_id in registered:
        health = body["sources"][source_id]
        assert health["probe_ok"] is True and health["probed_at"], health
        assert health["breaker"] == "closed" and health["source_id"] == source_id
        assert health["status"] in {"HEALTHY", "DEGRADED"}, health
        assert {"calls", "error_rate", "latency_p50_ms", "last_success_at"} <= set(health)
    assert body["status"] in {"ok", "degraded"}


async def test_graphiql_is_served_without_a_cdn(gateway: RunningGateway) -> None:
    response = await gateway.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "unpkg.com" not in response.text
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js"):
        assert f"/static/graphiql/{asset}" in response.text
        assert (await gateway.http.get(f"/static/graphiql/{asset}")).status_code == 200


async def test_graphiql_is_in_the_readers_language_around_an_english_editor(
    gateway: RunningGateway,
) -> None:
    persian = await gateway.http.get("/graphql", headers={"Accept": "text/html"})
    english = await gateway.http.get(
        "/graphql", params={"lang": "en"}, headers={"Accept": "text/html"}
    )
    assert '<html lang="fa" dir="rtl">' in persian.text
    assert 'href="/developers">برای توسعه‌دهندگان</a>' in persian.text
    assert '<html lang="en" dir="ltr">' in english.text
    assert 'href="/graphql?lang=fa"' in english.text  # the language switch
    # GraphiQL itself speaks English, left to right, on either page.
    assert '<main id="graphiql" class="graphiql-container" lang="en" dir="ltr">' in persian.text
    assert "<script>" not in persian.text  # no inline script: the CSP allows none


async def test_introspection_needs_no_token(gateway: RunningGateway) -> None:
    response = await gateway.post("{ __schema { queryType { name } } }", role=None)
    assert response.status_code == 200
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_metadata_and_jwks_are_published(gateway: RunningGateway) -> None:
    metadata = (await gateway.http.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == "http://127.0.0.1:8000"
    assert metadata["token_endpoint"] == "http://127.0.0.1:8000/oauth/token"
    assert "civil.birth" in metadata["scopes_supported"]
    jwks = (await gateway.http.get("/.well-known/jwks.json")).json()
    assert jwks["keys"] and all(
        key["kty"] == "EC" and key["alg"] == "ES256" for key in jwks["keys"]
    )
