"""An agency's HTTP answer read with a bound on its size, counted after decoding (so a small
compressed body cannot unpack into gigabytes): the gateway never holds more of one answer than
GATEWAY_SOURCE_HTTP_ANSWER_BYTES."""

from __future__ import annotations

from typing import Any

import httpx

from datasources.addresses import PolicyRefusal

# 32 MiB: a batch of a thousand citizens' records, or a month of births, is far below it.
DEFAULT_ANSWER_BYTES = 32 * 1024 * 1024


class AnswerTooLarge(PolicyRefusal):
    """The agency answered more bytes than the gateway reads from one call."""


async def post_bounded(
    client: httpx.AsyncClient,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    limit: int,
) -> tuple[httpx.Response, bytes]:
    """POST `body` as JSON; the response and its decoded content, refused past `limit` bytes
    before the rest is read."""
    async with client.stream("POST", url, json=body, headers=headers) as response:
        # An uncompressed answer says its size: refused before a byte of it is read.
        declared = response.headers.get("content-length", "")
        plain = "content-encoding" not in response.headers
        if plain and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    return response, b"".join(chunks)


def _too_large(limit: int) -> AnswerTooLarge:
    return AnswerTooLarge(f"an answer is at most {limit} bytes (GATEWAY_SOURCE_HTTP_ANSWER_BYTES)")
