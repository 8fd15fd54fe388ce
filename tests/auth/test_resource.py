from __future__ import annotations

import httpx
import pytest

from auth.keys import KeyRing
from auth.principal import Basis, Principal
from auth.resource import AuthenticationError, authenticate
from tests.auth.conftest import AUDIENCE, ISSUER, World, token_for


async def _authenticate(keyring: KeyRing, header: str | None, case: str | None = None) -> Principal:
    return await authenticate(header, case, keyring, issuer=ISSUER, audience=AUDIENCE)


async def test_statute_principal(http: httpx.AsyncClient, world: World, keyring: KeyRing) -> None:
    token = await token_for(http, world, "statute-svc")
    principal = await _authenticate(keyring, f"Bearer {token}", "  CASE-1402-17 ")
    assert principal.client_id == "statute-svc"
    assert principal.agency == "ssa"
    assert principal.basis is Basis.STATUTE
    assert principal.scopes == frozenset({"civil.birth", "civil.identity"})
    assert principal.service_card == "newborn-insurance"
    assert principal.case_reference == "CASE-1402-17"
    assert principal.token_id
    assert principal.citizen is None and principal.consent_id is None


async def test_admin_principal_and_empty_case_reference(
    http: httpx.AsyncClient, world: World, keyring: KeyRing
) -> None:
    token = await token_for(http, world, "ssa-admin")
    principal = await _authenticate(keyring, f"bearer   {token}", "   ")
    assert principal.basis is Basis.AGENCY_ADMIN
    assert principal.scopes == frozenset({"agency.admin"})
    assert principal.service_card is None
    assert principal.case_reference is None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing"),
        ("", "missing"),
        ("Basic dXNlcjpwYXNz", "Bearer"),
        ("Bearer", "Bearer"),
        ("Bearer not-a-jwt", "malformed"),
    ],
)
async def test_refused(keyring: KeyRing, header: str | None, message: str) -> None:
    with pytest.raises(AuthenticationError, match=message) as caught:
        await _authenticate(keyring, header)
    challenge = caught.value.www_authenticate
    assert challenge.startswith('Bearer error="invalid_token", error_description="')


async def test_wrong_audience(http: httpx.AsyncClient, world: World, keyring: KeyRing) -> None:
    token = await token_for(http, world, "statute-svc")
    with pytest.raises(AuthenticationError, match="audience"):
        await authenticate(f"Bearer {token}", None, keyring, issuer=ISSUER, audience="https://x")
