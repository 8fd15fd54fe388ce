"""An agency's webhook receiver, as the social security demo agency runs it: it checks each
delivery's Standard Webhooks signature, keeps each delivery once (by its `webhook-id`, the case
id) in a JSON lines file, and lists what it kept.

    POST /webhooks/service-cases   a delivery from the gateway (signed; answered 204, or 200 again)
    GET  /webhooks/service-cases   what was received, oldest first (?limit=, at most 1000)

Standard Webhooks: the signature is `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")),
where the secret is `whsec_` + base64(key); the header may hold several, separated by spaces.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PATH = "/webhooks/service-cases"
MAX_BODY = 256 * 1024
MAX_HEADER = 2048  # webhook-signature may carry several signatures, each ~50 characters
MAX_ID = 128
TOLERANCE = 300  # seconds a timestamp may be off: an old delivery replayed is refused
MAX_LISTED = 1000
SECRET_PREFIX = "whsec_"


class BadDelivery(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret (`whsec_` + base64)."""
    encoded = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is `whsec_` and base64") from None
    if len(key) < 16:
        raise ValueError("a webhook secret's key has at least 16 bytes")
    return key


def sign(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for a delivery (for tests and for a sender)."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.digest(key, content, hashlib.sha256)).decode()


def verify(key: bytes, headers: dict[str, str], body: bytes, now: float) -> tuple[str, int]:
    """(webhook id, timestamp) of a delivery whose signature holds, else BadDelivery."""
    webhook_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not webhook_id or not stamp or not signatures:
        raise BadDelivery(400, "webhook-id, webhook-timestamp and webhook-signature are required")
    if len(webhook_id) > MAX_ID or not webhook_id.isprintable() or len(signatures) > MAX_HEADER:
        raise BadDelivery(400, "a webhook header is too long or not printable")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise BadDelivery(400, "webhook-timestamp is whole seconds since 1970")
    timestamp = int(stamp)
    if abs(now - timestamp) > TOLERANCE:
        raise BadDelivery(401, "webhook-timestamp is too far from now")
    expected = sign(key, webhook_id, timestamp, body).encode()
    for given in signatures.split(" "):
        if given.startswith("v1,") and hmac.compare_digest(given.encode(), expected):
            return webhook_id, timestamp
    raise BadDelivery(401, "no valid v1 signature")


@dataclass
class Received:
    """The deliveries kept, one JSON object a line; a delivery seen before is not kept again."""

    path: Path
    ids: set[str] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _append(self, entry: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")

    async def load(self) -> None:
        self.ids = {entry["id"] for entry in await asyncio.to_thread(self._read)}

    async def keep(self, webhook_id: str, timestamp: int, payload: Any) -> bool:
        """Keep a delivery; False if its id was kept before (a retry or a replay)."""
        async with self.lock:
            if webhook_id in self.ids:
                return False
            entry = {
                "id": webhook_id,
                "timestamp": timestamp,
                "receivedAt": datetime.now(UTC).isoformat(timespec="seconds"),
                "payload": payload,
            }
            await asyncio.to_thread(self._append, entry)
            self.ids.add(webhook_id)
            return True

    async def entries(self, limit: int) -> list[dict[str, Any]]:
        return (await asyncio.to_thread(self._read))[-limit:]


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise BadDelivery(413, f"at most {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BadDelivery(413, f"at most {MAX_BODY} bytes")
    return bytes(body)


def routes(key: bytes, received: Received) -> list[Route]:
    """The receiver's routes, checking signatures with `key` and keeping in `received`."""

    async def deliver(request: Request) -> Response:
        try:
            body = await _body(request)
            headers = {name: request.headers.get(name, "") for name in _HEADERS}
            webhook_id, timestamp = verify(key, headers, body, time.time())
            try:
                payload = json.loads(body)
            except ValueError:
                raise BadDelivery(400, "the body must be JSON") from None
        except BadDelivery as bad:
            return JSONResponse({"error": str(bad)}, status_code=bad.status)
        if await received.keep(webhook_id, timestamp, payload):
            return Response(status_code=204)
        return JSONResponse({"duplicate": webhook_id})  # acknowledged again, kept once

    async def listing(request: Request) -> Response:
        limit = request.query_params.get("limit", str(MAX_LISTED))
        if not limit.isascii() or not limit.isdigit() or not 1 <= int(limit) <= MAX_LISTED:
            return JSONResponse({"error": f"limit is 1 to {MAX_LISTED}"}, status_code=400)
        return JSONResponse({"received": await received.entries(int(limit))})

    return [Route(PATH, deliver, methods=["POST"]), Route(PATH, listing, methods=["GET"])]


_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
