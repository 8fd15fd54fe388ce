"""One module for pages: sizes, opaque cursors, and BAD_USER_INPUT for anything else."""

from __future__ import annotations

import base64

import pytest

from standard.errors import DarvazehError, ErrorCode
from standard.pagination import (
    DEFAULT_FIRST,
    MAX_CURSOR_CHARS,
    MAX_FIRST,
    BadCursor,
    decode_cursor,
    encode_cursor,
    page_size,
)


def test_sizes() -> None:
    assert (DEFAULT_FIRST, MAX_FIRST) == (20, 100)
    assert page_size(1) == 1 and page_size(MAX_FIRST) == MAX_FIRST
    for first in (0, -1, MAX_FIRST + 1):
        with pytest.raises(DarvazehError) as refused:
            page_size(first)
        assert refused.value.code is ErrorCode.BAD_USER_INPUT
        assert refused.value.message == f"`first` must be 1 to {MAX_FIRST}"


@pytest.mark.parametrize("payload", ["passport-renew", "1764580000123456.42", "کارت-ملی"])
def test_a_cursor_is_opaque_and_names_its_payload(payload: str) -> None:
    cursor = encode_cursor("c1", payload)
    assert "=" not in cursor and payload not in cursor  # URL-safe, unpadded, not readable
    assert decode_cursor("c1", cursor) == payload


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!!",
        "nope",
        "x" * (MAX_CURSOR_CHARS + 1),  # refused before it is decoded
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        encode_cursor("a1", "7"),  # another list's cursor
        base64.urlsafe_b64encode(b"c1.").decode(),  # no payload
    ],
)
def test_anything_else_is_bad_user_input(cursor: str) -> None:
    with pytest.raises(BadCursor) as refused:
        decode_cursor("c1", cursor)
    assert refused.value.code is ErrorCode.BAD_USER_INPUT
    assert refused.value.message == "`after` is not a cursor of this list"


def test_the_longest_card_id_fits_a_cursor() -> None:
    longest = "a" * 64  # store.models.ServiceCard.id
    assert len(encode_cursor("c1", longest)) <= MAX_CURSOR_CHARS
