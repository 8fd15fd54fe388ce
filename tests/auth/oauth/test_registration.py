from __future__ import annotations

from typing import Any

import pytest

from auth.oauth.clients import (
    Client,
    hash_client_secret,
    new_client_secret,
    verify_client_secret,
)
from auth.oauth.registration import ClientRefused, create_client
from store.db import transaction
from store.models import OAuthClient, ServiceCard
from tests.auth.support import World


def test_secrets() -> None:
    secret = new_client_secret()
    assert len(secret) >= 43 and secret != new_client_secret()
    hashed = hash_client_secret(secret)
    assert len(hashed) == 64 and secret not in hashed
    assert verify_client_secret(secret, hashed)
    assert not verify_client_secret(secret + "x", hashed)
    assert not verify_client_secret(secret, None)


async def _create(world: World, **overrides: Any) -> tuple[OAuthClient, str]:
    arguments: dict[str, Any] = {
        "client_id": "c-" + new_client_secret()[:8],
        "name": "test",
        "agency_code": "ssa",
        "role": "service",
        "scopes": ["civil.birth"],
        "grant_types": ["client_credentials"],
        "service_card_id": "newborn-insurance",
    }
    arguments.update(overrides)
    async with transaction(world.sessions) as session:
        return await create_client(session, **arguments)


async def test_service_client(world: World) -> None:
    client, secret = await _create(world)
    assert client.scopes == ["civil.birth"]
    assert client.token_endpoint_auth_method == "client_secret_basic"
    assert verify_client_secret(secret, client.client_secret_hash)


async def test_service_client_without_scopes_gets_the_card(world: World) -> None:
    client, _ = await _create(world, scopes=[])
    assert client.scopes == ["civil.birth", "civil.identity", "social.coverage"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scopes": ["civil.birth", "tax.status"]}, "not datasets of service card"),
        ({"scopes": ["agency.admin"]}, "not datasets of service card"),
        ({"service_card_id": None}, "must name its service card"),
        ({"service_card_id": "nope"}, "has no service card 'nope'"),
        ({"agency_code": "edu"}, "agency 'edu' has no service card"),  # as if it did not exist
        ({"agency_code": "nope"}, "unknown agency"),
        ({"role": "root"}, "unknown role"),
        ({"grant_types": ["password"]}, "unsupported grant types"),
        ({"client_id": "statute-svc"}, "already exists"),
        ({"role": "agency_admin", "service_card_id": None, "scopes": ["civil.birth"]}, "citizen"),
        ({"role": "agency_admin", "service_card_id": None, "scopes": ["x"]}, "unknown scopes"),
        ({"role": "agency_admin"}, "no service card"),
        ({"grant_types": ["client_credentials", "authorization_code"]}, "under a statute"),
        (
            {"service_card_id": "loan-application", "scopes": ["civil.identity"]},
            "reads under consent",
        ),
        (
            {
                "service_card_id": "loan-application",
                "scopes": ["civil.identity"],
                "grant_types": ["authorization_code"],
            },
            "redirect URIs",
        ),
    ],
)
async def test_refused(world: World, overrides: dict, message: str) -> None:
    with pytest.raises(ClientRefused, match=message):
        await _create(world, **overrides)


async def test_agency_admin_gets_admin_scope(world: World) -> None:
    client, _ = await _create(world, role="agency_admin", service_card_id=None, scopes=[])
    assert client.scopes == ["agency.admin"]


async def test_redirect_uris_must_be_https_or_loopback(world: World) -> None:
    for uri in ("http://school.test/cb", "https://school.test/cb#frag", "ftp://x/cb", "/cb"):
        with pytest.raises(ClientRefused, match="https, or http on loopback"):
            await _create(world, redirect_uris=[uri])
    uris = ["https://school.test/cb", "http://127.0.0.1:8765/cb", "http://[::1]/cb"]
    client, _ = await _create(world, redirect_uris=uris)
    assert client.redirect_uris == uris


async def test_private_key_jwt_client_registers_public_keys(world: World) -> None:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    client, secret = await _create(
        world,
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
        require_par=True,
        require_dpop=True,
    )
    assert secret is None and client.client_secret_hash is None
    assert client.token_endpoint_auth_method == "private_key_jwt"
    assert client.require_par and client.require_dpop
    for jwks, message in (
        (None, "public keys"),
        ({"keys": [key.as_dict(private=True)]}, "public keys only"),
        ({"keys": [{"kty": "EC"}]}, "unreadable"),
    ):
        with pytest.raises(ClientRefused, match=message):
            await _create(world, token_endpoint_auth_method="private_key_jwt", jwks=jwks)
    with pytest.raises(ClientRefused, match="auth method"):
        await _create(world, token_endpoint_auth_method="client_secret_post")


async def test_allowed_scopes_follow_the_card_as_it_stands(world: World) -> None:
    client, _ = await _create(world, scopes=["civil.birth", "civil.identity"])
    async with world.sessions() as session:
        card = await session.get(ServiceCard, "newborn-insurance")
    assert card is not None
    assert set(Client(client, card).get_allowed_scope(None).split()) == {
        "civil.birth",
        "civil.identity",
    }
    card.datasets = ["civil.birth"]  # the agency narrowed its card
    assert Client(client, card).get_allowed_scope("civil.birth civil.identity") == "civil.birth"
    card.enabled = False  # the service was withdrawn
    assert Client(client, card).get_allowed_scope(None) == ""
