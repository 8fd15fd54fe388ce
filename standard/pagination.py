"""Pages of a list, the same for every list the gateway answers in pages: at most `first` items
after an opaque cursor.

A cursor is the URL-safe base64 (unpadded) of `<kind>.<position>` (`c1.<card id>`,
`a1.<instant>.<id>`): the kind says which list handed it out (`a1` the access log, `c1` the
service catalogue), so a cursor of one list is refused by another, and the position is whatever
that list needs to resume after the item. A cursor is bounded in length before anything is done
with it. A cursor this gateway did not hand out, or a page size out of bounds, is the client's
BAD_USER_INPUT.
"""

from __future__ import annotations

import base64
import binascii

from standard.errors import DarvazehError, ErrorCode

DEFAULT_FIRST = 20
MAX_FIRST = 100
# Longer than any cursor handed out; checked before anything is decoded.
MAX_CURSOR_CHARS = 120


class BadPageSize(DarvazehError):
    """`first` outside 1..MAX_FIRST."""

    code = ErrorCode.BAD_USER_INPUT


class BadCursor(DarvazehError):
    """A cursor this list did not hand out (or one that was altered)."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str = "`after` is not a cursor of this list") -> None:
        super().__init__(message)


def check_first(first: int, maximum: int = MAX_FIRST) -> int:
    """`first`, or BadPageSize when it is not 1..`maximum`."""
    if not 1 <= first <= maximum:
        raise BadPageSize(f"`first` must be 1 to {maximum}")
    return first


def encode_cursor(kind: str, position: str) -> str:
    raw = f"{kind}.{position}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(kind: str, cursor: str) -> str:
    """The position a cursor of list `kind` names; BadCursor for anything else (never another
    exception), before any work for a cursor longer than any handed out. The position's own form
    is for the list to check."""
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        raise BadCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise BadCursor() from None
    prefix = f"{kind}."
    if not raw.startswith(prefix) or len(raw) == len(prefix):
        raise BadCursor()
    return raw[len(prefix) :]
