from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.core.access_tokens import issue_access_token
from auth.core.dpop import ALGS_PARAMETER
from auth.core.keys import KeyRing
from auth.core.principal import Basis, Principal
from auth.resource.authenticate import AuthenticationError, authenticate, challenge
from tests.auth.support import AUDIENCE, ISSUER, TTL, World, ec_key, make_proof, token_for


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


# -- DPoP-bound tokens (RFC 9449 §7) --------------------------------------------------------------

DPOP_CLAIMS = {
    "basis": "consent",
    "agency": "ssa",
    "service_card": "loan-application",
    "citizen": "0084575948",
    "subject": "0499370899",
    "consent_id": "consent-1",
    "grant": "grant-1",
}


async def _consent_token(keyring: KeyRing, jkt: str | None, **claims: object) -> str:
    extra: dict[str, object] = {**DPOP_CLAIMS, **claims}
    if jkt is not None:
        extra["cnf"] = {"jkt": jkt}
    token, _jti, _exp = issue_access_token(
        await keyring.current(),
        issuer=ISSUER,
        audience=AUDIENCE,
        client_id="consent-svc",
        subject="0084575948",
        scopes=["civil.identity"],
        ttl=TTL,
        claims=extra,
    )
    return token


async def _dpop(
    keyring: KeyRing,
    world: World,
    header: str,
    proofs: list[str],
    method: str = "POST",
    **options: Any,
) -> Principal:
    return await authenticate(
        header,
        None,
        keyring,
        issuer=ISSUER,
        audience=AUDIENCE,
        dpop=proofs,
        method=method,
        url=AUDIENCE,
        sessions=world.sessions,
        **options,
    )


def _proof(key: ECKey, token: str, **options: Any) -> str:
    options = {"htu": AUDIENCE, "iat": time.time(), "access_token": token, **options}
    return make_proof(key, **options)


async def _refused_dpop(
    keyring: KeyRing, world: World, header: str, proofs: list[str], error: str, message: str
) -> AuthenticationError:
    with pytest.raises(AuthenticationError, match=message) as caught:
        await _dpop(keyring, world, header, proofs)
    challenge = caught.value.www_authenticate
    assert challenge.startswith(f'DPoP error="{error}", error_description="'), challenge
    assert challenge.endswith(f'algs="{ALGS_PARAMETER}"')
    assert "ES256" in ALGS_PARAMETER and "none" not in ALGS_PARAMETER
    return caught.value


async def test_dpop_bound_token_with_its_proof(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    principal = await _dpop(keyring, world, f"DPoP {token}", [_proof(key, token)])
    assert principal.basis is Basis.CONSENT
    assert principal.dpop_jkt == key.thumbprint()
    assert principal.citizen == "0084575948"
    assert principal.subject == "0499370899"
    assert principal.consent_id == "consent-1"
    assert principal.grant_id == "grant-1"


async def test_bearer_principal_has_no_dpop_key(keyring: KeyRing, world: World) -> None:
    token = await _consent_token(keyring, None)
    principal = await _dpop(keyring, world, f"Bearer {token}", [])
    assert principal.dpop_jkt is None and principal.grant_id == "grant-1"


async def test_dpop_proof_missing(keyring: KeyRing, world: World) -> None:
    token = await _consent_token(keyring, ec_key().thumbprint())
    await _refused_dpop(keyring, world, f"DPoP {token}", [], "invalid_dpop_proof", "missing")


async def test_dpop_two_proof_headers(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    proofs = [_proof(key, token), _proof(key, token)]
    await _refused_dpop(keyring, world, f"DPoP {token}", proofs, "invalid_dpop_proof", "more")


async def test_dpop_proof_replayed(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    proof = _proof(key, token)
    await _dpop(keyring, world, f"DPoP {token}", [proof])
    await _refused_dpop(keyring, world, f"DPoP {token}", [proof], "invalid_dpop_proof", "used")


async def test_dpop_proof_for_another_token(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    other = await _consent_token(keyring, key.thumbprint())
    proof = _proof(key, other)
    await _refused_dpop(keyring, world, f"DPoP {token}", [proof], "invalid_dpop_proof", "ath")


async def test_dpop_proof_for_another_request(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    elsewhere = _proof(key, token, htu=f"{ISSUER}/oauth/token")
    await _refused_dpop(keyring, world, f"DPoP {token}", [elsewhere], "invalid_dpop_proof", "htu")
    as_get = _proof(key, token, htm="GET")
    await _refused_dpop(keyring, world, f"DPoP {token}", [as_get], "invalid_dpop_proof", "htm")


async def test_dpop_proof_key_not_the_bound_key(keyring: KeyRing, world: World) -> None:
    holder, thief = ec_key(), ec_key()
    token = await _consent_token(keyring, holder.thumbprint())
    proof = _proof(thief, token)  # a sound proof, by the wrong key
    await _refused_dpop(keyring, world, f"DPoP {token}", [proof], "invalid_token", "binding")


async def test_dpop_token_sent_as_bearer(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    # Even with a valid proof alongside: the Bearer scheme is refused for a bound token.
    proofs = [_proof(key, token)]
    await _refused_dpop(keyring, world, f"Bearer {token}", proofs, "invalid_token", "DPoP scheme")


async def test_bearer_token_sent_as_dpop(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, None)
    proofs = [_proof(key, token)]
    await _refused_dpop(keyring, world, f"DPoP {token}", proofs, "invalid_token", "not DPoP-bound")


async def test_dpop_expired_token(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    with pytest.raises(AuthenticationError, match="expired") as caught:
        await _dpop(keyring, world, f"DPoP {token}", [], now=time.time() + TTL + 60)
    assert caught.value.www_authenticate.startswith('DPoP error="invalid_token"')


async def test_dpop_unusable_cnf(keyring: KeyRing, world: World) -> None:
    token = await _consent_token(keyring, None, cnf={"x5t#S256": "abc"})
    for scheme in ("Bearer", "DPoP"):
        with pytest.raises(AuthenticationError, match="cnf"):
            await _dpop(keyring, world, f"{scheme} {token}", [])


async def test_dpop_needs_the_request_and_the_store(keyring: KeyRing, world: World) -> None:
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    with pytest.raises(AuthenticationError, match="not accepted"):
        await authenticate(
            f"DPoP {token}", None, keyring, issuer=ISSUER, audience=AUDIENCE, dpop=["x"]
        )


async def test_dpop_over_http(keyring: KeyRing, world: World) -> None:
    """The wiring proposed for server.py, over real HTTP: headers, method and URL of the request."""

    async def protected(request: Request) -> Response:
        try:
            principal = await authenticate(
                request.headers.get("authorization"),
                None,
                keyring,
                issuer=ISSUER,
                audience=AUDIENCE,
                dpop=request.headers.getlist("dpop"),
                method=request.method,
                url=ISSUER + request.url.path,
                sessions=world.sessions,
            )
        except AuthenticationError as error:
            return Response(status_code=401, headers={"WWW-Authenticate": error.www_authenticate})
        return JSONResponse({"jkt": principal.dpop_jkt})

    app = Starlette(routes=[Route("/graphql", protected, methods=["GET", "POST"])])
    key = ec_key()
    token = await _consent_token(keyring, key.thumbprint())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
        ok = await http.post(
            "/graphql?op=q",
            headers={"Authorization": f"DPoP {token}", "DPoP": _proof(key, token)},
        )
        assert ok.status_code == 200 and ok.json() == {"jkt": key.thumbprint()}
        got = await http.get(
            "/graphql", headers={"Authorization": f"DPoP {token}", "DPoP": _proof(key, token)}
        )
        assert got.status_code == 401
        assert got.headers["www-authenticate"].startswith('DPoP error="invalid_dpop_proof"')
        assert "htm" in got.headers["www-authenticate"]
        twice = await http.post(
            "/graphql",
            headers=[
                ("Authorization", f"DPoP {token}"),
                ("DPoP", _proof(key, token)),
                ("DPoP", _proof(key, token)),
            ],
        )
        assert twice.status_code == 401 and "more than one" in twice.headers["www-authenticate"]


def test_one_challenge_for_no_token_and_for_a_refused_one() -> None:
    assert challenge(None) == f'Bearer realm="darvazeh", DPoP algs="{ALGS_PARAMETER}"'
    refused = AuthenticationError('a "quoted" \\ reason', scheme="DPoP")
    assert refused.www_authenticate == challenge(refused)
    assert challenge(refused) == (
        'DPoP error="invalid_token", error_description="a \'quoted\'  reason", '
        f'algs="{ALGS_PARAMETER}"'
    )
