"""The social security demo agency's webhook receiver: Standard Webhooks signatures checked,
each case kept once by its id (across restarts too), what it kept listed; served beside the
agency's GraphQL subgraph, the API key guarding all but the signed deliveries."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.agencies import load_world
from demo.social_graphql import create_app
from demo.webhook_receiver import (
    PATH,
    BadDelivery,
    Received,
    secret_key,
    sign,
    verify,
)
from demo.world import World

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def signed(body: bytes, webhook_id: str = "case-1", at: float | None = None) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(KEY, webhook_id, stamp, body),
        "content-type": "application/json",
    }


def test_the_secret_is_whsec_and_base64() -> None:
    assert secret_key(SECRET) == KEY
    assert secret_key(base64.b64encode(KEY).decode()) == KEY  # the prefix is optional
    for bad in ("whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError):
            secret_key(bad)


def test_the_spec_example() -> None:
    """The Standard Webhooks specification's own example delivery verifies."""
    key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": signature,
    }
    assert sign(key, headers["webhook-id"], 1614265330, body) == signature
    assert verify(key, headers, body, now=1614265330) == (headers["webhook-id"], 1614265330)


def test_one_good_signature_among_several_is_enough() -> None:
    body = b"{}"
    headers = signed(body)
    headers["webhook-signature"] = f"v1a,xyz v1,AAAA {headers['webhook-signature']}"
    assert verify(KEY, headers, body, time.time())[0] == "case-1"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"webhook-id": ""}, 400),
        ({"webhook-timestamp": "soon"}, 400),
        ({"webhook-timestamp": "١٧٠٠٠٠٠٠٠٠"}, 400),  # digits, but not ASCII ones
        ({"webhook-signature": "v1,AAAA"}, 401),
        ({"webhook-id": "case-2"}, 401),  # signed for another id
        ({"webhook-timestamp": str(int(time.time()) - 3600)}, 401),  # replayed an hour later
    ],
)
def test_refused_deliveries(change: dict[str, str], status: int) -> None:
    body = b'{"id": "case-1"}'
    with pytest.raises(BadDelivery) as refused:
        verify(KEY, signed(body) | change, body, time.time())
    assert refused.value.status == status


def test_a_changed_body_is_refused() -> None:
    headers = signed(b'{"status": "EXECUTED"}')
    with pytest.raises(BadDelivery) as refused:
        verify(KEY, headers, b'{"status": "CLOSED"}', time.time())
    assert refused.value.status == 401


@asynccontextmanager
async def receiver(
    tmp_path: Path, world: World, *, api_key: str = ""
) -> AsyncIterator[httpx.AsyncClient]:
    """The social security service with its receiver, lifespan running, over tmp_path's files."""
    await load_world(world, {"social": f"sqlite+aiosqlite:///{tmp_path / 'social.db'}"})
    app = create_app(
        f"sqlite+aiosqlite:///{tmp_path / 'social.db'}",
        api_key=api_key,
        webhook_key=KEY,
        received=Received(tmp_path / "received.jsonl"),
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://social") as http:
            yield http


async def deliver(http: httpx.AsyncClient, case: dict[str, Any], **headers: str) -> httpx.Response:
    body = json.dumps(case).encode()
    return await http.post(PATH, content=body, headers=signed(body, case["id"]) | headers)


async def test_each_case_is_kept_once(tmp_path: Path, world: World) -> None:
    case = {"id": "0d5c1c4e-case", "status": "EXECUTED", "card": {"id": "newborn"}}
    async with receiver(tmp_path, world) as http:
        assert (await deliver(http, case)).status_code == 204
        again = await deliver(http, case)  # a retry whose answer the gateway did not get
        assert again.status_code == 200 and again.json() == {"duplicate": case["id"]}
        listed = (await http.get(PATH)).json()["received"]
        assert [entry["id"] for entry in listed] == [case["id"]]
        assert listed[0]["payload"] == case
        other = case | {"id": "second-case"}
        assert (await deliver(http, other)).status_code == 204
        assert [
            e["id"] for e in (await http.get(PATH, params={"limit": 1})).json()["received"]
        ] == ["second-case"]
        assert (await http.get(PATH, params={"limit": 0})).status_code == 400
    async with receiver(tmp_path, world) as http:  # restarted: what it kept is still seen
        assert (await deliver(http, case)).status_code == 200
        assert len((await http.get(PATH)).json()["received"]) == 2
    lines = (tmp_path / "received.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2


async def test_the_api_key_guards_all_but_signed_deliveries(tmp_path: Path, world: World) -> None:
    async with receiver(tmp_path, world, api_key="k" * 24) as http:
        assert (await deliver(http, {"id": "case-1"})).status_code == 204
        assert (await http.get(PATH)).status_code == 401
        listed = await http.get(PATH, headers={"Authorization": f"Bearer {'k' * 24}"})
        assert listed.status_code == 200 and len(listed.json()["received"]) == 1
        assert (await http.post("/graphql", json={"query": "{ __typename }"})).status_code == 401
