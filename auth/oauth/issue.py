"""The token endpoint's one way of issuing an access token: whatever the grant, the token's
claims are a `TokenClaims`, signed by the call's key, and answered as RFC 6749 §5.1 says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from auth.core.access_tokens import TokenClaims, issue_access_token
from auth.oauth.call import current_call
from auth.oauth.protocol import OAuthServer


def token_response(
    server: OAuthServer,
    *,
    client_id: str,
    subject: str,
    scopes: Sequence[str],
    says: TokenClaims,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Sign an access token for the current call and answer with it (`now`: the issue time,
    default the wall clock)."""
    key = current_call().key
    if key is None:  # pragma: no cover - the token endpoint always binds its signing key
        raise RuntimeError("no signing key bound to this call")
    ttl = server.access_token_ttl
    token, _jti, _expires_at = issue_access_token(
        key,
        issuer=server.issuer,
        audience=server.audience,
        client_id=client_id,
        subject=subject,
        scopes=scopes,
        ttl=ttl,
        claims=says.as_claims(),
        now=int(now.timestamp()) if now is not None else None,
    )
    return {
        "access_token": token,
        # RFC 9449 §5: a token bound to a key is a DPoP token.
        "token_type": "DPoP" if says.dpop_jkt else "Bearer",
        "expires_in": ttl,
        "scope": " ".join(sorted(scopes)),
    }
