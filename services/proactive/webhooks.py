"""An agency's webhook: where its new service cases are POSTed, and the secret they are signed
with (Standard Webhooks: `whsec_` + base64 of 32 random bytes, shown once, sealed at rest).

A webhook URL is held to the same rules as an agency's data sources (datasources.policy and
addresses): http(s) only, a plain host on the agency's webhook allow-list
(GATEWAY_WEBHOOK_ALLOWLIST), never an address no source may use (link-local and cloud metadata,
this-host, multicast), a name leading to this machine only if it is `localhost`, and never the
gateway's own address. The address is checked again, and pinned, at every delivery.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.addresses import (
    AddressRules,
    Endpoint,
    PolicyRefusal,
    Resolver,
    normal_host,
    system_resolver,
)
from datasources.policy import DEFAULT_PORTS, WebReach, parse_allowlist
from settings import Settings
from standard.errors import DarvazehError, ErrorCode, Refused
from store.proactive_models import AgencyWebhook
from store.secrets import SecretBox

MAX_URL_CHARS = 500  # the column's size
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
ALLOWLIST_SETTING = "GATEWAY_WEBHOOK_ALLOWLIST"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _refused(message: str) -> Refused:
    return Refused([f"url: {message}"])


class WebhookPolicy:
    """What a webhook URL may reach, per agency."""

    def __init__(
        self,
        allowlist: Mapping[str, tuple[Endpoint, ...]],
        rules: AddressRules,
        own: Iterable[tuple[str, int]] = (),
    ) -> None:
        self._allowlist = dict(allowlist)
        self._rules = rules
        self._own = frozenset(own)

    @classmethod
    def build(
        cls, setting: str, own_urls: Iterable[str], resolver: Resolver = system_resolver
    ) -> WebhookPolicy:
        """From GATEWAY_WEBHOOK_ALLOWLIST (the format of GATEWAY_SOURCE_ALLOWLIST) and the URLs
        the gateway itself answers on. ValueError for a malformed allow-list."""
        try:
            allowlist = parse_allowlist(setting)
        except ValueError as error:
            raise ValueError(
                str(error).replace("GATEWAY_SOURCE_ALLOWLIST", ALLOWLIST_SETTING)
            ) from None
        own: set[tuple[str, int]] = set()
        for url in own_urls:
            parts = urlsplit(url)
            if parts.hostname:
                port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
                own.add((normal_host(parts.hostname), port))
                if parts.hostname in ("127.0.0.1", "localhost", "::1"):
                    own |= {("127.0.0.1", port), ("localhost", port), ("::1", port)}
        return cls(allowlist, AddressRules(resolver), own)

    @classmethod
    def for_settings(cls, settings: Settings) -> WebhookPolicy:
        """GATEWAY_WEBHOOK_ALLOWLIST, and the gateway's own addresses (public and bound)."""
        own = [settings.base_url, f"http://{settings.host}:{settings.port}"]
        return cls.build(settings.proactive.webhook_allowlist, own)

    def endpoint(self, agency: str, url: str) -> tuple[httpx.URL, Endpoint]:
        """The URL and its (host, port), if the agency may name it; Refused (with the rule
        broken, never what the host is) otherwise. Resolves nothing."""
        if len(url) > MAX_URL_CHARS:
            raise _refused(f"at most {MAX_URL_CHARS} characters")
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError):
            raise _refused("not a URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise _refused("an http:// or https:// URL with a host")
        if parsed.userinfo:
            raise _refused("no user name or password in the URL (the signature authenticates)")
        if parsed.fragment:
            raise _refused("no #fragment")
        try:
            host = normal_host(parsed.raw_host.decode("ascii"))
        except PolicyRefusal as refusal:
            raise _refused(str(refusal)) from None
        port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        if (host, port) in self._own:
            raise _refused("that is the gateway's own address")
        endpoint = Endpoint(host, port)
        if not any(entry.admits(host, port, None) for entry in self._allowlist.get(agency, ())):
            raise _refused(f"{endpoint} is not on agency {agency!r}'s webhook allow-list "
                           f"({ALLOWLIST_SETTING})")  # fmt: skip
        return parsed, endpoint

    async def admit(self, agency: str, url: str) -> WebReach:
        """What a delivery to `url` may reach; Refused unless the URL and every address its host
        resolves to are allowed now (checked again at each delivery)."""
        _, endpoint = self.endpoint(agency, url)
        try:
            await self._rules.check(endpoint.host, endpoint.port)
        except PolicyRefusal as refusal:
            raise _refused(str(refusal)) from None
        return self.reach(agency, url)

    def reach(self, agency: str, url: str) -> WebReach:
        """The delivery transport's reach: only this URL's host and port, at an address checked
        just before each request (datasources.web_transport pins it)."""
        _, endpoint = self.endpoint(agency, url)
        return WebReach(agency, (endpoint,), self._rules)


async def set_webhook(
    session: AsyncSession,
    box: SecretBox,
    policy: WebhookPolicy,
    *,
    agency: str,
    url: str,
    by: str,
    now: datetime,
) -> tuple[AgencyWebhook, str]:
    """The agency's webhook at `url`, enabled, with a new secret: (row, the secret, shown this
    once). Setting it again rotates the secret."""
    await policy.admit(agency, url)
    secret = new_secret()
    row = await session.get(AgencyWebhook, agency)
    if row is None:
        row = AgencyWebhook(agency_code=agency)
        session.add(row)
    row.url = url
    row.secret_sealed = box.seal(secret)
    row.enabled = True
    row.updated_by = by
    row.updated_at = now
    await session.flush()
    return row, secret


async def disable_webhook(
    session: AsyncSession, *, agency: str, by: str, now: datetime
) -> AgencyWebhook:
    """No more deliveries to the agency's webhook (waiting ones go dead, to replay after)."""
    row = await session.get(AgencyWebhook, agency)
    if row is None:
        raise DarvazehError("your agency has no webhook", code=ErrorCode.NOT_FOUND)
    row.enabled = False
    row.updated_by = by
    row.updated_at = now
    await session.flush()
    return row
