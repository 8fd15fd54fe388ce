"""Citizen login for the embedded demo: national code + password, behind a pluggable
Authenticator so a national single sign-on can replace the password check later.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile). Hashing is
deliberately slow, so it runs in a worker thread, never on the event loop. Each attempt is
reserved in the store before its password is checked (auth/accounts/throttle.py), so concurrent
attempts cannot outrun the limit on any worker. A correct password then still has to belong to a
living citizen: an ended account is refused at once, and otherwise the civil registry is asked.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.accounts.devices import trusted_device
from auth.accounts.ended import EndReason, ended
from auth.accounts.throttle import Keys, Throttle
from auth.core.system_checks import CitizenCheck, DeathCheck, DeathCheckUnavailable
from standard.national_id import InvalidNationalId
from standard.national_id import parse_typed as parse_national_id
from store.citizen_models import CitizenAccount
from store.db import transaction

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


async def check_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash) of a password against a stored argon2 hash, in a worker thread;
    with no stored hash it is checked against a decoy, so a missing account costs the same."""
    matches, rehash = await asyncio.to_thread(_verify, stored or _decoy_hash(), password)
    return matches and stored is not None, rehash


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
        matches, rehash = await check_password(stored, password)
        if not matches:
            return False
        if rehash:
            new_hash = await hash_password(password)
            async with transaction(self._sessions) as session:
                account = await session.get(CitizenAccount, national_id)
                if account is not None:
                    account.password_hash = new_hash
        return True


class Outcome(Enum):
    OK = "ok"
    INVALID = "invalid"  # wrong password or unknown citizen: deliberately the same answer
    MALFORMED = "malformed"  # not a well-formed national code
    THROTTLED = "throttled"
    ENDED = "ended"  # the right password, but the citizen's access has ended (`ended_reason`)
    UNAVAILABLE = "unavailable"  # the civil registry could not confirm the citizen is alive


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: Outcome
    national_id: str  # canonical when well-formed; as typed (bounded) otherwise
    retry_after: int = 0  # seconds, when THROTTLED
    ended_reason: EndReason | None = None  # when ENDED
    trusted_device: bool = False  # the attempt came from a browser trusted for this citizen


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """What the browser sent, and from where."""

    national_id: str
    password: str
    address: str | None = None
    device_cookie: str | None = None  # auth.accounts.devices: set once this browser logged in


async def attempt_login(
    authenticator: Authenticator,
    throttle: Throttle,
    attempt: LoginAttempt,
    *,
    sessions: async_sessionmaker[AsyncSession],
    deaths: DeathCheck | None = None,
    now: datetime | None = None,
) -> LoginResult:
    """One login attempt: refused early when malformed or throttled; the attempt is counted
    before the password is checked; a correct password of an ended (or newly found deceased)
    citizen is refused with the reason."""
    now = now or datetime.now(UTC)
    try:
        national_id = parse_national_id(attempt.national_id)
    except InvalidNationalId:
        return LoginResult(Outcome.MALFORMED, attempt.national_id)
    device = await trusted_device(sessions, attempt.device_cookie, national_id, now)
    keys = Keys.of(national_id, device=device, address=attempt.address)
    if wait := await throttle.reserve(keys, now):
        # Not even checked: a throttled guesser learns nothing, right or wrong.
        return LoginResult(Outcome.THROTTLED, national_id, wait)
    trusted = device is not None
    if not attempt.password or not await authenticator.authenticate(national_id, attempt.password):
        await throttle.failed(keys, now)
        return LoginResult(Outcome.INVALID, national_id, trusted_device=trusted)
    await throttle.succeeded(keys)
    # Only now, after the password: nobody learns of a death by typing a national code.
    reason = (await ended(sessions, [national_id])).get(national_id)
    if reason is None and deaths is not None:
        try:
            if national_id in await deaths.deceased([national_id], CitizenCheck.LOGIN):
                reason = EndReason.DECEASED
        except DeathCheckUnavailable:
            return LoginResult(Outcome.UNAVAILABLE, national_id, trusted_device=trusted)
    if reason is not None:
        return LoginResult(Outcome.ENDED, national_id, ended_reason=reason, trusted_device=trusted)
    return LoginResult(Outcome.OK, national_id, trusted_device=trusted)
