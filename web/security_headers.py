"""The security headers of every HTTP response, stated once (`security_headers`) and added by one
ASGI middleware around the whole app (`SecurityHeaders`): pages, GraphiQL, GraphQL answers, the
OAuth endpoints, errors alike.

- Everything: `nosniff`, no framing (`X-Frame-Options` and CSP `frame-ancestors 'none'`), no
  referrer (consent URLs carry request ids), and HSTS when the public URL is https.
- HTML: scripts, styles and everything else from this origin only; no inline script
  (GraphiQL's own script is a static file), no plugins, no `<base>`.
- Anything else (JSON): a CSP that allows nothing, should a browser ever render it.
- `Cache-Control: no-store` (and `Pragma: no-cache`) on every answer that does not set its own:
  GraphQL answers and token responses carry personal data or credentials. Responses that may be
  cached say so themselves (the JWKS, the server metadata), as do static files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HTML_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
STATIC_PREFIX = "/static/"


def security_headers(*, html: bool, https: bool, cacheable: bool) -> list[tuple[str, str]]:
    """The headers a response gets: `html` for pages, `cacheable` when it set its own
    Cache-Control or is a static file."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Content-Security-Policy", HTML_POLICY if html else OTHER_POLICY),
    ]
    if https:
        headers.append(("Strict-Transport-Security", HSTS))
    if not cacheable:
        headers += [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
    return headers


class SecurityHeaders:
    """Adds `security_headers` to every HTTP response of the wrapped app (a plain ASGI
    middleware: no per-request task or body buffering)."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https
        # The four combinations, encoded once.
        self._encoded = {
            (html, cacheable): [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in security_headers(html=html, https=https, cacheable=cacheable)
            ]
            for html in (False, True)
            for cacheable in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                names = {name.lower() for name, _ in existing}
                html = any(
                    name.lower() == b"content-type" and value.startswith(b"text/html")
                    for name, value in existing
                )
                cacheable = static or b"cache-control" in names
                added = [
                    (name, value)
                    for name, value in self._encoded[(html, cacheable)]
                    if name not in names
                ]
                message["headers"] = existing + added
            await send(message)

        await self.app(scope, receive, send_with_headers)
