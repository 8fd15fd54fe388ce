"""The one pagination rule: page sizes 1..MAX_FIRST, and opaque cursors of `<kind>.<position>`
that only the list that handed them out accepts back; BAD_USER_INPUT for anything else."""

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


def test_sizes() -> None:
    assert (DEFAULT_FIRST, MAX_FIRST) == (20, 100)
    assert check_first(1) == 1 and check_first(MAX_FIRST) == MAX_FIRST
    for first in (0, -1, MAX_FIRST + 1):
        with pytest.raises(DarvazehError) as refused:
            check_first(first)
        assert refused.value.code is ErrorCode.BAD_USER_INPUT
        assert refused.value.message == f"`first` must be 1 to {MAX_FIRST}"


def test_a_cursor_round_trips_and_is_opaque() -> None:
    cursor = encode_cursor("c1", "newborn-health-insurance")
    assert "=" not in cursor and "newborn" not in cursor
    assert decode_cursor("c1", cursor) == "newborn-health-insurance"
    assert decode_cursor("a1", encode_cursor("a1", "سلام.1")) == "سلام.1"  # any UTF-8 position


@pytest.mark.parametrize("payload", ["passport-renew", "1764580000123456.42", "کارت-ملی"])
def test_a_cursor_is_opaque_and_names_its_payload(payload: str) -> None:
    cursor = encode_cursor("c1", payload)
    assert "=" not in cursor and payload not in cursor  # URL-safe, unpadded, not readable
    assert decode_cursor("c1", cursor) == payload


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


def test_a_cursor_only_goes_back_to_its_own_list() -> None:
    with pytest.raises(BadCursor):
        decode_cursor("c1", encode_cursor("a1", "123.4"))
    with pytest.raises(BadCursor):
        decode_cursor("a1", encode_cursor("c1", "123.4"))
    assert len(encode_cursor("a1", f"{10**19 - 1}.{10**19 - 1}")) <= MAX_CURSOR_CHARS


def test_the_longest_card_id_fits_a_cursor() -> None:
    longest = "a" * 64  # store.models.ServiceCard.id
    assert len(encode_cursor("c1", longest)) <= MAX_CURSOR_CHARS
