"""Rate limits per client and per citizen at /graphql, /oauth/token, /oauth/par and /login: a 429
with Retry-After once a key is over, on Redis and on the store, and exact across two app
instances sharing one store."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ratelimit.leases import LEASE_SHARE
from tests.conftest import fresh_database
from tests.harness import RunningGateway
from tests.resolvers.test_consent_tokens import consent_token
from tests.security.rate_support import (
    SMALL_LIMITS,
    TYPENAME,
    at,
    bearer,
    codes,
    limited_gateway,
    new_address,
    register_client,
    second_instance,
    token_of,
)
from tests.web.support import csrf_of, ensure_account, logged_in, login

IDENTITY = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"
_networks = itertools.count(1)


@pytest.fixture(scope="module", params=["store", "redis"])
async def gw(
    request: pytest.FixtureRequest, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningGateway]:
    """The same small limits, counted in the store (SQLite) or in Redis."""
    var_dir = Path(tmp_path_factory.mktemp(f"rate-{request.param}"))
    url = redis_url if request.param == "redis" else ""
    async with limited_gateway(var_dir, redis_url=url) as running:
        yield running


def assert_rate_limited(response: httpx.Response, window: int = SMALL_LIMITS.window) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["Retry-After"]) <= window


async def test_graphql_per_client_limit_comes_from_the_registration(gw: RunningGateway) -> None:
    client_id, secret = await register_client(gw, graphql=3)
    async with at(gw.app) as http:
        token = await token_of(http, client_id, secret)
        await asyncio.sleep(0.4)  # the registered limit reaches the worker's cache
        for _ in range(3):
            answer = await http.post("/graphql", json={"query": TYPENAME}, headers=bearer(token))
            assert answer.status_code == 200, answer.text
        refused = await http.post("/graphql", json={"query": TYPENAME}, headers=bearer(token))
        assert_rate_limited(refused)
        assert refused.json() == {
            "errors": [
                {
                    "message": refused.json()["errors"][0]["message"],
                    "extensions": {"code": "RATE_LIMITED"},
                }
            ],
        }
    # Another client is not affected, and without a registered limit it has the default (5).
    other_id, other_secret = await register_client(gw)
    async with at(gw.app) as http:
        token = await token_of(http, other_id, other_secret)
        statuses = [
            (
                await http.post("/graphql", json={"query": TYPENAME}, headers=bearer(token))
            ).status_code
            for _ in range(SMALL_LIMITS.client + 1)
        ]
    assert statuses == [200] * SMALL_LIMITS.client + [429]


async def test_registered_limits_are_bounded_by_the_ceilings(gw: RunningGateway) -> None:
    answer = await gw.query(
        "mutation($c: ServiceClientInput!) { registerServiceClient(input: $c) "
        "{ client { clientId } } }",
        {
            "c": {
                "serviceCard": "birth-certificate-issue",
                "name": "Greedy",
                "grantTypes": ["client_credentials"],
                "graphqlRateLimit": SMALL_LIMITS.client_ceiling + 1,
                "oauthRateLimit": 0,
            }
        },
        role="agency_admin",
        case_reference=None,
    )
    assert codes(answer) == ["REGISTRATION_REFUSED"]
    problems = answer["errors"][0]["extensions"]["problems"]
    assert len(problems) == 2 and "graphqlRateLimit" in problems[0]


async def test_reads_about_one_citizen_are_limited_over_every_client(gw: RunningGateway) -> None:
    citizen, other = gw.world.people[10].national_id, gw.world.people[11].national_id
    first, second = await register_client(gw, graphql=50), await register_client(gw, graphql=50)
    async with at(gw.app) as http:
        one, two = await token_of(http, *first), await token_of(http, *second)

        async def read(token: str, national_id: str) -> httpx.Response:
            body = {"query": IDENTITY, "variables": {"id": national_id}}
            return await http.post("/graphql", json=body, headers=bearer(token))

        # Three reads of the citizen (the limit), through two clients.
        for token in (one, two, one):
            answer = await read(token, citizen)
            assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        refused = await read(two, citizen)
        assert_rate_limited(refused)
        assert refused.json()["data"] == {"citizen": {"identity": None}}
        assert codes(refused.json()) == ["RATE_LIMITED"]
        # Another citizen is read as before; in one list, only the citizen over the limit fails.
        assert (await read(two, other)).status_code == 200
        many = await http.post(
            "/graphql",
            json={
                "query": "query($ids: [String!]!) { citizens(nationalIds: $ids) "
                "{ nationalId identity { firstName } } }",
                "variables": {"ids": [citizen, other]},
            },
            headers=bearer(one),
        )
        assert_rate_limited(many)
        found = many.json()["data"]["citizens"]
        assert found[0]["identity"] is None and found[1]["identity"] is not None
        assert [e["path"] for e in many.json()["errors"]] == [["citizens", 0, "identity"]]


async def test_nested_citizens_count_too(gw: RunningGateway) -> None:
    """A parent read through a child's birth record is a read about the parent."""
    child = next(p for p in gw.world.people if p.father_id)
    client = await register_client(gw, graphql=50)
    query = """query($id: String!) { citizen(nationalId: $id) {
      birth { father { identity { firstName } } } } }"""
    async with at(gw.app) as http:
        token = await token_of(http, *client)
        father = await http.post(
            "/graphql", json={"query": IDENTITY, "variables": {"id": child.father_id}},
            headers=bearer(token),
        )  # fmt: skip
        assert father.status_code == 200
        outcomes = []
        for _ in range(SMALL_LIMITS.subject):
            answer = await http.post(
                "/graphql", json={"query": query, "variables": {"id": child.national_id}},
                headers=bearer(token),
            )  # fmt: skip
            outcomes.append((answer.status_code, codes(answer.json())))
    # The father's first read plus two nested ones reach the limit of three; the third is refused.
    assert outcomes[:2] == [(200, []), (200, [])]
    assert outcomes[2] == (429, ["RATE_LIMITED"])


async def test_a_portal_session_is_limited_per_citizen(gw: RunningGateway) -> None:
    citizen = gw.world.people[20].national_id
    async with logged_in(gw, citizen) as browser:
        statuses = []
        for _ in range(SMALL_LIMITS.citizen + 1):
            answer = await browser.get("/graphql", params={"query": "{ me { nationalId } }"})
            statuses.append(answer.status_code)
        assert statuses == [200] * SMALL_LIMITS.citizen + [429]
        assert_rate_limited(answer)
        assert codes(answer.json()) == ["RATE_LIMITED"]


async def test_consent_tokens_are_limited_per_citizen(gw: RunningGateway) -> None:
    """The citizen behind consent tokens, whichever token: a second grant does not reset it."""
    citizen = gw.world.people[21].national_id
    tokens = [
        (await consent_token(gw, citizen=citizen, subject=citizen, datasets=["civil.identity"]))[0]
        for _ in range(2)
    ]
    statuses = []
    async with at(gw.app) as http:
        for index in range(SMALL_LIMITS.citizen + 1):
            headers = {"Authorization": f"Bearer {tokens[index % 2]}"}
            answer = await http.post("/graphql", json={"query": TYPENAME}, headers=headers)
            statuses.append(answer.status_code)
    assert statuses == [200] * SMALL_LIMITS.citizen + [429]


async def test_requests_without_a_token_are_limited_per_address(gw: RunningGateway) -> None:
    address = new_address()
    async with at(gw.app, address) as http:
        statuses = [
            (await http.post("/graphql", json={"query": TYPENAME})).status_code
            for _ in range(SMALL_LIMITS.anonymous + 1)
        ]
        # A token that fails to verify counts as no token.
        bad = await http.post(
            "/graphql", json={"query": TYPENAME}, headers={"Authorization": "Bearer x.y.z"}
        )
    assert statuses == [200] * SMALL_LIMITS.anonymous + [429]
    assert_rate_limited(bad)
    async with at(gw.app) as elsewhere:
        assert (await elsewhere.post("/graphql", json={"query": TYPENAME})).status_code == 200


async def test_an_ipv6_host_rotating_through_its_network_counts_as_one_address(
    gw: RunningGateway,
) -> None:
    """A host holds a whole IPv6 /64 and can send every request from a new address of it: each
    per-address limit counts the network, not the address (anonymous /graphql, failed OAuth
    attempts, /login)."""
    network = f"2001:db8:{next(_networks):x}:{id(gw) % 0xFFFF:x}"
    rotating = (f"{network}::{n:x}" for n in itertools.count(1))
    graphql = []
    for _ in range(SMALL_LIMITS.anonymous + 1):
        async with at(gw.app, next(rotating)) as http:
            graphql.append((await http.post("/graphql", json={"query": TYPENAME})).status_code)
    assert graphql == [200] * SMALL_LIMITS.anonymous + [429]
    oauth = []
    for _ in range(SMALL_LIMITS.oauth_address + 1):
        async with at(gw.app, next(rotating)) as http:
            answer = await http.post(
                "/oauth/token", data={"grant_type": "client_credentials"}, auth=("nobody", "x")
            )
            oauth.append(answer.status_code)
    assert oauth == [401] * SMALL_LIMITS.oauth_address + [429]
    login_codes = [p.national_id for p in gw.world.people[34:40]]
    logins = []
    for citizen in login_codes[: SMALL_LIMITS.login_address + 1]:
        async with at(gw.app, next(rotating)) as http:
            logins.append((await _login_attempt(http, citizen)).status_code)
    assert logins[-1] == 429 and 429 not in logins[:-1], logins
    # An IPv4 client written as an IPv4-mapped IPv6 address is that IPv4 address.
    ipv4 = new_address()
    async with at(gw.app, ipv4) as plain, at(gw.app, f"::ffff:{ipv4}") as mapped:
        for _ in range(SMALL_LIMITS.anonymous):
            assert (await plain.post("/graphql", json={"query": TYPENAME})).status_code == 200
        assert_rate_limited(await mapped.post("/graphql", json={"query": TYPENAME}))


async def test_token_endpoint_per_client_limit(gw: RunningGateway) -> None:
    client_id, secret = await register_client(gw, oauth=2)
    await asyncio.sleep(0.4)
    async with at(gw.app) as http:
        for _ in range(2):
            await token_of(http, client_id, secret)
        refused = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    assert_rate_limited(refused)
    assert refused.json()["error"] == "rate_limited"
    assert refused.headers["cache-control"] == "no-store"


async def test_failed_client_authentication_counts_per_address_not_per_client(
    gw: RunningGateway,
) -> None:
    """Someone guessing a client's secret is stopped at their address, and spends nothing of
    the client's own allowance."""
    client_id, secret = await register_client(gw)
    async with at(gw.app) as guesser:
        statuses = [
            (
                await guesser.post(
                    "/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, f"wrong-{n}"),
                )
            ).status_code
            for n in range(SMALL_LIMITS.oauth_address + 1)
        ]
    assert statuses == [401] * SMALL_LIMITS.oauth_address + [429]
    async with at(gw.app) as owner:
        for _ in range(SMALL_LIMITS.oauth):  # the client's whole allowance is still there
            await token_of(owner, client_id, secret)


async def test_par_per_client_limit(gw: RunningGateway) -> None:
    consent = gw.clients["consent"]
    auth = (consent["client_id"], consent["client_secret"])
    async with at(gw.app) as http:
        statuses = [
            (await http.post("/oauth/par", data={"response_type": "code"}, auth=auth)).status_code
            for _ in range(SMALL_LIMITS.oauth + 1)
        ]
        assert statuses == [400] * SMALL_LIMITS.oauth + [429]  # authenticated, then refused
        refused = await http.post("/oauth/par", data={"response_type": "code"}, auth=auth)
    assert_rate_limited(refused)
    assert refused.json()["error"] == "rate_limited"


async def _login_attempt(http: httpx.AsyncClient, national_id: str) -> httpx.Response:
    page = await http.get("/login")
    form = {"csrf_token": csrf_of(page.text), "national_id": national_id, "password": "wrong"}
    return await http.post("/login", data=form)


async def test_login_per_national_code_and_address(gw: RunningGateway) -> None:
    one, two, three = (gw.world.people[n].national_id for n in (30, 31, 32))
    for citizen in (one, two, three):
        await ensure_account(gw, citizen)
    address = new_address()
    async with at(gw.app, address) as http:
        tries = [(await _login_attempt(http, one)).status_code for _ in range(3)]
        refused = await _login_attempt(http, one)
        assert tries == [401, 401, 401]
        assert_rate_limited(refused)
        assert "Too many attempts" in refused.text or "بیش از حد" in refused.text
        # Another code from the same address: allowed until the address's own limit (5).
        assert (await _login_attempt(http, two)).status_code == 401
        assert_rate_limited(await _login_attempt(http, three))
    async with at(gw.app) as elsewhere:  # the citizen is not locked out from elsewhere
        assert (await _login_attempt(elsewhere, one)).status_code == 401


async def test_the_citizens_own_browser_is_not_kept_out_by_the_login_rate(
    gw: RunningGateway,
) -> None:
    """Someone behind the citizen's address (a carrier's NAT, an office) fills that code's and
    that address's /login rate: the citizen's own trusted browser still logs in (its attempts
    are throttled on a count of their own), while a browser new to the account waits the window
    like anyone's."""
    citizen = next(p.national_id for p in gw.world.people[33:] if p.death_date is None)
    await ensure_account(gw, citizen)
    address = new_address()
    async with at(gw.app, address) as own:
        assert (await login(own, citizen)).status_code == 303  # now trusted for the citizen
        async with at(gw.app, address) as neighbour:
            for _ in range(SMALL_LIMITS.login_address):
                await _login_attempt(neighbour, citizen)
            assert_rate_limited(await _login_attempt(neighbour, citizen))
        again = await login(own, citizen)
        assert again.status_code == 303, again.text
    async with at(gw.app, address) as stranger:
        assert_rate_limited(await login(stranger, citizen))


# -- two workers on one store ------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres", "redis"])
async def shared(
    request: pytest.FixtureRequest,
    postgres_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[RunningGateway]:
    var_dir = Path(tmp_path_factory.mktemp(f"shared-{request.param}"))
    store = None
    if request.param == "postgres":
        store = await fresh_database(postgres_url, "darvazeh_rate_limits_test")
    url = redis_url if request.param == "redis" else ""
    async with limited_gateway(var_dir, store_url=store, redis_url=url) as running:
        yield running


async def _burst(apps: list[Any], token: str, count: int, body: dict[str, Any]) -> list[int]:
    clients = [at(app) for app in apps]
    try:
        answers = await asyncio.gather(
            *(
                clients[n % len(clients)].post("/graphql", json=body, headers=bearer(token))
                for n in range(count)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    return [answer.status_code for answer in answers]


async def test_concurrent_requests_on_two_instances_never_exceed_the_limit(
    shared: RunningGateway,
) -> None:
    limit = 12
    client_id, secret = await register_client(shared, graphql=limit)
    async with second_instance(shared) as other, at(shared.app) as http:
        token = await token_of(http, client_id, secret)
        await asyncio.sleep(0.4)
        statuses = await _burst([shared.app, other], token, 4 * limit, {"query": TYPENAME})
    assert statuses.count(200) == limit, statuses
    assert statuses.count(429) == 3 * limit


async def test_concurrent_reads_of_one_citizen_on_two_instances(shared: RunningGateway) -> None:
    citizen = shared.world.people[40].national_id
    client_id, secret = await register_client(shared, graphql=200)
    body = {"query": IDENTITY, "variables": {"id": citizen}}
    async with second_instance(shared) as other, at(shared.app) as http:
        token = await token_of(http, client_id, secret)
        statuses = await _burst([shared.app, other], token, 8 * SMALL_LIMITS.subject, body)
    assert statuses.count(200) == SMALL_LIMITS.subject, statuses


async def test_a_busy_client_leases_on_the_store_within_the_documented_bound(
    shared: RunningGateway,
) -> None:
    """A large limit on the store is counted in leases: never above the limit, and below it by
    at most instances x limit / LEASE_SHARE (docs/rate-limits.md)."""
    limit = 160
    client_id, secret = await register_client(shared, graphql=limit)
    async with second_instance(shared) as other, at(shared.app) as http:
        token = await token_of(http, client_id, secret)
        await asyncio.sleep(0.4)
        statuses = []
        for _ in range(4):  # bursts, so leases grow on both instances
            statuses += await _burst([shared.app, other], token, limit // 2, {"query": TYPENAME})
    allowed = statuses.count(200)
    assert limit - 2 * (limit // LEASE_SHARE) <= allowed <= limit, allowed
    print(f"{allowed} of {len(statuses)} allowed with a limit of {limit} over two instances")
