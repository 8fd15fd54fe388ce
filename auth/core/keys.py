"""Rotating ES256 signing keys, kept in the store and shared by every worker.

A key's life: it is published (JWKS) from `created_at`, signs from its activation until
`retires_at`, then only verifies until `expires_at`, when the last token it signed has expired.
The successor of the signing key is created `publish_ahead` seconds before the signing key retires,
so verifiers that cache the JWKS already know it when it starts signing. The signing key is, at any
instant, the stored key with the earliest `retires_at` still in the future: every worker reading
the same rows picks the same key, whoever created it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db import aware, transaction
from store.models import SigningKey
from store.secrets import SecretBox

ALGORITHM = "ES256"
CURVE = "P-256"
# Verifiers accept this much clock skew, so a key must outlive its last token by as much.
CLOCK_LEEWAY_SECONDS = 30
# The JWKS endpoint lets caches keep the document this long; a successor is published earlier.
JWKS_MAX_AGE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A key as verifiers see it; `jwk` is parsed once and reused for every verification."""

    kid: str
    jwk: ECKey
    public_jwk: dict[str, Any]
    created_at: datetime
    retires_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SigningKeyPair:
    """The key that signs now, with its private half (unsealed only for this key)."""

    kid: str
    jwk: ECKey
    retires_at: datetime
    expires_at: datetime


class KeyRing:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        *,
        lifetime_seconds: int,
        token_ttl_seconds: int,
        publish_ahead_seconds: int | None = None,
        reload_interval_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if lifetime_seconds <= 0 or token_ttl_seconds <= 0:
            raise ValueError("key lifetime and token ttl must be positive")
        self._sessions = sessions
        self._box = box
        self._lifetime = timedelta(seconds=lifetime_seconds)
        self._grace = timedelta(seconds=token_ttl_seconds + CLOCK_LEEWAY_SECONDS)
        ahead = (
            publish_ahead_seconds
            if publish_ahead_seconds is not None
            else min(2 * JWKS_MAX_AGE_SECONDS, lifetime_seconds // 2)
        )
        self._ahead = timedelta(seconds=ahead)
        self._reload_interval = reload_interval_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._keys: dict[str, PublicKey] = {}
        self._signer: SigningKeyPair | None = None
        self._loaded_at: float | None = None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    # -- signing --------------------------------------------------------------------------------

    async def current(self) -> SigningKeyPair:
        """The key to sign with now; creates the first key and rotates when it is due."""
        signer = self._signer
        if signer is not None and self._fresh(signer, self.now()):
            return signer
        async with self._lock:
            now = self.now()
            if self._signer is not None and self._fresh(self._signer, now):
                return self._signer
            # Another worker may already have created or rotated: read the store first.
            await self._load(now)
            if self._signer is None or not self._fresh(self._signer, now):
                await self._create_if_due(now)
                await self._load(now)
            if self._signer is None:  # pragma: no cover - the transaction above inserted one
                raise RuntimeError("no signing key could be loaded")
            return self._signer

    def _fresh(self, signer: SigningKeyPair, now: datetime) -> bool:
        """Signs now, and either is not due for a successor or its successor is known."""
        if now >= signer.retires_at:
            return False
        if now < signer.retires_at - self._ahead:
            return True
        return any(key.retires_at > signer.retires_at for key in self._keys.values())

    async def _create_if_due(self, now: datetime) -> None:
        # Check-then-insert in one transaction. Two workers racing may both insert; both keys are
        # published and valid, and the earliest-retiring one signs everywhere, so nothing breaks.
        async with transaction(self._sessions) as session:
            latest = await session.scalar(
                select(SigningKey)
                .where(SigningKey.retires_at > now)
                .order_by(SigningKey.retires_at.desc())
                .limit(1)
            )
            if latest is None:
                activates = now
            elif now >= aware(latest.retires_at) - self._ahead:
                activates = aware(latest.retires_at)
            else:
                return
            session.add(self._new_key(now, activates))

    def _new_key(self, now: datetime, activates: datetime) -> SigningKey:
        jwk = ECKey.generate_key(CURVE, private=True)
        kid = jwk.thumbprint()  # RFC 7638: stable, derived from the public key alone
        public = {**jwk.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"}
        retires_at = activates + self._lifetime
        return SigningKey(
            kid=kid,
            algorithm=ALGORITHM,
            private_jwk_sealed=self._box.seal(json.dumps(jwk.as_dict(private=True))),
            public_jwk=public,
            created_at=now,
            retires_at=retires_at,
            expires_at=retires_at + self._grace,
        )

    # -- verification -----------------------------------------------------------------------------

    async def key_for(self, kid: str) -> PublicKey | None:
        """The published key `kid`, reloading the store (rate-limited) when it is not known yet."""
        key = self._keys.get(kid)
        if key is None and self._reload_due():
            async with self._lock:
                key = self._keys.get(kid)
                if key is None and self._reload_due():
                    await self._load(self.now())
                    key = self._keys.get(kid)
        if key is None or self.now() >= key.expires_at:
            return None
        return key

    async def jwks(self) -> dict[str, Any]:
        """RFC 7517 key set: every key not yet expired, including the successor and retired ones."""
        if self._reload_due():
            async with self._lock:
                if self._reload_due():
                    await self._load(self.now())
        now = self.now()
        keys = sorted(
            (key for key in self._keys.values() if now < key.expires_at),
            key=lambda key: key.created_at,
        )
        return {"keys": [dict(key.public_jwk) for key in keys]}

    def _reload_due(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self._reload_interval

    # -- store ------------------------------------------------------------------------------------

    async def _load(self, now: datetime) -> None:
        async with self._sessions() as session:
            rows = (
                await session.scalars(select(SigningKey).where(SigningKey.expires_at > now))
            ).all()
        keys: dict[str, PublicKey] = {}
        for row in rows:
            known = self._keys.get(row.kid)
            keys[row.kid] = known or PublicKey(
                kid=row.kid,
                jwk=ECKey.import_key(row.public_jwk),
                public_jwk=dict(row.public_jwk),
                created_at=aware(row.created_at),
                retires_at=aware(row.retires_at),
                expires_at=aware(row.expires_at),
            )
        self._keys = keys
        self._loaded_at = self._clock()
        signing = [row for row in rows if aware(row.retires_at) > now]
        if not signing:
            self._signer = None
            return
        row = min(signing, key=lambda row: (aware(row.retires_at), row.kid))
        if self._signer is None or self._signer.kid != row.kid:
            private = ECKey.import_key(json.loads(self._box.open(row.private_jwk_sealed)))
            self._signer = SigningKeyPair(
                kid=row.kid,
                jwk=private,
                retires_at=aware(row.retires_at),
                expires_at=aware(row.expires_at),
            )
