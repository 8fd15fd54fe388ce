"""Login throttling in the store, so every worker sees the same counts.

An attempt is *reserved* before its password is checked: a compare-and-set on the key's row
(`UPDATE ... WHERE attempts = <what was read>`), so of any number of concurrent attempts exactly
as many are checked as the schedule allows, on SQLite and PostgreSQL alike. A success clears the
key. Three kinds of key:

- the account (`id:<national code>`) for browsers the citizen has never logged in with: a few free
  attempts, then a delay that doubles with each further attempt up to a cap. Never a hard block.
- a trusted browser (`dev:<hash>`), one the citizen has logged in with before
  (auth.accounts.devices): counted apart, on the same schedule, so attempts made elsewhere never
  slow the citizen's own browser. An attacker can delay guesses at an account; they cannot lock
  its owner out.
- the client address (`ip:<address>`): failed attempts across accounts. Past its limit the address
  is *restricted*, not blocked: it may still try an account that has no counted attempt (so another
  citizen behind the same address still logs in) or use a trusted browser, but it can no longer
  make a second guess at any account.

The schedule is in docs/citizen-accounts.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ratelimit import address_key
from store.citizen_models import LoginThrottle
from store.db import aware, transaction

# A reservation that keeps losing the race to others answers "wait a second" rather than loop.
MAX_RACES = 20
MAX_KEY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class DelaySchedule:
    """How long an account (or trusted browser) waits before its next attempt."""

    free: int  # attempts with no wait between them
    first_delay: timedelta  # the wait after the `free`-th attempt; it doubles after each further
    max_delay: timedelta  # ... up to this
    quiet_reset: timedelta  # no attempt for this long and the count starts again

    def delay(self, attempts: int) -> timedelta:
        """The wait after `attempts` counted attempts."""
        if attempts < self.free:
            return timedelta(0)
        doublings = min(attempts - self.free, 32)
        return min(self.first_delay * (1 << doublings), self.max_delay)

    def next_allowed(self, attempts: int, now: datetime) -> datetime | None:
        """When the next attempt may be made; None when at once. (Not `now`: a concurrent
        attempt's clock read a moment earlier must not see a wait of a microsecond.)"""
        wait = self.delay(attempts)
        return now + wait if wait else None


@dataclass(frozen=True, slots=True)
class AddressRule:
    limit: int  # failed attempts across accounts before the address is restricted
    quiet_reset: timedelta  # no failure for this long and the count starts again


# 5 free attempts; then 30 s, 1, 2, 4, 8 min, and 15 min from the 10th attempt on. Counting
# restarts after a success, or after an hour without attempts.
ACCOUNT = DelaySchedule(5, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1))
DEVICE = ACCOUNT
# Many citizens can share an address (a carrier's NAT, an office): a higher limit.
ADDRESS = AddressRule(20, timedelta(minutes=15))


@dataclass(frozen=True, slots=True)
class Keys:
    """The throttle keys of one attempt."""

    counted: str  # the account's key, or the trusted browser's
    trusted: bool  # `counted` is a trusted browser's key
    address: str | None

    @classmethod
    def of(cls, national_id: str, *, device: str | None, address: str | None) -> Keys:
        counted = f"dev:{device}" if device else f"id:{national_id}"
        return cls(
            counted=counted[:MAX_KEY_LENGTH],
            trusted=device is not None,
            address=f"ip:{address_key(address)}"[:MAX_KEY_LENGTH] if address else None,
        )


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


class Throttle:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        account: DelaySchedule = ACCOUNT,
        device: DelaySchedule = DEVICE,
        address: AddressRule = ADDRESS,
    ) -> None:
        self._sessions = sessions
        self._account = account
        self._device = device
        self._address = address

    async def reserve(self, keys: Keys, now: datetime) -> int:
        """Count one attempt before its password is checked: 0 when it may go ahead, else the
        seconds to wait (nothing is counted then)."""
        restricted_for = 0 if keys.trusted else await self._restricted_for(keys.address, now)
        schedule = self._device if keys.trusted else self._account
        for _ in range(MAX_RACES):
            async with self._sessions() as session:
                row = (
                    await session.execute(
                        select(
                            LoginThrottle.attempts,
                            LoginThrottle.last_attempt_at,
                            LoginThrottle.next_allowed_at,
                        ).where(LoginThrottle.key == keys.counted)
                    )
                ).one_or_none()
            if row is None:
                if await self._insert(keys.counted, schedule, now):
                    return 0
                continue
            attempts, last, next_allowed = row
            quiet = aware(last) + schedule.quiet_reset <= now
            counted = 0 if quiet else attempts
            if not quiet and next_allowed is not None and aware(next_allowed) > now:
                return _seconds(aware(next_allowed) - now)
            if restricted_for and counted > 0:
                # A restricted address makes no second guess at any account.
                return restricted_for
            if await self._advance(keys.counted, schedule, attempts, counted + 1, now):
                return 0
        return 1

    async def failed(self, keys: Keys, now: datetime) -> None:
        """A checked attempt failed: the address counts it (the account counted it already)."""
        if keys.address is None:
            return
        rule = self._address
        for _ in range(MAX_RACES):
            async with self._sessions() as session:
                row = (
                    await session.execute(
                        select(LoginThrottle.attempts, LoginThrottle.last_attempt_at).where(
                            LoginThrottle.key == keys.address
                        )
                    )
                ).one_or_none()
            if row is None:
                if await self._insert(keys.address, None, now):
                    return
                continue
            attempts, last = row
            counted = 0 if aware(last) + rule.quiet_reset <= now else attempts
            if await self._advance(keys.address, None, attempts, counted + 1, now):
                return

    async def succeeded(self, keys: Keys) -> None:
        """The owner logged in: their count restarts. The address's does not, or one real
        account would let an address guess at others without limit."""
        async with transaction(self._sessions) as session:
            await session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.counted))

    async def _restricted_for(self, address: str | None, now: datetime) -> int:
        """Seconds until the address is no longer restricted; 0 when it is not."""
        if address is None:
            return 0
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(LoginThrottle.attempts, LoginThrottle.last_attempt_at).where(
                        LoginThrottle.key == address
                    )
                )
            ).one_or_none()
        if row is None or row.attempts < self._address.limit:
            return 0
        ends = aware(row.last_attempt_at) + self._address.quiet_reset
        return _seconds(ends - now) if ends > now else 0

    async def _insert(self, key: str, schedule: DelaySchedule | None, now: datetime) -> bool:
        """The key's first attempt; False when a concurrent attempt inserted it first."""
        try:
            async with transaction(self._sessions) as session:
                await session.execute(
                    insert(LoginThrottle).values(
                        key=key,
                        attempts=1,
                        last_attempt_at=now,
                        next_allowed_at=schedule.next_allowed(1, now) if schedule else None,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def _advance(
        self, key: str, schedule: DelaySchedule | None, seen: int, attempts: int, now: datetime
    ) -> bool:
        """Compare-and-set: count to `attempts` if nobody moved the row since it showed `seen`."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key, LoginThrottle.attempts == seen)
                .values(
                    attempts=attempts,
                    last_attempt_at=now,
                    next_allowed_at=schedule.next_allowed(attempts, now) if schedule else None,
                )
            )
        return cast("CursorResult[Any]", result).rowcount == 1
