"""Pages of a list: how many items a page holds, and the cursor that says where the next page
starts.

A cursor is a kind tag and a payload (`c1.<card id>`, `a1.<instant>.<id>`) in base64url without
padding: opaque to clients, and bounded in length before anything is done with it. A cursor this
gateway did not hand out, or a page size out of bounds, is the client's BAD_USER_INPUT.
"""

from __future__ import annotations

import base64
import binascii

from standard.errors import DarvazehError, ErrorCode

DEFAULT_FIRST = 20
MAX_FIRST = 100
MAX_CURSOR_CHARS = 120


class BadCursor(DarvazehError):
    """A cursor this gateway did not hand out for this list (or one that was altered)."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str = "`after` is not a cursor of this list") -> None:
        super().__init__(message)


def page_size(first: int) -> int:
    """`first`, when it is a page size a client may ask for (1 to MAX_FIRST)."""
    if not 1 <= first <= MAX_FIRST:
        raise DarvazehError(f"`first` must be 1 to {MAX_FIRST}", code=ErrorCode.BAD_USER_INPUT)
    return first


def encode_cursor(kind: str, payload: str) -> str:
    raw = f"{kind}.{payload}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(kind: str, value: str) -> str:
    """The payload of a cursor `encode_cursor(kind, ...)` made; BadCursor for anything else (the
    payload's own form is for the list to check)."""
    if not value or len(value) > MAX_CURSOR_CHARS:
        raise BadCursor()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise BadCursor() from None
    prefix = f"{kind}."
    if not raw.startswith(prefix) or len(raw) == len(prefix):
        raise BadCursor()
    return raw[len(prefix) :]
