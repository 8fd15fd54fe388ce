"""A registration's connection: the adapter it becomes, and how it may be shown (credentials
masked). Connections are stored sealed; only this masked form is ever displayed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasources.base import Adapter
from datasources.http import HttpAdapter, display_base_url
from datasources.mapping import HTTP, SQL, Mapping
from datasources.sql import SqlAdapter, display_url

KINDS = (SQL, HTTP)
_SECRET_WORDS = ("password", "secret", "token", "key")


class RegistrationError(ValueError):
    """A registration the gateway refuses before touching the source (bad kind, agency, ...)."""


def build_adapter(
    kind: str, connection: dict[str, Any], mapping: Mapping, *, name: str | None = None
) -> Adapter:
    """The adapter for a kind; raises RegistrationError for a kind or connection it can't use."""
    if kind == SQL:
        url = connection.get("url")
        if not isinstance(url, str) or not url:
            raise RegistrationError('an sql connection needs {"url": "<SQLAlchemy async URL>"}')
        return SqlAdapter(url, mapping, name=name)
    if kind == HTTP:
        base_url = connection.get("base_url")
        headers = connection.get("headers") or {}
        if not isinstance(base_url, str) or not base_url:
            raise RegistrationError('an http connection needs {"base_url": "https://..."}')
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise RegistrationError("http connection headers must map text to text")
        return HttpAdapter(base_url, mapping, headers, name=name)
    raise unknown_kind(kind)


def unknown_kind(kind: str) -> RegistrationError:
    if kind == "graphql":
        return RegistrationError("graphql sources are not supported yet (they will come later)")
    return RegistrationError(f"unknown source kind {kind!r} (use one of: {', '.join(KINDS)})")


def display_connection(kind: str, connection: dict[str, Any]) -> str:
    """The connection with credentials masked: passwords, header values, secret-looking params."""
    shown: dict[str, Any] = {}
    if kind == SQL:
        url = display_url(str(connection.get("url", "")))
        base, _, query = url.partition("?")
        if query:
            params = [(k, "***" if _secret(k) else v) for k, v in parse_qsl(query)]
            url = f"{base}?{urlencode(params, safe='*')}"
        shown["url"] = url
    elif kind == HTTP:
        shown["base_url"] = display_base_url(str(connection.get("base_url", "")))
        headers = connection.get("headers") or {}
        if headers:
            shown["headers"] = {name: "***" for name in headers}
    return json.dumps(shown, ensure_ascii=False)[:500]


def _secret(name: str) -> bool:
    return any(word in name.lower() for word in _SECRET_WORDS)
