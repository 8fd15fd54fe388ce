"""Pushed authorization requests (RFC 9126): the client sends its authorization request straight
to us, authenticated, and gets a `request_uri` (single use, 60 s, bound to it) to send the browser
with. Nothing of the request then travels through, or can be altered in, the browser.

The request is checked by the same rules as the authorization endpoint; errors are JSON (there
is no browser to redirect). A DPoP proof sent here binds the future code to its key (RFC 9449 §10).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Error
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.core.dpop import DpopError, DpopProof
from auth.oauth.authorization_request import (
    REQUEST_URI_PREFIX,
    AuthorizationError,
    redirect_uri_problem,
    validate_request,
)
from auth.oauth.call import OAuthCall, bound
from auth.oauth.client_auth import check_single_client_authentication
from auth.oauth.clients import TOKEN_AUTH_METHODS
from auth.oauth.errors import InvalidDpopProofError
from auth.oauth.form import FormError, FormPayload, StarletteOAuth2Request, read_form
from auth.oauth.paths import PAR_PATH
from auth.oauth.server import DarvazehAuthorizationServer
from store.db import transaction
from store.oauth_models import AuthorizationRequest

PAR_LIFETIME = timedelta(seconds=60)
PAR_ENDPOINT = "par"


async def par(
    server: DarvazehAuthorizationServer, request: Request, payload: FormPayload | None = None
) -> Response:
    """POST /oauth/par; `payload` when the form was already read (the rate limits read it)."""
    if payload is None:
        try:
            payload = await read_form(request)
        except FormError as exc:
            return _error("invalid_request", exc.description)
    try:
        proof = await server.dpop_proof(request, PAR_PATH)
    except DpopError as exc:
        return server.error_response(InvalidDpopProofError(exc.description))
    async with transaction(server.sessions) as session:
        return await session.run_sync(_par_sync, server, request, payload, proof)


def _par_sync(
    session: Session,
    server: DarvazehAuthorizationServer,
    request: Request,
    payload: FormPayload,
    proof: DpopProof | None,
) -> Response:
    with bound(OAuthCall(session, dpop=proof)):
        try:
            oauth_request = StarletteOAuth2Request(request, payload)
            check_single_client_authentication(oauth_request)
            client = server.authenticate_client(oauth_request, TOKEN_AUTH_METHODS, PAR_ENDPOINT)
        except OAuth2Error as error:
            return server.error_response(error)
    params = payload.data
    if "request_uri" in params:
        return _error("invalid_request", "A pushed request may not itself name a request_uri.")
    if problem := redirect_uri_problem(client, params.get("redirect_uri")):
        return _error("invalid_request", problem)
    try:
        normal = validate_request(params, client)
    except AuthorizationError as error:
        return _error(error.error, error.description)
    # RFC 9449 §10.1: the proof's key and a dpop_jkt sent beside it must agree.
    if proof is not None and normal.setdefault("dpop_jkt", proof.jkt) != proof.jkt:
        return _error("invalid_dpop_proof", "dpop_jkt is not the key of the DPoP proof.")
    now = server.now()
    request_id = secrets.token_urlsafe(32)
    session.add(
        AuthorizationRequest(
            id=request_id,
            client_id=client.client_id,
            params=normal,
            pushed=True,
            created_at=now,
            expires_at=now + PAR_LIFETIME,
        )
    )
    body = {
        "request_uri": REQUEST_URI_PREFIX + request_id,
        "expires_in": int(PAR_LIFETIME.total_seconds()),
    }
    return JSONResponse(body, status_code=201)


def _error(error: str, description: str, status_code: int = 400) -> Response:
    body: dict[str, Any] = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status_code)
