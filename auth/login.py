"""Citizen login for the embedded demo: national code + password, behind a pluggable
Authenticator so a national single sign-on can replace the password check later.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile). Hashing is
deliberately slow, so it runs in a worker thread, never on the event loop. Failed attempts are
counted in the store (per national code and per client address), so every worker sees them.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schema.national_id import is_valid as is_valid_national_id
from store.citizen_models import CitizenAccount, LoginThrottle
from store.db import aware, transaction

_HASHER = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4


class Authenticator(Protocol):
    async def authenticate(self, national_id: str, password: str) -> bool:
        """True when the password proves the citizen's identity. Never raises for bad input."""
        ...


def hash_password_sync(password: str) -> str:
    """An argon2id hash (blocking: call from a thread, or use `hash_password`)."""
    return _HASHER.hash(password)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(hash_password_sync, password)


@functools.cache
def _decoy_hash() -> str:
    # Verified against when the account does not exist, so an unknown national code costs the
    # same time as a wrong password and timing does not reveal who has an account.
    return _HASHER.hash("decoy password that matches nothing")


def _verify(stored: str, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash)."""
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, _HASHER.check_needs_rehash(stored)


class PasswordAuthenticator:
    """Checks a CitizenAccount's argon2id hash; upgrades the hash when the parameters change."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def authenticate(self, national_id: str, password: str) -> bool:
        async with self._sessions() as session:
            stored = await session.scalar(
                select(CitizenAccount.password_hash).where(
                    CitizenAccount.national_id == national_id
                )
            )
        matches, rehash = await asyncio.to_thread(_verify, stored or _decoy_hash(), password)
        if not matches or stored is None:
            return False
        if rehash:
            new_hash = await hash_password(password)
            async with transaction(self._sessions) as session:
                account = await session.get(CitizenAccount, national_id)
                if account is not None:
                    account.password_hash = new_hash
        return True


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    limit: int  # failures within `window` that trigger a block
    window: timedelta
    block: timedelta


# One person guessing at one account, and one address guessing across accounts. The address limit
# is higher: many citizens can share an address (a carrier's NAT, an office).
PER_ACCOUNT = ThrottleRule(5, timedelta(minutes=15), timedelta(minutes=15))
PER_ADDRESS = ThrottleRule(20, timedelta(minutes=15), timedelta(minutes=15))


class Outcome(Enum):
    OK = "ok"
    INVALID = "invalid"  # wrong password or unknown citizen: deliberately the same answer
    MALFORMED = "malformed"  # not a well-formed national code
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: Outcome
    national_id: str
    retry_after: int = 0  # seconds, when THROTTLED


class Throttle:
    """Store-backed failure counting; any worker sees the same counts."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        account: ThrottleRule = PER_ACCOUNT,
        address: ThrottleRule = PER_ADDRESS,
    ) -> None:
        self._sessions = sessions
        self._rules = {"id": account, "ip": address}

    @staticmethod
    def keys(national_id: str, address: str | None) -> dict[str, str]:
        keys = {"id": f"id:{national_id}"}
        if address:
            keys["ip"] = f"ip:{address}"[:100]
        return keys

    async def blocked_for(self, keys: dict[str, str], now: datetime) -> int:
        """Seconds until every key may try again; 0 when none is blocked."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(LoginThrottle).where(LoginThrottle.key.in_(keys.values()))
            )
            until = [aware(r.blocked_until) for r in rows if r.blocked_until is not None]
        longest = max((moment for moment in until if moment > now), default=None)
        return 0 if longest is None else max(1, int((longest - now).total_seconds()))

    async def record_failure(self, keys: dict[str, str], now: datetime) -> None:
        async with transaction(self._sessions) as session:
            for kind, key in keys.items():
                rule = self._rules[kind]
                row = await session.scalar(
                    select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
                )
                if row is None:
                    row = LoginThrottle(key=key, failures=0, window_started_at=now)
                    session.add(row)
                elif aware(row.window_started_at) + rule.window <= now:
                    row.failures, row.window_started_at, row.blocked_until = 0, now, None
                row.failures += 1
                if row.failures >= rule.limit:
                    row.blocked_until = now + rule.block

    async def clear(self, key: str) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


async def attempt_login(
    authenticator: Authenticator,
    throttle: Throttle,
    *,
    national_id: str,
    password: str,
    address: str | None,
    now: datetime | None = None,
) -> LoginResult:
    """One login attempt: refused early when malformed or throttled, counted when it fails."""
    now = now or datetime.now(UTC)
    national_id = national_id.strip()
    if not is_valid_national_id(national_id):
        return LoginResult(Outcome.MALFORMED, national_id)
    keys = Throttle.keys(national_id, address)
    if wait := await throttle.blocked_for(keys, now):
        # Not even checked: a blocked guesser learns nothing, right or wrong.
        return LoginResult(Outcome.THROTTLED, national_id, wait)
    if not password or not await authenticator.authenticate(national_id, password):
        await throttle.record_failure(keys, now)
        return LoginResult(Outcome.INVALID, national_id)
    # The account's count restarts; the address's does not, or one real account would let an
    # address guess at others without limit.
    await throttle.clear(keys["id"])
    return LoginResult(Outcome.OK, national_id)
