"""The authorization endpoint (RFC 6749 §4.1.1, RFC 9126 §4) and the hand-off after consent.

`/oauth/authorize` checks everything it can before a citizen sees anything, stores the request
(`AuthorizationRequest`, single use, 10 minutes) and sends the browser to the consent screen. The
consent screen then calls `complete_authorization` (a code for the client) or
`deny_authorization` (`access_denied`), both answering with the URL to redirect to.

Until the client and its redirect URI are known good, errors are `AuthorizationRefused`, which the
edge shows as a page and never redirects (an attacker must not be able to bounce a browser to a
URI of its choice). After that, errors go back to the client with `state` and `iss` (RFC 9207),
like every response of this endpoint.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from auth.oauth.authorization_request import (
    AuthorizationError,
    redirect_uri_problem,
    request_uri_id,
    response_url,
    validate_request,
)
from auth.oauth.call import secret_hash
from auth.oauth.clients import Client, load_client
from auth.oauth.form import FormError, read_pairs
from auth.oauth.paths import CONSENT_PATH, endpoint_url
from auth.oauth.server import DarvazehAuthorizationServer
from standard.errors import DarvazehError, ErrorCode
from store.citizen_models import Consent
from store.db import aware, transaction
from store.oauth_models import AuthorizationCode, AuthorizationRequest

REQUEST_LIFETIME = timedelta(minutes=10)
CODE_LIFETIME = timedelta(seconds=60)
# A repeat of these makes the request's destination or owner ambiguous: never redirect then.
UNAMBIGUOUS = ("client_id", "redirect_uri", "request_uri")


class AuthorizationRequestGone(DarvazehError):
    """The authorization request is unknown, already used or expired."""

    code = ErrorCode.NOT_FOUND


class AuthorizationRefused(DarvazehError):
    """A request the client or its redirect URI cannot be trusted with: shown to the person at the
    browser (a page), never redirected. The message is safe to show."""

    code = ErrorCode.BAD_REQUEST


async def authorize(server: DarvazehAuthorizationServer, request: Request) -> str:
    """GET/POST /oauth/authorize: the URL to send the browser to (the consent screen, or the
    client's redirect URI with an error). Raises AuthorizationRefused."""
    try:
        pairs = await read_pairs(request)
    except FormError as exc:
        raise AuthorizationRefused(exc.description) from exc
    values: defaultdict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        values[name].append(value)
    repeated = sorted(name for name, found in values.items() if len(found) > 1)
    if ambiguous := [name for name in UNAMBIGUOUS if name in repeated]:
        raise AuthorizationRefused(f"Repeated parameters: {', '.join(ambiguous)}.")
    params = {name: found[0] for name, found in values.items()}
    client_id = params.get("client_id")
    if not client_id:
        raise AuthorizationRefused("The request names no client (client_id).")
    now = server.now()
    async with transaction(server.sessions) as session:
        client = await load_client(session, client_id)
        if client is None:
            raise AuthorizationRefused("Unknown or disabled client.")
        pushed = "request_uri" in params
        if pushed:
            # RFC 9126 §4: the pushed parameters are the request; the others are ignored.
            params = await _claim_pushed(session, client, params["request_uri"], now)
            repeated = []
        redirect_uri = params.get("redirect_uri")
        if problem := redirect_uri_problem(client, redirect_uri):
            raise AuthorizationRefused(problem)
        assert redirect_uri is not None
        state = None if "state" in repeated else params.get("state")
        try:
            if repeated:
                raise AuthorizationError(
                    "invalid_request", f"Repeated parameters: {', '.join(repeated)}."
                )
            if client.row.require_par and not pushed:
                raise AuthorizationError(
                    "invalid_request", "This client must push its authorization requests (PAR)."
                )
            normal = validate_request(params, client)
        except AuthorizationError as error:
            url = response_url(
                redirect_uri,
                server.issuer,
                error=error.error,
                error_description=error.description,
                state=state,
            )
            return url
        normal["iss"] = server.issuer
        pending = AuthorizationRequest(
            id=secrets.token_urlsafe(32),
            client_id=client.client_id,
            params=normal,
            pushed=False,
            created_at=now,
            expires_at=now + REQUEST_LIFETIME,
        )
        session.add(pending)
    return endpoint_url(server.issuer, CONSENT_PATH.format(request_id=pending.id))


async def _claim_pushed(
    session: AsyncSession, client: Client, request_uri: str, now: datetime
) -> dict[str, str]:
    """The parameters pushed under `request_uri`; it is used up (single use, RFC 9126 §4)."""
    request_id = request_uri_id(request_uri)
    row = await session.get(AuthorizationRequest, request_id) if request_id else None
    if row is None or not row.pushed:
        raise AuthorizationRefused("The request_uri is unknown.")
    if row.client_id != client.client_id:
        raise AuthorizationRefused("The request_uri was issued to another client.")
    if row.used_at is not None:
        raise AuthorizationRefused("The request_uri was already used.")
    if aware(row.expires_at) <= now:
        raise AuthorizationRefused("The request_uri has expired.")
    await _claim(session, row.id, now, pushed=True)
    return dict(row.params)


async def _claim(session: AsyncSession, request_id: str, now: datetime, *, pushed: bool) -> None:
    # A conditional update: of two concurrent uses, only one matches.
    claimed = await session.execute(
        update(AuthorizationRequest)
        .where(
            AuthorizationRequest.id == request_id,
            AuthorizationRequest.pushed.is_(pushed),
            AuthorizationRequest.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if not isinstance(claimed, CursorResult) or claimed.rowcount != 1:
        if pushed:
            raise AuthorizationRefused("The request_uri was already used.")
        raise AuthorizationRequestGone()


async def _claim_pending(
    session: AsyncSession, request_id: str, now: datetime
) -> AuthorizationRequest:
    row = await session.get(AuthorizationRequest, request_id)
    if row is None or row.pushed or row.used_at is not None or aware(row.expires_at) <= now:
        raise AuthorizationRequestGone()
    await _claim(session, request_id, now, pushed=False)
    return row


async def complete_authorization(
    sessions: async_sessionmaker[AsyncSession],
    *,
    request_id: str,
    citizen: str,
    subject: str,
    datasets: list[str],
    consent_id: str,
    now: datetime | None = None,
) -> str:
    """Issue the code for an approved request; returns the client's redirect URL.

    `datasets` (what the citizen left ticked) must be within the request and the consent.
    Raises AuthorizationRequestGone when the request is unknown, used or expired, and ValueError
    when the consent does not belong to this request (the request then stays usable).
    """
    now = now or datetime.now(UTC)
    granted = sorted(set(datasets))
    async with transaction(sessions) as session:
        row = await _claim_pending(session, request_id, now)
        params: dict[str, Any] = row.params
        if not granted or not set(granted) <= set(params["scope"].split()):
            raise ValueError("the granted datasets must be a non-empty part of those requested")
        consent = await session.get(Consent, consent_id)
        if (
            consent is None
            or consent.client_id != row.client_id
            or consent.citizen != citizen
            or consent.subject != subject
            or not set(granted) <= set(consent.datasets)
        ):
            raise ValueError("the consent does not match this authorization request")
        code = secrets.token_urlsafe(32)
        session.add(
            AuthorizationCode(
                code_hash=secret_hash(code),
                client_id=row.client_id,
                citizen=citizen,
                consent_id=consent_id,
                redirect_uri=params["redirect_uri"],
                scope=" ".join(granted),
                code_challenge=params["code_challenge"],
                dpop_jkt=params.get("dpop_jkt"),
                created_at=now,
                expires_at=now + CODE_LIFETIME,
            )
        )
    return response_url(params["redirect_uri"], params["iss"], code=code, state=params.get("state"))


async def deny_authorization(
    sessions: async_sessionmaker[AsyncSession], *, request_id: str, now: datetime | None = None
) -> str:
    """The citizen said no: `access_denied` back to the client (the request is used up)."""
    now = now or datetime.now(UTC)
    async with transaction(sessions) as session:
        row = await _claim_pending(session, request_id, now)
        params: dict[str, Any] = row.params
    return response_url(
        params["redirect_uri"],
        params["iss"],
        error="access_denied",
        error_description="The citizen did not consent.",
        state=params.get("state"),
    )
