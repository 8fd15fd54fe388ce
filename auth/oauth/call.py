"""What one Authlib call needs beyond its request: the sync session, the signing key, and what was
verified asynchronously before Authlib ran (a DPoP proof, an access token's claims).

Authlib's callbacks (`query_client`, grant hooks, endpoint methods) take no such arguments, so the
call's context travels in a context variable, set inside the `run_sync` greenlet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from auth.core.dpop import DpopProof
from auth.core.keys import SigningKeyPair


@dataclass(frozen=True, slots=True)
class OAuthCall:
    session: Session
    key: SigningKeyPair | None = None
    dpop: DpopProof | None = None
    # The claims of the `token` parameter when it is a valid access token (revoke, introspect).
    access_claims: dict[str, Any] | None = None


_call: ContextVar[OAuthCall] = ContextVar("darvazeh_oauth_call")


def current_call() -> OAuthCall:
    try:
        return _call.get()
    except LookupError:
        raise RuntimeError("OAuth server used outside AsyncSession.run_sync") from None


def current_session() -> Session:
    """The sync session of the request being handled (inside `run_sync` only)."""
    return current_call().session


@contextmanager
def bound(call: OAuthCall) -> Iterator[None]:
    token = _call.set(call)
    try:
        yield
    finally:
        _call.reset(token)


def secret_hash(value: str) -> str:
    """How codes, refresh tokens and request ids are kept: 256-bit random values need no slow
    hash, and the store never holds one a thief could present."""
    return hashlib.sha256(value.encode()).hexdigest()
