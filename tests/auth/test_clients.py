from __future__ import annotations

from typing import Any

import pytest

from auth.clients import (
    create_client,
    hash_client_secret,
    new_client_secret,
    verify_client_secret,
)
from store.db import transaction
from store.models import OAuthClient
from tests.auth.conftest import World


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
        ({"service_card_id": "nope"}, "unknown service card"),
        ({"agency_code": "edu"}, "another agency"),
        ({"agency_code": "nope"}, "unknown agency"),
        ({"role": "root"}, "unknown role"),
        ({"grant_types": ["password"]}, "unsupported grant types"),
        ({"client_id": "statute-svc"}, "already exists"),
        ({"role": "agency_admin", "service_card_id": None, "scopes": ["civil.birth"]}, "citizen"),
        ({"role": "agency_admin", "service_card_id": None, "scopes": ["x"]}, "unknown scopes"),
        ({"role": "agency_admin"}, "no service card"),
    ],
)
async def test_refused(world: World, overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        await _create(world, **overrides)


async def test_agency_admin_gets_admin_scope(world: World) -> None:
    client, _ = await _create(world, role="agency_admin", service_card_id=None, scopes=[])
    assert client.scopes == ["agency.admin"]
