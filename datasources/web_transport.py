"""The HTTP client of http and graphql sources: each request checked against the policy and sent
to the very address that was checked.

The transport resolves the host itself, refuses any host, port or address the policy does not
allow (so a name that starts resolving to a forbidden address is caught), and connects to the
checked address, keeping the name for the Host header and for TLS (SNI and certificate checks).
Redirects are never followed and no proxy from the environment is used.
"""

from __future__ import annotations

import httpx

from datasources.http import DEFAULT_TIMEOUT
from datasources.policy import WebReach


class GuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, reach: WebReach, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._reach = reach
        self._inner = inner or httpx.AsyncHTTPTransport(
            trust_env=False, limits=reach.pools.http_limits()
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        address = await self._reach.pin(request.url)  # PolicyRefusal: nothing is sent
        extensions = dict(request.extensions)
        if request.url.scheme == "https":
            extensions.setdefault("sni_hostname", request.url.raw_host.decode("ascii"))
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=str(address)),
            headers=request.headers,  # Host still names the host asked for
            stream=request.stream,
            extensions=extensions,
        )
        return await self._inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._inner.aclose()


def guarded_client(reach: WebReach) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=GuardedTransport(reach),
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=False,
        trust_env=False,
    )
