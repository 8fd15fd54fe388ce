"""The request being served, as far as logs, metrics and spans need it.

The HTTP edge opens one `RequestInfo` per request and puts it in a context variable, so every log
line of the request carries its id, client and operation, and layers below fill in what they
learn (the client once the token is checked, the operation once the document is validated)
without any of them passing it along. The object is mutable on purpose: tasks started during the
request copy the context, so they see the same object and their notes reach the edge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["RequestInfo", "current", "new_request_id", "note_client", "note_outcome", "serving"]


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(slots=True)
class RequestInfo:
    request_id: str = field(default_factory=new_request_id)
    # A verified client id (from a checked token or client authentication), never a claim.
    client_id: str | None = None
    # The GraphQL operation's metric label (bounded, see observability.labels), once validated.
    operation: str | None = None
    # The request's outcome code (an ErrorCode value or OK), for the operations counter.
    outcome: str | None = None


_current: ContextVar[RequestInfo | None] = ContextVar("darvazeh_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


@contextmanager
def serving(info: RequestInfo) -> Iterator[RequestInfo]:
    """Make `info` the current request for the duration of the block."""
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)


def note_client(client_id: str) -> None:
    info = _current.get()
    if info is not None:
        info.client_id = client_id


def note_outcome(code: str) -> None:
    """Record the request's outcome code (the edge's refusals call this before answering)."""
    info = _current.get()
    if info is not None:
        info.outcome = code
