"""What tests in several folders share: a fresh SQLite store, clocks a test moves, base64url and
JWT helpers, PKCE pairs. (The running gateway is tests/harness.py.)"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth.oauth.clients import ROLE_SERVICE
from auth.oauth.registration import create_client
from standard.life_events import REPORT_SCOPE
from standard.statuses import LegalBasis
from store.db import create_engine, sessionmaker
from store.models import Base, ServiceCard


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value).encode())


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a compact JWS, unverified."""
    value = json.loads(b64url_decode(token.split(".")[1]))
    assert isinstance(value, dict)
    return value


def s256(verifier: str) -> str:
    """base64url(SHA-256(value)): a PKCE S256 challenge, a DPoP `ath`."""
    return b64url(hashlib.sha256(verifier.encode()).digest())


def pkce_pair() -> tuple[str, str]:
    """(code verifier, its S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


class MovableClock:
    """Real time plus an offset the test moves (for what must also be stamped in real time, such
    as DPoP proofs)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@contextlib.asynccontextmanager
async def sqlite_store(
    path: Path,
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """A gateway store of the test's own: a SQLite file with every table, disposed after."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield engine, sessionmaker(engine)
    finally:
        await engine.dispose()


async def reporting_client(
    sessions: async_sessionmaker[AsyncSession], agency: str, client_id: str
) -> dict[str, Any]:
    """A statutory card of `agency` listing life_events.report, and a client of it: the facts a
    RunningGateway's `clients` keep (client id and secret)."""
    card_id = f"{client_id}-card"
    async with sessions() as session, session.begin():
        session.add(
            ServiceCard(
                id=card_id,
                agency_code=agency,
                name_fa="گزارش رویدادهای زندگی",
                name_en="Life event reports",
                datasets=[REPORT_SCOPE],
                legal_basis=LegalBasis.STATUTE.value,
                statute="Civil Registration Act, art. 1",
            )
        )
        await session.flush()
        _, secret = await create_client(
            session,
            client_id=client_id,
            name=client_id,
            agency_code=agency,
            role=ROLE_SERVICE,
            scopes=[REPORT_SCOPE],
            grant_types=["client_credentials"],
            service_card_id=card_id,
        )
    return {"client_id": client_id, "client_secret": secret, "scopes": [REPORT_SCOPE]}
