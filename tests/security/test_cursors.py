"""Cursors are attacker input: a huge one is refused on its length before it is decoded, one of
another list is refused, and none of them costs a store query or answers anything but
BAD_USER_INPUT."""

from __future__ import annotations

import time

import pytest

from audit.tracker import decode_cursor as tracker_cursor
from standard.pagination import MAX_CURSOR_CHARS, BadCursor, decode_cursor, encode_cursor
from tests.harness import RunningGateway

AGENCY = """query($after: String) { agencyDataAccesses(first: 2, after: $after) {
  edges { cursor } } }"""


def test_a_huge_cursor_is_refused_before_it_is_decoded() -> None:
    huge = "A" * 10_000_000
    started = time.perf_counter()
    for _ in range(100):
        with pytest.raises(BadCursor):
            decode_cursor("a1", huge)
    # A length check, not a 10 MB base64 decode a hundred times over.
    assert time.perf_counter() - started < 0.05
    with pytest.raises(BadCursor):
        decode_cursor("a1", "A" * (MAX_CURSOR_CHARS + 1))


def test_a_cursor_of_the_catalogue_is_no_cursor_of_the_log() -> None:
    with pytest.raises(BadCursor):
        tracker_cursor(encode_cursor("c1", "1.1"))
    for position in ("1", "1.1.1", "x.1", "1.-1", f"1.{'9' * 20}"):
        with pytest.raises(BadCursor):
            tracker_cursor(encode_cursor("a1", position))


async def test_the_log_refuses_forged_cursors(gateway: RunningGateway) -> None:
    admin = await gateway.token("agency_admin")
    for forged in ("A" * 100_000, encode_cursor("c1", "newborn-health-insurance")):
        answer = await gateway.query(AGENCY, {"after": forged}, token=admin)
        assert answer["data"] == {"agencyDataAccesses": None}
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_USER_INPUT"]
