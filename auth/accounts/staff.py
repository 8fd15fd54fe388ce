"""Agency staff accounts for the agency console: each bound to one agency with a role (VIEWER
looks, ADMIN changes), logging in as citizens do (argon2id in a worker thread, the same store
throttle: each attempt reserved before its password is checked), with browser sessions of their
own whose forms carry an HMAC CSRF token.

A logged-in staff member acts as their agency's admin (`staff_principal`): the console calls the
same resolvers as the GraphQL API, so a change is validated and versioned once, and a VIEWER is
refused every change there (`Principal.read_only`). A national sign-on can replace the password
check later behind `staff_login`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.accounts.login import Outcome, check_password, hash_password
from auth.accounts.sessions import csrf_matches, csrf_token_of, new_session, session_id_hash
from auth.accounts.throttle import MAX_KEY_LENGTH, Keys, Throttle
from auth.core.principal import Basis, Principal
from ratelimit import address_key
from standard.datasets import AGENCY_ADMIN_SCOPE
from standard.errors import Refused
from standard.statuses import StaffRole
from store.db import aware, transaction
from store.models import Agency
from store.staff_models import StaffAccount, StaffSession

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")  # 3..40: "staff:" + it fits an actor column
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_DISPLAY_NAME = 200
MAX_SESSION_ID = 100
STAFF_SESSION_LIFETIME = timedelta(hours=8)  # a working day; the cookie is a session cookie
ACTOR_PREFIX = "staff:"
_CSRF_CONTEXT = b"darvazeh console form v1"


@dataclass(frozen=True, slots=True)
class StaffDraft:
    username: str
    agency: str
    role: str
    display_name: str
    password: str


def draft_problems(draft: StaffDraft) -> list[str]:
    """Every fault of a new account, each as `field: problem`."""
    problems = []
    if not USERNAME.fullmatch(draft.username):
        problems.append(
            "username: 3 to 40 characters of a-z, 0-9, '.', '_' or '-', starting with a letter "
            "or digit"
        )
    if draft.role not in set(StaffRole):
        problems.append(f"role: one of {', '.join(StaffRole)}")
    if not draft.display_name.strip() or len(draft.display_name) > MAX_DISPLAY_NAME:
        problems.append(f"displayName: 1 to {MAX_DISPLAY_NAME} characters")
    if not MIN_PASSWORD <= len(draft.password) <= MAX_PASSWORD:
        problems.append(f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return problems


async def create_staff(
    session: AsyncSession, draft: StaffDraft, *, created_by: str
) -> StaffAccount:
    """Add a staff account to the draft's agency (in the caller's transaction); Refused naming
    every problem. A username is unique across agencies; a taken one is refused in words that
    do not say which agency holds it."""
    problems = draft_problems(draft)
    if await session.get(Agency, draft.agency) is None:
        problems.append(f"agency: unknown agency {draft.agency!r}")
    if not problems and await session.get(StaffAccount, draft.username) is not None:
        problems.append(f"username: {draft.username!r} is taken; choose another")
    if problems:
        raise Refused(problems)
    now = datetime.now(UTC)
    account = StaffAccount(
        username=draft.username,
        agency_code=draft.agency,
        role=draft.role,
        display_name=draft.display_name.strip(),
        password_hash=await hash_password(draft.password),
        enabled=True,
        created_by=created_by[:64],
        created_at=now,
        password_changed_at=now,
    )
    session.add(account)
    await session.flush()
    return account


async def list_staff(sessions: async_sessionmaker[AsyncSession], agency: str) -> list[StaffAccount]:
    async with sessions() as session:
        query = (
            select(StaffAccount)
            .where(StaffAccount.agency_code == agency)
            .order_by(StaffAccount.username)
        )
        return list((await session.scalars(query)).all())


async def set_staff_enabled(
    session: AsyncSession, username: str, *, agency: str, enabled: bool
) -> StaffAccount:
    """Enable or disable one of the agency's staff; disabling ends their sessions at once."""
    account = await session.get(StaffAccount, username)
    if account is None or account.agency_code != agency:
        raise Refused([f"username: agency {agency!r} has no staff account {username!r}"])
    account.enabled = enabled
    if not enabled:
        await session.execute(delete(StaffSession).where(StaffSession.username == username))
    return account


# -- logging in ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffLogin:
    outcome: Outcome  # OK, INVALID (wrong, unknown or disabled: one answer), MALFORMED, THROTTLED
    username: str
    retry_after: int = 0


def staff_keys(username: str, address: str | None) -> Keys:
    """The throttle's keys: the account (apart from citizens' keys) and the address, which
    counts failures across citizens and staff alike."""
    return Keys(
        counted=f"staff:{username}"[:MAX_KEY_LENGTH],
        trusted=False,
        address=f"ip:{address_key(address)}"[:MAX_KEY_LENGTH] if address else None,
    )


async def staff_login(
    sessions: async_sessionmaker[AsyncSession],
    throttle: Throttle,
    username: str,
    password: str,
    *,
    address: str | None,
    now: datetime | None = None,
) -> StaffLogin:
    now = now or datetime.now(UTC)
    username = username.strip().lower()
    if not USERNAME.fullmatch(username) or len(password) > MAX_PASSWORD:
        return StaffLogin(Outcome.MALFORMED, username[:40])
    keys = staff_keys(username, address)
    if wait := await throttle.reserve(keys, now):
        return StaffLogin(Outcome.THROTTLED, username, wait)
    async with sessions() as session:
        account = await session.get(StaffAccount, username)
    stored = account.password_hash if account is not None and account.enabled else None
    matches, rehash = await check_password(stored, password)
    if not password or not matches:
        await throttle.failed(keys, now)
        return StaffLogin(Outcome.INVALID, username)
    await throttle.succeeded(keys)
    if rehash:
        new_hash = await hash_password(password)
        async with transaction(sessions) as session:
            found = await session.get(StaffAccount, username)
            if found is not None:
                found.password_hash = new_hash
    return StaffLogin(Outcome.OK, username)


# -- sessions --------------------------------------------------------------------------------


async def start_staff_session(
    sessions: async_sessionmaker[AsyncSession], username: str, now: datetime | None = None
) -> str:
    """A new session; returns its id (for the cookie only: the store keeps its hash)."""
    now = now or datetime.now(UTC)
    session_id, columns = new_session(now, STAFF_SESSION_LIFETIME)
    async with transaction(sessions) as session:
        await session.execute(
            delete(StaffSession).where(
                StaffSession.username == username, StaffSession.expires_at <= now
            )
        )
        session.add(StaffSession(username=username, **columns))
    return session_id


@dataclass(frozen=True, slots=True)
class StaffMember:
    """Who is logged in to the console, as read for one request."""

    username: str
    display_name: str
    agency: str
    role: StaffRole
    csrf_secret: str
    session_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN


async def find_staff_session(
    sessions: async_sessionmaker[AsyncSession], session_id: str | None
) -> StaffMember | None:
    """The live session's staff member; None when unknown, expired, or the account disabled."""
    if not session_id or len(session_id) > MAX_SESSION_ID:
        return None
    async with sessions() as session:
        found = (
            await session.execute(
                select(StaffSession, StaffAccount)
                .join(StaffAccount, StaffAccount.username == StaffSession.username)
                .where(StaffSession.id_hash == session_id_hash(session_id))
            )
        ).one_or_none()
    if found is None:
        return None
    row, account = found
    if aware(row.expires_at) <= datetime.now(UTC) or not account.enabled:
        return None
    return StaffMember(
        username=account.username,
        display_name=account.display_name,
        agency=account.agency_code,
        role=StaffRole(account.role),
        csrf_secret=row.csrf_secret,
        session_hash=row.id_hash,
    )


async def end_staff_session(
    sessions: async_sessionmaker[AsyncSession], session_id: str | None
) -> None:
    if not session_id or len(session_id) > MAX_SESSION_ID:
        return
    async with transaction(sessions) as session:
        await session.execute(
            delete(StaffSession).where(StaffSession.id_hash == session_id_hash(session_id))
        )


def staff_csrf_token(member: StaffMember) -> str:
    return csrf_token_of(member.csrf_secret, _CSRF_CONTEXT)


def staff_csrf_valid(member: StaffMember | None, submitted: object) -> bool:
    secret = None if member is None else member.csrf_secret
    return csrf_matches(secret, submitted, _CSRF_CONTEXT)


def staff_principal(member: StaffMember) -> Principal:
    """The staff member as their agency's admin: the same authorization as the agency's admin
    client; a VIEWER's changes are refused by every resolver that changes something."""
    return Principal(
        client_id=f"{ACTOR_PREFIX}{member.username}",
        agency=member.agency,
        basis=Basis.AGENCY_ADMIN,
        scopes=frozenset({AGENCY_ADMIN_SCOPE}),
        token_id=f"console:{member.session_hash[:16]}",
        read_only=not member.is_admin,
    )
