"""What the bench reads besides timings: tokens, the two services' answers compared, and the
source calls of a 100-citizen query counted in-process (Source.calls, diffed around the query)."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from typing import Any

import httpx

from bench.load import BATCH_QUERY, CASE_REFERENCE, CATALOGUE_QUERY, SINGLE_QUERY
from server import create_app
from settings import Settings


def token(base_url: str, client: dict[str, Any]) -> str:
    response = httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _headers(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "Darvazeh-Case-Reference": CASE_REFERENCE}


def strip_retrieved_at(value: Any) -> Any:
    """The answer without retrievedAt, which differs by nature."""
    if isinstance(value, dict):
        return {k: strip_retrieved_at(v) for k, v in value.items() if k != "retrievedAt"}
    if isinstance(value, list):
        return [strip_retrieved_at(item) for item in value]
    return value


def compare(gateway_url: str, bare_url: str, access_token: str, ids: list[str]) -> list[str]:
    """Ask both services for each id; return the ids whose answers differ (empty: equivalent)."""
    differing: list[str] = []
    with httpx.Client(timeout=30) as client:
        for national_id in ids:
            ours = client.post(
                f"{gateway_url}/graphql",
                json={"query": SINGLE_QUERY, "variables": {"id": national_id}},
                headers=_headers(access_token),
            ).json()
            theirs = client.get(f"{bare_url}/citizen/{national_id}").json()
            if "errors" in ours or strip_retrieved_at(ours["data"]) != strip_retrieved_at(theirs):
                differing.append(national_id)
    return differing


def compare_graphql(
    gateway_url: str, access_token: str, other_url: str, ids: list[str], batch: list[str]
) -> list[str]:
    """Ask the gateway and another GraphQL server (Hive Gateway, no token) the same queries, for
    each of ids and for the batch at once; the ids whose answers differ ("batch" for the batch)."""
    differing: list[str] = []
    asked = [(national_id, SINGLE_QUERY, {"id": national_id}) for national_id in ids]
    with httpx.Client(timeout=30) as client:
        for name, query, variables in [*asked, ("batch", BATCH_QUERY, {"ids": batch})]:
            body = {"query": query, "variables": variables}
            ours = client.post(
                f"{gateway_url}/graphql", json=body, headers=_headers(access_token)
            ).json()
            theirs = client.post(f"{other_url}/graphql", json=body).json()
            if (
                "errors" in ours
                or "errors" in theirs
                or (strip_retrieved_at(ours["data"]) != strip_retrieved_at(theirs["data"]))
            ):
                differing.append(name)
    return differing


async def count_source_calls(
    settings: Settings, client: dict[str, Any], ids: list[str]
) -> dict[str, Any]:
    """Run the 100-citizen query against an in-process app; diff each source's call counter."""
    app = create_app(settings)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=settings.base_url, timeout=30
            )
        )
        response = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        response.raise_for_status()
        headers = _headers(response.json()["access_token"])
        sources = app.state.gateway.registry.sources()
        before = {source.id: source.calls for source in sources}
        answer = await http.post(
            "/graphql", json={"query": BATCH_QUERY, "variables": {"ids": ids}}, headers=headers
        )
        calls = {source.id: source.calls - before[source.id] for source in sources}
        body = answer.json()
    return {
        "citizens": len(ids),
        "sources": len(sources),
        "calls_by_source": calls,
        "calls": sum(calls.values()),
        "errors": len(body.get("errors") or []),
        "answered": len((body.get("data") or {}).get("citizens") or []),
    }


def wait_for_probes(base_url: str, since: datetime, timeout: float = 30.0) -> None:
    """Until every source on /readyz was probed since `since` (the gateway probes each one as it
    starts): before that, the catalogue would count a source not probed yet as not connected."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sources = httpx.get(f"{base_url}/readyz", timeout=10).json().get("sources") or {}
        fresh = [datetime.fromisoformat(s["probed_at"]) >= since for s in sources.values()]
        if fresh and all(fresh):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the gateway did not probe its sources within {timeout:g}s")


def catalogue_facts(base_url: str) -> dict[str, Any]:
    """What the benchmarked catalogue query answers: cards, connected, unconnected listed."""
    response = httpx.post(f"{base_url}/graphql", json={"query": CATALOGUE_QUERY}, timeout=30)
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"the catalogue query failed: {body['errors'][:1]}")
    catalogue = body["data"]["catalogue"]
    return {
        "cards": catalogue["coverage"]["total"],
        "connected": catalogue["coverage"]["connected"],
        "share": round(catalogue["coverage"]["share"], 3),
        "agencies": len(catalogue["agencies"]),
        "unconnected_listed": catalogue["cards"]["totalCount"],
        "response_bytes": len(response.content),
    }
