"""A registration's connection: the adapter it becomes, and how it may be shown (credentials
masked). Connections are stored sealed; only this masked form is ever displayed."""

from __future__ import annotations

import json
from typing import Any, TypeGuard
from urllib.parse import parse_qsl, urlencode

import httpx

from datasources.base import Adapter, RegistrationError
from datasources.graphql import GraphqlAdapter
from datasources.http import HttpAdapter, display_base_url
from datasources.mapping import GRAPHQL, HTTP, SQL, Mapping
from datasources.policy import Reach, SqlReach, WebReach
from datasources.sql import SqlAdapter, display_url
from datasources.web_transport import guarded_client

KINDS = (SQL, HTTP, GRAPHQL)
__all__ = [
    "KINDS",
    "RegistrationError",
    "build_adapter",
    "display_connection",
    "source_url",
    "unknown_kind",
]
_SECRET_WORDS = ("password", "secret", "token", "key")


def source_url(kind: str, connection: dict[str, Any]) -> str:
    """Where the connection leads (the URL the policy judges); RegistrationError for a
    connection of the wrong shape."""
    if kind in (HTTP, GRAPHQL):
        _headers(kind, connection)
    if kind == SQL:
        url = connection.get("url")
        if not isinstance(url, str) or not url:
            raise RegistrationError('an sql connection needs {"url": "<SQLAlchemy async URL>"}')
        return url
    if kind == HTTP:
        base_url = connection.get("base_url")
        if not isinstance(base_url, str) or not base_url:
            raise RegistrationError('an http connection needs {"base_url": "https://..."}')
        return base_url
    if kind == GRAPHQL:
        endpoint = connection.get("endpoint")
        if not _web_url(endpoint):
            raise RegistrationError('a graphql connection needs {"endpoint": "https://..."}')
        return endpoint
    raise unknown_kind(kind)


def build_adapter(
    kind: str,
    connection: dict[str, Any],
    mapping: Mapping,
    reach: Reach,
    *,
    name: str | None = None,
) -> Adapter:
    """The adapter for a kind, reaching only what the policy admitted (`reach`, from
    SourcePolicy.admit); raises RegistrationError for a kind or connection it can't use."""
    url = source_url(kind, connection)
    if kind == SQL and isinstance(reach, SqlReach):
        return SqlAdapter(
            reach.url,
            mapping,
            name=name or display_url(url),
            recheck=reach.recheck,
            pools=reach.pools,
        )
    if kind == HTTP and isinstance(reach, WebReach):
        headers = _headers(kind, connection)
        return HttpAdapter(
            url,
            mapping,
            headers,
            guarded_client(reach),
            name=name,
            answer_bytes=reach.pools.http_answer_bytes,
        )
    if kind == GRAPHQL and isinstance(reach, WebReach):
        headers = _headers(kind, connection)
        return GraphqlAdapter(
            url,
            mapping,
            headers,
            guarded_client(reach),
            name=name,
            answer_bytes=reach.pools.http_answer_bytes,
        )
    raise unknown_kind(kind)


def _web_url(text: Any) -> TypeGuard[str]:
    if not isinstance(text, str):
        return False
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def _headers(kind: str, connection: dict[str, Any]) -> dict[str, str]:
    headers = connection.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise RegistrationError(f"{kind} connection headers must map text to text")
    return headers


def unknown_kind(kind: str) -> RegistrationError:
    return RegistrationError(f"unknown source kind {kind!r} (use one of: {', '.join(KINDS)})")


def display_connection(kind: str, connection: dict[str, Any]) -> str:
    """The connection with credentials masked: passwords, header values, secret-looking params."""
    shown: dict[str, Any] = {}
    if kind == SQL:
        shown["url"] = _mask_params(display_url(str(connection.get("url", ""))))
    elif kind in (HTTP, GRAPHQL):
        where = "base_url" if kind == HTTP else "endpoint"
        shown[where] = _mask_params(display_base_url(str(connection.get(where, ""))))
        headers = connection.get("headers") or {}
        if headers:
            shown["headers"] = {name: "***" for name in headers}
    return json.dumps(shown, ensure_ascii=False)[:500]


def _mask_params(url: str) -> str:
    """Secret-looking query parameters (?api_key=...) masked; URL user info is masked before."""
    base, _, query = url.partition("?")
    if not query:
        return url
    params = [(k, "***" if _secret(k) else v) for k, v in parse_qsl(query)]
    return f"{base}?{urlencode(params, safe='*')}"


def _secret(name: str) -> bool:
    return any(word in name.lower() for word in _SECRET_WORDS)
