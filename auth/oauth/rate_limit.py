"""Rate limits at /oauth/token and /oauth/par: the attempt is counted against the client the
request names and the address it comes from; once answered, it stays on the client's key if the
client authenticated and on the address's if not (`OAuthRates`, which auth.rate_limits.RatePolicy
implements)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.oauth.form import FormError, FormPayload, read_form
from ratelimit import Rate, Refusal

RATE_LIMITED_ERROR = "rate_limited"  # the OAuth `error` of a 429 (RATE_LIMITED in GraphQL)
MAX_ASSERTION_CLAIMS = 8 * 1024  # bytes of an assertion's claims read to find its client


class OAuthRates(Protocol):
    async def oauth_attempt(
        self, endpoint: str, client_id: str | None, address: str
    ) -> tuple[list[Rate], Refusal | None]:
        """Count an attempt against the client it names and the address it comes from."""
        ...

    async def oauth_settle(self, endpoint: str, rates: Sequence[Rate], authenticated: bool) -> None:
        """Leave the attempt on the client's key if it authenticated, else on the address's."""
        ...


def claimed_client(request: Request, payload: FormPayload) -> str | None:
    """The client the request says it is, before anything is verified: from Basic credentials,
    `client_id`, or the unverified `sub` of a client assertion."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return unquote(decoded.partition(":")[0]) or None
    if client_id := payload.data.get("client_id"):
        return client_id
    assertion = payload.data.get("client_assertion", "")
    parts = assertion.split(".")
    if len(parts) != 3 or len(parts[1]) > MAX_ASSERTION_CLAIMS:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject else None


def _client_refused(response: Response) -> bool:
    """Whether the answer says the client did not authenticate."""
    if response.status_code == 401:
        return True
    try:
        body = json.loads(bytes(response.body))
    except (ValueError, AttributeError):
        return False
    return isinstance(body, dict) and body.get("error") == "invalid_client"


def too_many(retry_after: int) -> Response:
    body = {
        "error": RATE_LIMITED_ERROR,
        "error_description": f"Too many requests; retry after {retry_after} s.",
    }
    headers = {"Retry-After": str(retry_after)}
    return JSONResponse(body, status_code=429, headers=headers)


async def limited(
    request: Request,
    policy: OAuthRates | None,
    endpoint: str,
    respond: Callable[[FormPayload], Awaitable[Response]],
) -> Response:
    """Answer with `respond` unless the attempt is over a limit."""
    try:
        payload = await read_form(request)
    except FormError as exc:
        body = {"error": "invalid_request", "error_description": exc.description}
        return JSONResponse(body, status_code=400)
    if policy is None:
        return await respond(payload)
    client_id = claimed_client(request, payload)
    address = request.client.host if request.client else "unknown"
    rates, refusal = await policy.oauth_attempt(endpoint, client_id, address)
    if refusal is not None:
        # Not run, so not authenticated: the attempt stays on the address only.
        await policy.oauth_settle(endpoint, rates, authenticated=False)
        return too_many(refusal.retry_after)
    response = await respond(payload)
    authenticated = client_id is not None and not _client_refused(response)
    await policy.oauth_settle(endpoint, rates, authenticated=authenticated)
    return response
