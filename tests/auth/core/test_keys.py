from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.core.access_tokens import TokenError, issue_access_token, verify_access_token
from auth.core.keys import KeyRing, SigningKeyPair
from store.models import SigningKey
from tests.auth.support import AUDIENCE, ISSUER, World
from tests.shared import FakeClock

LIFETIME = 1000
TTL = 100
# retires_at + token ttl + 30 s leeway
GRACE = TTL + 30


def _ring(sessions: async_sessionmaker[AsyncSession], world: World, clock: FakeClock) -> KeyRing:
    return KeyRing(
        sessions, world.box, lifetime_seconds=LIFETIME, token_ttl_seconds=TTL, clock=clock
    )


async def _kids(ring: KeyRing) -> set[str]:
    return {key["kid"] for key in (await ring.jwks())["keys"]}


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[SigningKey]:
    async with sessions() as session:
        return list((await session.scalars(select(SigningKey))).all())


def _token(key: SigningKeyPair, clock: FakeClock) -> str:
    return issue_access_token(
        key,
        issuer=ISSUER,
        audience=AUDIENCE,
        client_id="c",
        subject="c",
        scopes=["civil.birth"],
        ttl=TTL,
        now=int(clock()),
    )[0]


async def _verify(ring: KeyRing, token: str, clock: FakeClock) -> dict:
    return await verify_access_token(ring, token, issuer=ISSUER, audience=AUDIENCE, now=clock())


async def test_first_key_is_created_sealed_and_reused(
    empty_store: async_sessionmaker[AsyncSession], world: World
) -> None:
    clock = FakeClock()
    ring = _ring(empty_store, world, clock)
    first = await ring.current()
    assert (await ring.current()) is first
    (row,) = await _rows(empty_store)
    assert row.kid == first.kid
    assert row.kid == row.public_jwk["kid"]
    assert '"d"' not in row.private_jwk_sealed
    assert "d" in json.loads(world.box.open(row.private_jwk_sealed))
    assert "d" not in row.public_jwk
    # A restarted worker signs with the stored key instead of creating one.
    assert (await _ring(empty_store, world, clock).current()).kid == first.kid
    assert len(await _rows(empty_store)) == 1


async def test_rotation(empty_store: async_sessionmaker[AsyncSession], world: World) -> None:
    clock = FakeClock()
    ring = _ring(empty_store, world, clock)
    old = await ring.current()
    assert await _kids(ring) == {old.kid}

    # Shortly before retirement the successor is published, but the old key still signs.
    clock.advance(LIFETIME - TTL)
    assert (await ring.current()).kid == old.kid
    old_token = _token(old, clock)
    clock.advance(10)  # past the reload interval
    published = await _kids(ring)
    assert len(published) == 2 and old.kid in published

    # At retirement the successor signs; the retired key still verifies its tokens.
    clock.advance(TTL - 10)
    new = await ring.current()
    assert new.kid != old.kid and new.kid in published
    assert await _verify(ring, old_token, clock)
    new_token = _token(new, clock)
    assert await _verify(ring, new_token, clock)
    assert await _kids(ring) == {old.kid, new.kid}

    # Once its last token has expired (plus leeway), the old key is gone.
    clock.advance(GRACE)
    assert await _kids(ring) == {new.kid}
    assert await ring.key_for(old.kid) is None
    with pytest.raises(TokenError):
        await _verify(ring, old_token, clock)
    assert await _verify(ring, new_token, FakeClock(clock() - GRACE))
    assert (await ring.current()).kid == new.kid


async def test_successor_is_created_once_across_workers(
    empty_store: async_sessionmaker[AsyncSession], world: World
) -> None:
    clock = FakeClock()
    first, second = _ring(empty_store, world, clock), _ring(empty_store, world, clock)
    key = await first.current()
    assert (await second.current()).kid == key.kid
    clock.advance(LIFETIME - 100)
    await first.current()
    await second.current()  # sees the successor in the store and does not add another
    assert len(await _rows(empty_store)) == 2
    clock.advance(100)
    assert (await first.current()).kid == (await second.current()).kid != key.kid


async def test_unknown_kid_reloads_once_per_interval(
    empty_store: async_sessionmaker[AsyncSession], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    signer, verifier = _ring(empty_store, world, clock), _ring(empty_store, world, clock)
    await verifier.jwks()  # loads an empty store
    loads = 0
    original = KeyRing._load

    async def counting(self: KeyRing, now: datetime) -> None:
        nonlocal loads
        loads += 1
        await original(self, now)

    monkeypatch.setattr(KeyRing, "_load", counting)
    token = _token(await signer.current(), clock)
    loads = 0
    # Within the reload interval an unknown kid does not hit the store again.
    for _ in range(3):
        with pytest.raises(TokenError, match="unknown signing key"):
            await _verify(verifier, token, clock)
    assert loads == 0
    clock.advance(5)
    assert await _verify(verifier, token, clock)
    assert loads == 1
    for _ in range(3):
        await _verify(verifier, token, clock)
    assert loads == 1


async def test_racing_workers_do_not_break(
    empty_store: async_sessionmaker[AsyncSession], world: World
) -> None:
    clock = FakeClock()
    rings = [_ring(empty_store, world, clock) for _ in range(4)]
    keys = await asyncio.gather(*(ring.current() for ring in rings))
    rows = await _rows(empty_store)
    assert 1 <= len(rows) <= len(rings)
    clock.advance(5)
    tokens = [_token(key, clock) for key in keys]
    # Whichever key each worker signs with, every worker verifies every token ...
    for ring in rings:
        for token in tokens:
            assert await _verify(ring, token, clock)
    # ... and a worker starting now picks the same (earliest-retiring) key as the others will.
    expected = min(rows, key=lambda row: (row.retires_at, row.kid)).kid
    assert (await _ring(empty_store, world, clock).current()).kid == expected


def test_invalid_configuration(world: World) -> None:
    with pytest.raises(ValueError):
        KeyRing(world.sessions, world.box, lifetime_seconds=0, token_ttl_seconds=300)
