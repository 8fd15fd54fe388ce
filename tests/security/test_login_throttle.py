"""The login throttle holds under concurrency and locks nobody out.

- 30 concurrent wrong passwords for one account, over real HTTP against the real app: at most the
  limit (5) are checked; the rest are refused before any password check. The reservation is a
  compare-and-set in the store, so it holds across workers, on SQLite and on PostgreSQL.
- An address past its failure limit is restricted, not blocked: another citizen behind it still
  logs in; the address can make no second guess at any account.
- Nobody can lock a citizen out: the account waits a growing delay (30 s after 5 failures,
  doubling to 15 min), never a hard block, and the citizen's own (trusted) browser is counted
  apart, so it logs in at once whatever an attacker does elsewhere.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from auth.accounts.login import PasswordAuthenticator
from auth.accounts.throttle import ACCOUNT, Keys, Throttle
from standard.national_id import with_check_digit
from store.db import create_engine, sessionmaker
from store.migrate import upgrade_async
from tests.conftest import fresh_database
from tests.harness import BASE_URL, RunningGateway, serve
from tests.web.support import PASSWORD, browser, csrf_of, ensure_account, login
from web.browser import DEVICE_COOKIE

CONCURRENT = 30
_fresh = itertools.count()


def fresh_citizen(gateway: RunningGateway) -> str:
    """A valid national code of nobody in the world, used by no other test."""
    known = {p.national_id for p in gateway.world.people}
    while True:
        code = with_check_digit(f"{300_000_000 + next(_fresh) * 7919:09d}")
        if code not in known:
            return code


class CountingAuthenticator:
    """The real password check, counted: how many attempts reached it."""

    def __init__(self, inner: PasswordAuthenticator) -> None:
        self.inner = inner
        self.checked = 0

    async def authenticate(self, national_id: str, password: str) -> bool:
        self.checked += 1
        return await self.inner.authenticate(national_id, password)


@pytest.fixture
async def counting(gateway: RunningGateway) -> AsyncIterator[CountingAuthenticator]:
    counter = CountingAuthenticator(PasswordAuthenticator(gateway.gateway.sessions))
    saved, gateway.gateway.authenticator = gateway.gateway.authenticator, counter
    try:
        yield counter
    finally:
        gateway.gateway.authenticator = saved


async def _attempt(base_url: str, national_id: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url) as client:
        page = await client.get("/login")
        form = {"csrf_token": csrf_of(page.text), "national_id": national_id, "password": password}
        return await client.post("/login", data=form)


async def test_concurrent_wrong_passwords_check_at_most_the_limit(
    gateway: RunningGateway, counting: CountingAuthenticator
) -> None:
    victim = fresh_citizen(gateway)
    await ensure_account(gateway, victim)
    async with serve(gateway.app, lifespan="off") as url:
        answers = await asyncio.gather(
            *(_attempt(url, victim, f"guess-{n}") for n in range(CONCURRENT))
        )
        checked = counting.checked
        right = await _attempt(url, victim, PASSWORD)
    statuses = sorted(answer.status_code for answer in answers)
    # Exactly the free attempts were checked; every other one was refused before its check.
    assert checked == ACCOUNT.free, statuses
    assert statuses.count(401) == checked and statuses.count(429) == CONCURRENT - checked
    # (30 s from the fifth attempt, rounded up from the moment each arrived)
    assert all(0 < int(a.headers["retry-after"]) <= 31 for a in answers if a.status_code == 429)
    # The right password now waits too (its turn is not yet due), unchecked.
    assert right.status_code == 429 and counting.checked == checked


async def _reserve_concurrently(sessions: object, key: str, now: datetime) -> list[int]:
    throttle = Throttle(sessions)  # type: ignore[arg-type]
    keys = Keys(counted=key, trusted=False, address=None)
    return list(await asyncio.gather(*(throttle.reserve(keys, now) for _ in range(CONCURRENT))))


async def test_reservations_hold_on_postgresql(postgres_url: str) -> None:
    url = await fresh_database(postgres_url, "darvazeh_throttle_test")
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        waits = await _reserve_concurrently(
            sessionmaker(engine), "id:0012345679", datetime.now(UTC)
        )
    finally:
        await engine.dispose()
    assert waits.count(0) == ACCOUNT.free
    assert all(0 < wait <= 30 for wait in waits if wait)


async def test_reservations_hold_on_sqlite(gateway: RunningGateway) -> None:
    sessions = gateway.gateway.sessions
    waits = await _reserve_concurrently(sessions, f"id:{fresh_citizen(gateway)}", datetime.now(UTC))
    assert waits.count(0) == ACCOUNT.free


async def test_a_restricted_address_still_lets_another_citizen_in(
    gateway: RunningGateway, counting: CountingAuthenticator
) -> None:
    neighbour = fresh_citizen(gateway)
    await ensure_account(gateway, neighbour)
    # One address (a carrier's NAT) sprays wrong passwords across 21 accounts: past its limit.
    nat = httpx.ASGITransport(app=gateway.app, client=("10.77.0.1", 40000))
    async with httpx.AsyncClient(transport=nat, base_url=BASE_URL) as sprayer:
        sprayed = [fresh_citizen(gateway) for _ in range(21)]
        for someone in sprayed:
            assert (await login(sprayer, someone, "Winter2025!")).status_code == 401
        checked = counting.checked
        # A second guess at an account it tried: refused, unchecked.
        again = await login(sprayer, sprayed[0], "Summer2025!")
        assert again.status_code == 429 and counting.checked == checked
    # Another citizen behind the same address, with the right password: let in.
    async with httpx.AsyncClient(transport=nat, base_url=BASE_URL) as other:
        response = await login(other, neighbour)
    assert response.status_code == 303, response.text


async def test_an_attacker_cannot_lock_the_citizen_out(
    gateway: RunningGateway, counting: CountingAuthenticator
) -> None:
    citizen = fresh_citizen(gateway)
    await ensure_account(gateway, citizen)
    async with browser(gateway, **{"Accept-Language": "en"}) as own:
        first = await login(own, citizen)  # the citizen's own browser becomes trusted
        assert first.status_code == 303 and own.cookies.get(DEVICE_COOKIE)
        await own.post(
            "/logout", data={"csrf_token": csrf_of((await own.get("/me/consents")).text)}
        )
        # An attacker hammers the account from many addresses, concurrently.
        async with serve(gateway.app, lifespan="off") as url:
            await asyncio.gather(*(_attempt(url, citizen, f"x{n}") for n in range(CONCURRENT)))
        async with browser(gateway) as stranger:
            delayed = await login(stranger, citizen)
        # A new browser waits the growing delay: seconds, not a 15-minute block ...
        assert delayed.status_code == 429
        assert 0 < int(delayed.headers["retry-after"]) <= 31
        # ... and the citizen's own browser is not slowed at all.
        checked = counting.checked
        again = await login(own, citizen)
        assert again.status_code == 303, again.text
        assert counting.checked == checked + 1


async def test_the_growing_delay_schedule(gateway: RunningGateway) -> None:
    throttle = Throttle(gateway.gateway.sessions)
    keys = Keys(counted=f"id:{fresh_citizen(gateway)}", trusted=False, address=None)
    now = datetime.now(UTC)
    waits = []
    for _ in range(12):
        wait = await throttle.reserve(keys, now)
        if wait:  # nothing was counted: come back when told, and the attempt goes ahead
            waits.append(wait)
            now += timedelta(seconds=wait)
            assert await throttle.reserve(keys, now) == 0
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    # An hour without attempts and the count starts again.
    assert await throttle.reserve(keys, now + timedelta(hours=1, seconds=1)) == 0


def test_an_ipv6_network_is_one_address() -> None:
    """A host holds a whole IPv6 /64: rotating through it does not escape the address's
    restriction. An IPv4-mapped IPv6 address is its IPv4 address."""
    code = "0012345678"
    one = Keys.of(code, device=None, address="2001:db8:5:1::1")
    assert Keys.of(code, device=None, address="2001:db8:5:1:ffff::9").address == one.address
    assert Keys.of(code, device=None, address="2001:db8:5:2::1").address != one.address
    mapped = Keys.of(code, device=None, address="::ffff:10.1.2.3")
    assert mapped.address == Keys.of(code, device=None, address="10.1.2.3").address
