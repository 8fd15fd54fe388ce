"""Citizen login (auth/accounts/login.py): argon2id passwords, and the throttle's address rule as
the login applies it. The login page over HTTP is tests/web/test_login_page.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.accounts.login import (
    LoginAttempt,
    Outcome,
    PasswordAuthenticator,
    attempt_login,
    hash_password,
)
from auth.accounts.throttle import AddressRule, Throttle
from tests.harness import RunningGateway
from tests.web.support import ensure_account, unknown_citizen


async def test_passwords_are_argon2id_and_verified(gateway: RunningGateway) -> None:
    hashed = await hash_password("s3cret")
    assert hashed.startswith("$argon2id$") and "s3cret" not in hashed
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen, "s3cret")
    check = PasswordAuthenticator(gateway.gateway.sessions)
    assert await check.authenticate(citizen, "s3cret") is True
    assert await check.authenticate(citizen, "s3cret ") is False
    assert await check.authenticate(unknown_citizen(gateway), "s3cret") is False


async def test_a_restricted_address_makes_no_second_guess(gateway: RunningGateway) -> None:
    throttle = Throttle(
        gateway.gateway.sessions,
        address=AddressRule(3, timedelta(minutes=15)),
    )

    class Never:
        async def authenticate(self, national_id: str, password: str) -> bool:
            return False

    class Always:
        async def authenticate(self, national_id: str, password: str) -> bool:
            return True

    sessions = gateway.gateway.sessions
    now = datetime.now(UTC)
    address = "192.0.2.77"
    tried = [unknown_citizen(gateway, 10 + i) for i in range(3)]
    for someone in tried:
        attempt = LoginAttempt(someone, "x", address=address)
        result = await attempt_login(Never(), throttle, attempt, sessions=sessions, now=now)
        assert result.outcome is Outcome.INVALID
    # Past its limit the address may not guess again at an account it tried...
    again = LoginAttempt(tried[0], "x", address=address)
    blocked = await attempt_login(Always(), throttle, again, sessions=sessions, now=now)
    assert blocked.outcome is Outcome.THROTTLED and 0 < blocked.retry_after <= 15 * 60
    # ... but another citizen behind it still logs in,
    other = LoginAttempt(unknown_citizen(gateway, 20), "x", address=address)
    ok = await attempt_login(Always(), throttle, other, sessions=sessions, now=now)
    assert ok.outcome is Outcome.OK
    # and once the address has been quiet for the window, it is free again.
    later = now + timedelta(minutes=16)
    free = await attempt_login(Always(), throttle, again, sessions=sessions, now=later)
    assert free.outcome is Outcome.OK
