"""The one pagination rule: page sizes 1..MAX_FIRST, and opaque cursors of `<kind>.<position>`
that only the list that handed them out accepts back."""

from __future__ import annotations

import base64

import pytest

from standard.errors import DarvazehError, ErrorCode
from standard.pagination import (
    DEFAULT_FIRST,
    MAX_CURSOR_CHARS,
    MAX_FIRST,
    BadCursor,
    BadPageSize,
    check_first,
    decode_cursor,
    encode_cursor,
)


def test_page_sizes() -> None:
    assert check_first(DEFAULT_FIRST) == DEFAULT_FIRST and check_first(MAX_FIRST) == MAX_FIRST
    for bad in (0, -1, MAX_FIRST + 1):
        with pytest.raises(BadPageSize, match=f"1 to {MAX_FIRST}"):
            check_first(bad)
    assert check_first(5, maximum=5) == 5
    with pytest.raises(BadPageSize):
        check_first(6, maximum=5)


def test_a_cursor_round_trips_and_is_opaque() -> None:
    cursor = encode_cursor("c1", "newborn-health-insurance")
    assert "=" not in cursor and "newborn" not in cursor
    assert decode_cursor("c1", cursor) == "newborn-health-insurance"
    assert decode_cursor("a1", encode_cursor("a1", "سلام.1")) == "سلام.1"  # any UTF-8 position


def test_refusals_carry_the_bad_input_code() -> None:
    for refusal in (BadCursor(), BadPageSize("x")):
        assert isinstance(refusal, DarvazehError) and refusal.code is ErrorCode.BAD_USER_INPUT
    assert BadCursor().message == "`after` is not a cursor of this list"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "nope",
        "!!!!",
        base64.urlsafe_b64encode(b"a1.").decode(),  # a kind and no position
        base64.urlsafe_b64encode(b"c1").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_malformed_cursors(cursor: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor("c1", cursor)


def test_a_cursor_only_goes_back_to_its_own_list() -> None:
    with pytest.raises(BadCursor):
        decode_cursor("c1", encode_cursor("a1", "123.4"))
    with pytest.raises(BadCursor):
        decode_cursor("a1", encode_cursor("c1", "123.4"))
    assert len(encode_cursor("a1", f"{10**19 - 1}.{10**19 - 1}")) <= MAX_CURSOR_CHARS
